#include "storage/local_storage.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <thread>
#include <filesystem>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/printable.hpp"
#include "core/signals.hpp"
#include "core/timestamp.hpp"
#include "crypto/sha256.hpp"
#include "core/temp_names.hpp"

namespace lean {
namespace fs = std::filesystem;

namespace {

// Large enough that a copy costs a few thousand system calls per GiB, small enough to
// keep memory constant.
constexpr std::size_t kCopyBlock = 4 << 20;

// A registry-side failure (disk full, permission denied on the registry folder) is the
// store failing, exit 4, like an unreachable bucket; the subject is the registry path.
[[noreturn]] void throw_store(const std::string& path, const std::string& what, int err) {
  throw Error(ExitStatus::remote, path, what + ": " + errno_text(err));
}

// What is in a regular file's place, named: "a FIFO", "a symbolic link, which ...".
[[noreturn]] void throw_not_regular(const std::string& path, mode_t mode) {
  std::string what = "something else";
  if (S_ISLNK(mode)) what = "a symbolic link, which the registry never follows";
  else if (S_ISFIFO(mode)) what = "a FIFO";
  else if (S_ISCHR(mode) || S_ISBLK(mode)) what = "a device";
  else if (S_ISSOCK(mode)) what = "a socket";
  else if (S_ISDIR(mode)) what = "a folder";
  throw Error(ExitStatus::integrity, path, "is not a regular file: it is " + what);
}

// Creates the folders of a registry path; a failure (a read-only registry folder) names
// its real cause, not the "No such file or directory" of the write that would follow.
void make_folders(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw_store(dir.string(), "cannot create the folder", ec.value());
}

class FileHandle {
 public:
  explicit FileHandle(int fd = -1) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error a deferred write (NFS, quota) may only show here.
  int close() {
    int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

// How long a writer waits for the registry lock: a holder that stalls (SIGSTOP, a hung NFS
// client) must not block every other writer for ever. ML_RELEASE_LOCK_TIMEOUT (seconds).
constexpr double kDefaultLockTimeout = 60;
constexpr double kLockNoticeAfter = 2;  // then one line on stderr says what the run waits for

}  // namespace

double lock_timeout_seconds() {
  const char* text = std::getenv("ML_RELEASE_LOCK_TIMEOUT");
  if (!text || !*text) return kDefaultLockTimeout;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (*end != '\0' || !(value >= 0 && value <= 86400)) {
    throw_usage("ML_RELEASE_LOCK_TIMEOUT must be a number of seconds from 0 to 86400");
  }
  return value;
}

namespace {

// Who holds the lock, from the record its holder wrote into the lock file ("p<PID>@<HOST>
// <TIME>"): "process 42 on ci-1 since 2026-...Z"; empty when there is no readable record, or
// it names a process of this host that has ended (a holder that does not record itself).
std::string lock_holder(int fd) {
  char buffer[256] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return "";
  const std::string record(buffer, static_cast<std::size_t>(n));
  const std::size_t at = record.find('@'), space = record.find(' ');
  if (record[0] != 'p' || at == std::string::npos || space == std::string::npos || at > space) return "";
  const std::string pid = record.substr(1, at - 1), host = record.substr(at + 1, space - at - 1);
  std::string since = record.substr(space + 1);
  while (!since.empty() && since.back() == '\n') since.pop_back();
  const auto all_of = [](const std::string& text, const char* allowed) {
    return !text.empty() && text.size() <= 64 && text.find_first_not_of(allowed) == std::string::npos;
  };
  if (!all_of(pid, "0123456789") || !all_of(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._") ||
      !all_of(since, "0123456789-:.TZ")) {
    return "";
  }
  const std::string me = process_owner();
  if (me.substr(me.find('@') + 1) == host && ::kill(std::stoi(pid), 0) != 0 && errno == ESRCH) {
    return "";
  }
  return "process " + pid + " on " + host + " since " + since;
}

// Blocks until this process holds the registry's lock (at most lock_timeout_seconds(), then
// exit 4); released when destroyed. The holder records itself in the lock file, so a writer
// that waits can say for whom.
class RegistryLock {
 public:
  RegistryLock(const std::string& root, double timeout) {
    make_folders(root);
    const std::string path = (fs::path(root) / kLocalLockFile).string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd_ < 0 && errno == ELOOP) {
      throw Error(ExitStatus::integrity, path,
                  "is a symbolic link inside the registry; the registry never follows one");
    }
    if (fd_ < 0) throw_store(path, "cannot open the lock file", errno);
    struct stat info {};
    if (::fstat(fd_, &info) == 0 && !S_ISREG(info.st_mode)) {
      ::close(fd_);
      throw_not_regular(path, info.st_mode);
    }
    // The holder's record is written in place: through a hard link it would empty another file.
    if (info.st_nlink > 1) {
      ::close(fd_);
      throw Error(ExitStatus::integrity, path, "has other hard links; the registry never writes through one");
    }
    try {
      acquire(path, timeout);
    } catch (...) {
      ::close(fd_);
      throw;
    }
    const std::string record = process_owner() + " " + format_timestamp(static_cast<double>(std::time(nullptr))) + "\n";
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, record.data(), record.size(), 0);
  }
  ~RegistryLock() {
    (void)!::ftruncate(fd_, 0);  // no record of a holder that is gone
    ::close(fd_);                // closing releases the flock
  }
  RegistryLock(const RegistryLock&) = delete;
  RegistryLock& operator=(const RegistryLock&) = delete;

 private:
  void acquire(const std::string& path, double timeout) {
    const auto start = std::chrono::steady_clock::now();
    bool said = false;
    for (;;) {
      if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
      if (errno != EWOULDBLOCK && errno != EINTR) throw_store(path, "cannot lock", errno);
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const std::string holder = lock_holder(fd_);
      const std::string held = holder.empty() ? "" : "held by " + holder + "; ";
      if (waited >= timeout) {
        throw Error(ExitStatus::remote, path,
                    "gave up waiting for the registry lock after " + format_number(timeout) + " s (" + held +
                        "another ml-release is writing, or is stopped while it holds the lock); set "
                        "ML_RELEASE_LOCK_TIMEOUT to wait longer");
      }
      if (!said && waited >= kLockNoticeAfter) {
        std::cerr << program_invocation_short_name << ": waiting for the registry lock '" << printable(path) << "' ("
                  << held << "giving up after " << format_number(timeout) << " s)" << std::endl;
        said = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  int fd_ = -1;
};

// One side of a copy: a descriptor, its name for messages and the exit status its failure
// means (3 for the user's local file, 4 for the registry's store).
struct Endpoint {
  int fd;
  std::string name;
  ExitStatus failure;
};

[[noreturn]] void throw_io(const Endpoint& end, const std::string& what, int err) {
  throw Error(end.failure, end.name, what + ": " + errno_text(err));
}

void write_all(const Endpoint& out, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(out.fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io(out, "cannot write", errno);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Makes a rename durable: the directory entry is on disk once this returns.
void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// A temporary file beside `target`, renamed over it by commit(); removed if never committed.
class TempFile {
 public:
  explicit TempFile(const fs::path& target) : target_(target) {
    make_folders(target.parent_path());
    remove_stale_temps(target.parent_path().string(), kLocalTempPrefix);  // what a killed run left
    path_ =
        (target.parent_path() / (kLocalTempPrefix + temp_owner() + target.filename().string() + "-XXXXXX")).string();
    int fd = -1;
    int create_errno = 0;
    {
      SignalsHeldBack held;  // guarded from its creation on: SIGINT/SIGTERM remove it too
      fd = ::mkstemp(path_.data());
      create_errno = errno;
      if (fd >= 0) guard_.emplace(path_);
    }
    if (fd < 0) throw_store(target.string(), "cannot create", create_errno);
    fd_ = std::make_unique<FileHandle>(fd);
    ::fchmod(fd, 0644);  // mkstemp makes 0600; registry objects are ordinary files
  }
  ~TempFile() {
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_->get(); }

  void commit() {
    const std::string target = target_.string();
    if (::fsync(fd()) != 0) throw_store(target, "cannot write", errno);
    if (fd_->close() != 0) throw_store(target, "cannot write", errno);
    if (::rename(path_.c_str(), target.c_str()) != 0) throw_store(target, "cannot write", errno);
    committed_ = true;
    sync_directory(target_.parent_path());
  }

 private:
  fs::path target_;
  std::string path_;
  std::optional<TempFileGuard> guard_;
  std::unique_ptr<FileHandle> fd_;
  bool committed_ = false;
};

// Copies `in` to `out` (when given) block by block, hashing the bytes as they pass.
FileDigest copy_and_hash(const Endpoint& in, const Endpoint* out) {
  std::vector<char> block(kCopyBlock);
  Sha256 hash;
  FileDigest digest;
  for (;;) {
    ssize_t n = ::read(in.fd, block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io(in, "cannot read", errno);
    }
    if (n == 0) break;
    hash.update(block.data(), static_cast<std::size_t>(n));
    digest.size += static_cast<std::uint64_t>(n);
    if (out) write_all(*out, block.data(), static_cast<std::size_t>(n));
  }
  digest.sha256 = hash.finish_hex();
  return digest;
}

// Opens a stored object for reading; -1 when it does not exist. A symbolic link, FIFO or
// device in its place is never opened through (O_NOFOLLOW, O_NONBLOCK: a FIFO cannot block).
int open_object(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP) throw_not_regular(path, S_IFLNK);
  if (fd < 0 && errno != ENOENT && errno != ENOTDIR) throw_store(path, "cannot read", errno);
  if (fd >= 0) {
    struct stat info {};
    if (::fstat(fd, &info) == 0 && !S_ISREG(info.st_mode)) {
      ::close(fd);
      throw_not_regular(path, info.st_mode);
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  }
  return fd;
}

}  // namespace

LocalStorage::LocalStorage(std::string root, std::string url)
    : root_(std::move(root)), url_(std::move(url)), lock_timeout_(lock_timeout_seconds()) {}

std::string LocalStorage::path_of(const std::string& key) const {
  // Keys come from the registry, which validates every name; this keeps a bad key from
  // ever addressing a file outside the registry folder.
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t slash = std::min(key.find('/', start), key.size());
    std::string segment = key.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      throw Error(ExitStatus::usage, key, "is not a valid registry key");
    }
    start = slash + 1;
  }
  // No folder on the way from the root to the object may be a symbolic link: a write through
  // one would land outside the registry (docs/hardening.md, "Symbolic links").
  fs::path path(root_);
  start = 0;
  while (true) {
    const std::size_t slash = key.find('/', start);
    path /= key.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) break;  // absent from here on: created as folders
    if (S_ISLNK(info.st_mode) && slash == std::string::npos) throw_not_regular(path.string(), S_IFLNK);
    if (S_ISLNK(info.st_mode)) {
      throw Error(ExitStatus::integrity, path.string(),
                  "is a symbolic link inside the registry; the registry never follows one");
    }
    if (slash == std::string::npos) break;
    if (!S_ISDIR(info.st_mode))
      throw Error(ExitStatus::integrity, path.string(), "is not a folder; the registry needs one here");
    start = slash + 1;
  }
  return (fs::path(root_) / key).string();
}

void LocalStorage::refuse_linked_folders(const std::string& key) const {
  // A model's folders, checked on every write and not only on the way to the written key: a
  // promote writes the channel and then the audit event, and a symlinked audit/ found only at
  // the second write would leave the channel moved without its event.
  if (key.find('/') == std::string::npos) return;  // not an object of a model
  const fs::path model = fs::path(root_) / key.substr(0, key.find('/'));
  for (const fs::path& folder : {model, model / "versions", model / "channels", model / "audit"}) {
    struct stat info {};
    if (::lstat(folder.c_str(), &info) != 0) continue;  // created as a folder when needed
    if (S_ISLNK(info.st_mode)) {
      throw Error(ExitStatus::integrity, folder.string(),
                  "is a symbolic link inside the registry; the registry never follows one");
    }
    if (!S_ISDIR(info.st_mode))
      throw Error(ExitStatus::integrity, folder.string(), "is not a folder; the registry needs one here");
  }
}

std::optional<StoredObject> LocalStorage::get(const std::string& key) {
  const std::string path = path_of(key);
  FileHandle file(open_object(path));
  if (file.get() < 0) return std::nullopt;
  std::string body;
  char block[1 << 16];
  for (;;) {
    ssize_t n = ::read(file.get(), block, sizeof block);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_store(path, "cannot read", errno);
    }
    if (n == 0) break;
    body.append(block, static_cast<std::size_t>(n));
  }
  // The content hash is the etag: an if_match write succeeds only on the bytes it read.
  std::string etag = sha256_hex(body);
  return StoredObject{std::move(body), std::move(etag)};
}

bool LocalStorage::put(const std::string& key, const std::string& body, const WriteCondition& condition) {
  const fs::path target = path_of(key);
  refuse_linked_folders(key);
  RegistryLock lock(root_, lock_timeout_);
  if (condition.kind != WriteCondition::Kind::none) {
    std::optional<StoredObject> current = get(key);
    if (condition.kind == WriteCondition::Kind::if_absent && current) return false;
    if (condition.kind == WriteCondition::Kind::if_match && (!current || current->etag != condition.etag)) return false;
  }
  TempFile temp(target);
  write_all({temp.fd(), target.string(), ExitStatus::remote}, body.data(), body.size());
  temp.commit();
  return true;
}

FileDigest LocalStorage::upload_file(const std::string& key, const std::string& local_path) {
  const fs::path target = path_of(key);
  refuse_linked_folders(key);
  FileHandle source(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) throw_input(local_path, "cannot open: " + errno_text(errno));
  ::posix_fadvise(source.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  TempFile temp(target);
  const Endpoint in{source.get(), local_path, ExitStatus::input_data};
  const Endpoint out{temp.fd(), target.string(), ExitStatus::remote};
  FileDigest digest = copy_and_hash(in, &out);
  temp.commit();
  return digest;
}

FileDigest LocalStorage::download_file(const std::string& key, const std::string& local_path) {
  const std::string path = path_of(key);
  FileHandle object(open_object(path));
  if (object.get() < 0) throw Error(ExitStatus::integrity, path, "is missing from the registry");
  ::posix_fadvise(object.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  FileHandle out(::open(local_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) throw_input(local_path, "cannot create: " + errno_text(errno));
  const Endpoint from{object.get(), path, ExitStatus::remote};
  const Endpoint to{out.get(), local_path, ExitStatus::input_data};
  FileDigest digest = copy_and_hash(from, &to);
  if (::fsync(out.get()) != 0 || out.close() != 0) throw_input(local_path, "cannot write: " + errno_text(errno));
  return digest;
}

FileDigest LocalStorage::read_digest(const std::string& key) {
  const std::string path = path_of(key);
  FileHandle object(open_object(path));
  if (object.get() < 0) throw Error(ExitStatus::integrity, path, "is missing from the registry");
  ::posix_fadvise(object.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return copy_and_hash({object.get(), path, ExitStatus::remote}, nullptr);
}

std::string LocalStorage::staged_path(const std::string& key, const std::string& attempt) const {
  const fs::path target = path_of(key);
  return (target.parent_path() / (kLocalTempPrefix + temp_owner() + attempt + "-" + target.filename().string()))
      .string();
}

FileDigest LocalStorage::stage_file(const std::string& key, const std::string& local_path, const std::string& attempt) {
  const fs::path target = path_of(key);
  refuse_linked_folders(key);
  const std::string path = staged_path(key, attempt);
  FileHandle source(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) throw_input(local_path, "cannot open: " + errno_text(errno));
  ::posix_fadvise(source.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  make_folders(target.parent_path());
  remove_stale_temps(target.parent_path().string(), kLocalTempPrefix);  // what a killed run left
  int fd = -1;
  int create_errno = 0;
  {
    SignalsHeldBack held;  // guarded from its creation on
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    create_errno = errno;
    if (fd >= 0) staged_[path] = std::make_unique<TempFileGuard>(path);
  }
  if (fd < 0) throw_store(target.string(), "cannot create", create_errno);
  FileHandle out(fd);
  const Endpoint in{source.get(), local_path, ExitStatus::input_data};
  const Endpoint to{out.get(), target.string(), ExitStatus::remote};
  FileDigest digest = copy_and_hash(in, &to);
  if (::fsync(out.get()) != 0 || out.close() != 0) throw_store(target.string(), "cannot write", errno);
  return digest;
}

bool LocalStorage::commit_version(const std::string& manifest_key, const std::string& manifest_body,
                                  const std::vector<std::string>& file_keys, const std::string& attempt) {
  const fs::path manifest = path_of(manifest_key);
  refuse_linked_folders(manifest_key);
  RegistryLock lock(root_, lock_timeout_);
  {
    FileHandle existing(open_object(manifest.string()));
    if (existing.get() >= 0) return false;
  }
  // Under the lock and with no manifest, nobody else is completing this version: files an
  // interrupted publish left (not staged temporaries) are replaced, so it holds only its own.
  std::vector<std::string> targets;
  for (const auto& key : file_keys) targets.push_back(fs::path(path_of(key)).filename().string());
  std::error_code ec;
  for (fs::directory_iterator it(manifest.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kLocalTempPrefix, 0) == 0 || std::find(targets.begin(), targets.end(), name) != targets.end())
      continue;
    if (it->symlink_status(ec).type() == fs::file_type::regular) ::unlink(it->path().c_str());
  }
  for (const auto& key : file_keys) {
    const std::string from = staged_path(key, attempt);
    const std::string into = path_of(key);
    if (::rename(from.c_str(), into.c_str()) != 0) throw_store(into, "cannot write", errno);
    staged_.erase(from);
  }
  sync_directory(manifest.parent_path());
  TempFile temp(manifest);
  write_all({temp.fd(), manifest.string(), ExitStatus::remote}, manifest_body.data(), manifest_body.size());
  temp.commit();
  return true;
}

bool LocalStorage::remove_unless_published(const std::string& manifest_key, const std::vector<std::string>& keys) {
  const fs::path manifest = path_of(manifest_key);
  refuse_linked_folders(manifest_key);
  RegistryLock lock(root_, lock_timeout_);
  {
    FileHandle existing(open_object(manifest.string()));
    if (existing.get() >= 0) return false;
  }
  for (const auto& key : keys) remove(key);
  ::rmdir(manifest.parent_path().c_str());  // fails, harmlessly, while anything is left in it
  return true;
}

void LocalStorage::discard_staged(const std::vector<std::string>& file_keys, const std::string& attempt) {
  for (const auto& key : file_keys) {
    const std::string path = staged_path(key, attempt);
    ::unlink(path.c_str());
    staged_.erase(path);
  }
}

std::vector<std::string> LocalStorage::leftovers(const std::string& prefix) {
  std::vector<std::string> found;
  std::error_code ec;
  const std::string folder = path_of(prefix.substr(0, prefix.find_last_not_of('/') + 1));
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(kLocalTempPrefix, 0) == 0) found.push_back(it->path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<std::string> LocalStorage::remove_stale_leftovers(const std::string& prefix) {
  const fs::path top = path_of(prefix.substr(0, prefix.find_last_not_of('/') + 1));
  std::vector<fs::path> folders{top};
  std::error_code ec;
  // Never into a symbolic link (the iterator's default) nor into a temporary folder itself.
  for (fs::recursive_directory_iterator it(top, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(kLocalTempPrefix, 0) == 0) {
      it.disable_recursion_pending();
    } else if (it->is_directory(ec) && !it->is_symlink(ec)) {
      folders.push_back(it->path());
    }
  }
  std::vector<std::string> removed;
  for (const auto& folder : folders) {
    for (auto& path : remove_stale_temps(folder.string(), kLocalTempPrefix)) removed.push_back(std::move(path));
  }
  return removed;
}

std::vector<std::string> LocalStorage::list(const std::string& prefix) {
  // Walk only the folder the prefix names, not the whole registry.
  const std::size_t slash = prefix.rfind('/');
  const std::string folder = slash == std::string::npos ? "" : prefix.substr(0, slash);
  const fs::path start = folder.empty() ? fs::path(root_) : fs::path(path_of(folder));
  std::vector<std::string> keys;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return keys;
  // A folder that goes while it is listed (a gc deleting the version) holds nothing: what
  // reads it next finds the version gone, as when it went just before.
  const auto vanished = [&] { return ec == std::errc::no_such_file_or_directory; };
  fs::recursive_directory_iterator it(start, ec), end;
  if (vanished()) return keys;
  if (ec) throw Error(ExitStatus::remote, start.string(), "cannot list: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (vanished()) break;
    if (ec) throw Error(ExitStatus::remote, start.string(), "cannot list: " + ec.message());
    const std::string name = it->path().filename().string();
    if (name.rfind(kLocalTempPrefix, 0) == 0) {
      it.disable_recursion_pending();  // nor what a temporary folder holds
      continue;
    }
    // Symbolic links (never followed: the iterator does not descend into them either), FIFOs
    // and devices are listed, so reading them reports them rather than a missing file.
    const fs::file_type type = it->symlink_status(ec).type();
    if (type == fs::file_type::directory || type == fs::file_type::not_found) continue;
    std::string key = it->path().lexically_relative(root_).generic_string();  // never resolves a link
    if (key == kLocalLockFile) continue;
    if (key.rfind(prefix, 0) == 0) keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

void LocalStorage::remove(const std::string& key) {
  const std::string path = path_of(key);
  refuse_linked_folders(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_store(path, "cannot remove", errno);
}

}  // namespace lean
