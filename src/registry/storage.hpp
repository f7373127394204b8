#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lean {

// What a stored file's bytes were, computed in the same pass that moved them.
struct FileDigest {
  std::uint64_t size = 0;
  std::string sha256;  // lower-case hex
};

// A small object read back with the token a conditional write compares against
// (an S3 ETag, a hash of a local file's bytes, ...).
struct StoredObject {
  std::string body;
  std::string etag;
};

// Preconditions of a small-object write, so concurrent writers cannot lose an update.
struct WriteCondition {
  enum class Kind { none, if_absent, if_match } kind = Kind::none;
  std::string etag;  // for if_match
  static WriteCondition always() { return {}; }
  static WriteCondition absent() { return {Kind::if_absent, ""}; }
  static WriteCondition match(std::string etag) { return {Kind::if_match, std::move(etag)}; }
};

// The one interface every registry backend implements: keys are "/"-separated paths under
// the registry's prefix ("MODEL/versions/VER/manifest.json"). Every failure throws
// lean::Error: ExitStatus::remote for network and service errors, ExitStatus::input_data
// for local files, ExitStatus::integrity for checksum mismatches.
class Storage {
 public:
  virtual ~Storage() = default;

  // A small object (manifest, channel pointer, audit event); nullopt when absent.
  virtual std::optional<StoredObject> get(const std::string& key) = 0;
  // Writes a small object. Returns false, writing nothing, when the condition does not hold.
  virtual bool put(const std::string& key, const std::string& body, const WriteCondition& condition) = 0;

  // Streams a local file to `key` in constant memory, hashing it in the same read.
  virtual FileDigest upload_file(const std::string& key, const std::string& local_path) = 0;
  // Streams `key` into a local file, hashing it in the same read.
  virtual FileDigest download_file(const std::string& key, const std::string& local_path) = 0;

  // The size and SHA-256 of a stored object's bytes, re-read from the store (verify uses
  // it). The default downloads into a temporary file and removes it; a backend that can
  // hash in place overrides it.
  virtual FileDigest read_digest(const std::string& key);

  // Every key that starts with `prefix`, sorted.
  virtual std::vector<std::string> list(const std::string& prefix) = 0;
  virtual void remove(const std::string& key) = 0;

  // Called once a version is complete (its manifest just written, or an identical re-publish):
  // a backend that also shows versions elsewhere (a GitLab release) does it here.
  virtual void version_published(const std::string& /*model*/, const std::string& /*version*/,
                                 const std::string& /*manifest_body*/) {}

  // Whether put() enforces if_match/if_absent atomically on this store (documented per backend).
  virtual bool atomic_conditional_writes() const = 0;
  // The registry URL, for messages (never with credentials).
  virtual std::string describe() const = 0;
};

}  // namespace lean
