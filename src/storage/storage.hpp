#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

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

  // A publish stages its files per attempt (docs/hardening.md, "Races"), `attempt` being
  // unique to one run, so two publishes of a version never write to the same key. The folder
  // under the version's prefix where the attempt's files stay, recorded in the manifest; ""
  // keeps the files at the version's prefix (a backend that stages them aside and moves them
  // in commit_version, or one that settles concurrent uploads itself).
  virtual std::string attempt_folder(const std::string& /*attempt*/) const { return ""; }
  // Stores a file of a publish attempt for `key`: there, or staged aside until commit_version.
  virtual FileDigest stage_file(const std::string& key, const std::string& local_path, const std::string& /*attempt*/) {
    return upload_file(key, local_path);
  }
  // The last step of a publish: only while `manifest_key` is absent, makes the attempt's
  // staged files those of `file_keys` and writes the manifest; false, changing nothing, when
  // another publish completed the version first.
  virtual bool commit_version(const std::string& manifest_key, const std::string& manifest_body,
                              const std::vector<std::string>& /*file_keys*/, const std::string& /*attempt*/) {
    return put(manifest_key, manifest_body, WriteCondition::absent());
  }
  // Removes what an attempt staged aside (a lost race, a failed publish).
  virtual void discard_staged(const std::vector<std::string>& /*file_keys*/, const std::string& /*attempt*/) {}

  // Whether a version is deleted with one request that takes all of it at once (a GitHub
  // release): gc then cannot hide it first, and never leaves it half deleted.
  virtual bool removes_versions_whole() const { return false; }
  // Deletes a whole version, where removes_versions_whole() says so.
  virtual void remove_version(const std::string& model, const std::string& /*version*/) {
    throw Error(ExitStatus::usage, describe(), "cannot delete version of " + model + " in one step");
  }

  // gc's last pass: removes `keys` (the files of a version gc hid) unless `manifest_key`
  // exists again (a publish completed the version since it was hidden); false, removing
  // nothing, then. A backend whose publishes commit under a lock checks under it.
  virtual bool remove_unless_published(const std::string& manifest_key, const std::vector<std::string>& keys);

  // Temporaries an interrupted write left under `prefix`, which list() hides (verify names them).
  virtual std::vector<std::string> leftovers(const std::string& /*prefix*/) { return {}; }
  // Removes those of them under `prefix`, in every folder below it, that are stale (their
  // owner dead, or unchanged for long), never anything else, and returns where they were: a
  // later publish cleans up after crashes.
  virtual std::vector<std::string> remove_stale_leftovers(const std::string& /*prefix*/) { return {}; }

  // Called once a version is complete (its manifest just written, or an identical re-publish):
  // a backend that also shows versions elsewhere (a GitLab release) does it here.
  virtual void version_published(const std::string& /*model*/, const std::string& /*version*/,
                                 const std::string& /*manifest_body*/) {}

  // Whether put() enforces if_match/if_absent atomically on this store (documented per backend).
  virtual bool atomic_conditional_writes() const = 0;
  // The same when it is known without writing anything (a reading command never writes, so
  // read-only credentials can read); nullopt while a store would have to be probed.
  virtual std::optional<bool> known_atomic_conditional_writes() const { return atomic_conditional_writes(); }
  // The registry URL, for messages (never with credentials).
  virtual std::string describe() const = 0;
};

}  // namespace lean
