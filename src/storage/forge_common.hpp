#pragma once

// What the GitHub and GitLab backends share: file names both services keep as given,
// bodies hashed while they stream, and the wording of a refused request.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/sha256.hpp"
#include "http/http_client.hpp"
#include "registry/storage.hpp"

namespace lean::forge {

// The name a file is stored under on a forge: letters, digits, '.', '_' and '-' pass; every
// other byte (space, '~', '(', '+', non-ASCII, ...) becomes "+XX" (hex), which neither
// GitHub nor GitLab rewrites, and which decodes back to the real name. "a b.pkl" ->
// "a+20b.pkl".
std::string encode_name(std::string_view name);
// The real name of an encoded one; nullopt when `stored` is not an encoding we made.
std::optional<std::string> decode_name(std::string_view stored);

// Percent-encodes one URL path segment or query value (RFC 3986 unreserved pass).
std::string url_encode(std::string_view text);

// A local file streamed as a request body, hashed in the same read; every retry starts the
// hash again, so digest() is of the bytes of the last attempt.
class HashingFileSource : public http::BodySource {
 public:
  explicit HashingFileSource(const std::string& path) : file_(path) {}
  std::uint64_t size() const override { return file_.size(); }
  void rewind() override;
  std::size_t read(char* buffer, std::size_t capacity) override;
  FileDigest digest();  // once the transfer is done

 private:
  http::FileSource file_;
  std::unique_ptr<Sha256> hash_ = std::make_unique<Sha256>();
  std::uint64_t sent_ = 0;
};

// A download into a local file (or memory when `path` is empty), hashed as it arrives.
class HashingSink : public http::BodySink {
 public:
  explicit HashingSink(std::string path = "");
  ~HashingSink() override;
  HashingSink(const HashingSink&) = delete;
  HashingSink& operator=(const HashingSink&) = delete;
  void restart() override;
  void write(const char* data, std::size_t size) override;
  // Flushes the file; the digest of what was received.
  FileDigest finish();
  const std::string& memory() const { return memory_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::string memory_;
  std::unique_ptr<Sha256> hash_ = std::make_unique<Sha256>();
  std::uint64_t size_ = 0;
};

// The first line of an error body, or its "message" field when it is JSON, at most 200
// characters: what a refused request's message shows.
std::string error_detail(const http::Response& response);

// "HTTP 403: Resource not accessible by integration".
std::string status_text(const http::Response& response);

// The environment variable's value, or empty.
std::string env(const char* name);

}  // namespace lean::forge
