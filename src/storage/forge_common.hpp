#pragma once

// What the GitHub and GitLab backends share: the keys of the layout, file names both
// services keep as given, bodies hashed while they stream, fields of their JSON answers, and
// the wording of a refused request.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_text.hpp"
#include "crypto/sha256.hpp"
#include "http/http_client.hpp"
#include "http/progress.hpp"
#include "storage/storage.hpp"

namespace lean::forge {

// A key of the registry layout, split into what a forge backend maps to its own objects.
struct KeyRef {
  enum class Kind { version_file, manifest, channel, audit } kind = Kind::version_file;
  std::string model;
  std::string version;  // of a version file or manifest; empty for channels and audit events
  std::string name;     // the file, the channel (without ".json") or the audit object
};

// "churn/versions/1.0.0/model.bin", "churn/channels/production.json", "churn/audit/E.json";
// a file in a publish attempt's folder, "churn/versions/1.0.0/ATTEMPT/model.bin", is a
// version file named "ATTEMPT/model.bin"; anything else (an empty part, another shape) is a
// usage error naming the key.
KeyRef parse_key(const std::string& key);

// The keys that start with `prefix`, sorted, each once: what Storage::list answers.
std::vector<std::string> keys_under(std::vector<std::string> keys, const std::string& prefix);

// A whole number field, 0 when absent or of another type (value() would throw a JSON
// library exception on a wrong type: an answer of the wrong shape is not a crash).
long long id_of(const nlohmann::json& doc, const char* key);

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
  // Shows the bytes sent on stderr under `label` (a registry URL, never a credential) by the
  // rule of http::start_progress; a retried attempt takes its bytes back.
  void show_progress(std::string label, bool enabled, std::uint64_t min_bytes);
  FileDigest digest();  // once the transfer is done

 private:
  http::FileSource file_;
  std::unique_ptr<Sha256> hash_ = std::make_unique<Sha256>();
  std::uint64_t sent_ = 0;
  std::unique_ptr<http::Progress> progress_;
};

// A download into a local file (or memory when `path` is empty), hashed as it arrives.
class HashingSink : public http::BodySink {
 public:
  explicit HashingSink(std::string path = "");
  ~HashingSink() override;
  HashingSink(const HashingSink&) = delete;
  HashingSink& operator=(const HashingSink&) = delete;
  void restart() override;
  void start(const http::Response& head) override;
  void write(const char* data, std::size_t size) override;
  // Shows the bytes received on stderr under `label` by the rule of http::start_progress, once
  // the answer's Content-Length tells the size.
  void show_progress(std::string label, bool enabled, std::uint64_t min_bytes);
  // Flushes the file; the digest of what was received.
  FileDigest finish();
  const std::string& memory() const { return memory_; }

 private:
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

// The first line of an error body, or its "message" field when it is JSON, at most 200
// characters: what a refused request's message shows.
std::string error_detail(const http::Response& response);

// "HTTP 403: Resource not accessible by integration".
std::string status_text(const http::Response& response);


}  // namespace lean::forge
