#pragma once

// Request and answer bodies of the remote backends, hashed while they stream: a file is read
// or written once, and its SHA-256 (what the manifest records) comes with it.

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/md5.hpp"
#include "crypto/sha256.hpp"
#include "http/http_client.hpp"
#include "http/progress.hpp"
#include "storage/storage.hpp"

namespace lean {

// A local file streamed as a request body, hashed in the same read (SHA-256, and MD5 when
// asked: S3 compares it with the ETag). Every retry starts the hashes again, so the digests
// are of the bytes of the last attempt.
class HashingFileSource : public http::BodySource {
 public:
  enum class Md5Hash { skip, compute };
  explicit HashingFileSource(const std::string& path, Md5Hash md5 = Md5Hash::skip);
  std::uint64_t size() const override { return file_.size(); }
  void rewind() override;
  std::size_t read(char* buffer, std::size_t capacity) override;
  // Shows the bytes sent on stderr under `label` (a registry URL, never a credential) by the
  // rule of http::start_progress; a retried attempt takes its bytes back.
  void show_progress(std::string label, bool enabled, std::uint64_t min_bytes);
  FileDigest digest();    // once the transfer is done
  std::string md5_hex();  // once the transfer is done; only with Md5Hash::compute

 private:
  http::FileSource file_;
  std::unique_ptr<Sha256> hash_ = std::make_unique<Sha256>();
  std::unique_ptr<Md5> md5_;
  std::uint64_t sent_ = 0;
  std::unique_ptr<http::Progress> progress_;
};

// A download hashed as it arrives, into a local file, into memory() or nowhere (a digest of
// what is stored, in constant memory).
class HashingSink : public http::BodySink {
 public:
  enum class Into { memory, nowhere };
  explicit HashingSink(Into into = Into::memory) : into_(into) {}
  explicit HashingSink(std::string path);  // creates (truncates) the file
  ~HashingSink() override;
  HashingSink(const HashingSink&) = delete;
  HashingSink& operator=(const HashingSink&) = delete;
  void restart() override;
  void start(const http::Response& head) override;
  void write(const char* data, std::size_t size) override;
  // Shows the bytes received on stderr under `label` by the rule of http::start_progress, once
  // the answer's Content-Length tells the size; a retried attempt takes its bytes back.
  void show_progress(std::string label, bool enabled, std::uint64_t min_bytes);
  // Flushes the file to disk; the digest of what was received.
  FileDigest finish();
  const std::string& memory() const { return memory_; }

 private:
  Into into_ = Into::memory;  // without a file
  std::string path_;
  int fd_ = -1;
  std::string memory_;
  std::unique_ptr<Sha256> hash_ = std::make_unique<Sha256>();
  std::uint64_t size_ = 0;
  std::string progress_label_;
  bool progress_enabled_ = false;
  std::uint64_t progress_min_bytes_ = 0;
  std::unique_ptr<http::Progress> progress_;
};

}  // namespace lean
