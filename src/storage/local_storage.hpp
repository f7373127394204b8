#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/signals.hpp"
#include "storage/storage.hpp"

namespace lean {

// The registry in a local folder (or any mounted file system). Objects are plain files
// under `root`; every write goes to a temporary file beside its target, is flushed to disk
// and renamed over it, so a reader sees the old bytes or the new ones. Conditional writes
// hold an exclusive flock on ROOT/.lean-lock while they compare and rename.
class LocalStorage : public Storage {
 public:
  // `root` is a directory path; `url` is how the user spelled it, for messages.
  LocalStorage(std::string root, std::string url);

  std::optional<StoredObject> get(const std::string& key) override;
  bool put(const std::string& key, const std::string& body, const WriteCondition& condition) override;
  FileDigest upload_file(const std::string& key, const std::string& local_path) override;
  FileDigest download_file(const std::string& key, const std::string& local_path) override;
  FileDigest read_digest(const std::string& key) override;
  std::vector<std::string> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  // A publish attempt's files are staged as temporary files beside their targets and
  // renamed into place under the lock, together with the manifest write.
  FileDigest stage_file(const std::string& key, const std::string& local_path, const std::string& attempt) override;
  bool commit_version(const std::string& manifest_key, const std::string& manifest_body,
                      const std::vector<std::string>& file_keys, const std::string& attempt) override;
  void discard_staged(const std::vector<std::string>& file_keys, const std::string& attempt) override;
  // Under the lock a publish commits under, so a publish either completed before (the
  // manifest is there) or writes its files after; the emptied version folder goes too.
  bool remove_unless_published(const std::string& manifest_key, const std::vector<std::string>& keys) override;
  std::vector<std::string> leftovers(const std::string& prefix) override;
  std::vector<std::string> remove_stale_leftovers(const std::string& prefix) override;
  bool atomic_conditional_writes() const override { return true; }
  std::string describe() const override { return url_; }

  // The file an object key is stored in.
  std::string path_of(const std::string& key) const;

 private:
  std::string staged_path(const std::string& key, const std::string& attempt) const;
  // Exit 5 when a folder of the key's model (the model, versions/, channels/, audit/) is a
  // symbolic link or not a folder: refused before any write, so none lands half done.
  void refuse_linked_folders(const std::string& key) const;

  std::string root_;
  std::string url_;
  double lock_timeout_;  // seconds a writer waits for the registry lock
  // Staged files of this process, removed by the signal handler if it is interrupted.
  std::map<std::string, std::unique_ptr<TempFileGuard>> staged_;
};

// How long a writer waits for ROOT/.lean-lock: $ML_RELEASE_LOCK_TIMEOUT seconds (0 to 86400,
// default 60; exit 2 otherwise), then exit 4. Read once, when the registry is opened.
double lock_timeout_seconds();

// Temporary files are named ".lean-tmp-*" so list() never reports a half-written object.
inline constexpr const char* kLocalTempPrefix = ".lean-tmp-";
inline constexpr const char* kLocalLockFile = ".lean-lock";

}  // namespace lean
