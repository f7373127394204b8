#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "core/error.hpp"
#include "core/signals.hpp"
#include "core/temp_names.hpp"

namespace lean {

std::string errno_text(int err) { return std::strerror(err); }

namespace {

void write_all(int fd, const std::string& content, const std::string& path) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_input(path, "cannot write: " + errno_text(errno));
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

// How much of a target's name its temporaries keep: "." NAME ".tmp-" OWNER "XXXXXX" within
// NAME_MAX (255) with an owner of up to 100 bytes.
constexpr std::size_t kNameInTemp = 128;

// Renames the complete temporary `from` over `path`, or removes it.
void rename_into_place(const std::string& from, const std::string& path) {
  if (::rename(from.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(from.c_str());
    throw_input(path, "cannot write: " + errno_text(err));
  }
}

// The content written to an anonymous file in `dir` (O_TMPFILE), given a name only once it
// is complete and on disk, for the instant before the rename: a kill -9 while writing leaves
// nothing behind. False when the file system has no anonymous files (or /proc is missing),
// having left nothing behind either.
bool write_anonymously(const std::filesystem::path& dir, const std::string& name_template, const std::string& path,
                       const std::string& content) {
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return false;
    throw_input(path, "cannot create: " + errno_text(errno));
  }
  std::string named;
  std::optional<TempFileGuard> guard;
  try {
    write_all(fd, content, path);
    if (::fsync(fd) != 0) throw_input(path, "cannot write: " + errno_text(errno));
    ::fchmod(fd, 0644);  // as the named path does, whatever the umask
    // linkat needs a free name: the template's X's from the clock and a counter, retried.
    const std::string self = "/proc/self/fd/" + std::to_string(fd);
    static std::atomic<std::uint64_t> counter{0};
    for (int attempt = 0; attempt < 100 && named.empty(); ++attempt) {
      std::uint64_t bits = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                           (counter.fetch_add(1) * 0x9E3779B97F4A7C15);
      std::string candidate = name_template;
      for (std::size_t i = candidate.size() - 6; i < candidate.size(); ++i, bits >>= 6) {
        candidate[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"[bits & 63];
      }
      SignalsHeldBack held;  // the name is guarded from its creation on, as mkstemp's
      if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, candidate.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        named = candidate;
        guard.emplace(named);
      } else if (errno != EEXIST) {
        const int err = errno;
        if (err == ENOENT && ::access("/proc/self/fd", F_OK) != 0) break;  // no /proc: the named path
        throw_input(path, "cannot write: " + errno_text(err));
      }
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (!named.empty()) {  // renamed at once: the named instant is as short as it can be
    try {
      rename_into_place(named, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  ::close(fd);
  return !named.empty();
}

}  // namespace

std::string read_text_file(const std::string& path, std::uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw_input(path, "is a directory, not a file");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_input(path, "cannot open: " + errno_text(errno));
  auto too_large = [&] {
    ::close(fd);
    throw_input(path, "is larger than " + describe_bytes_limit(max_bytes) + " (the limit; see docs/hardening.md)");
  };
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes) too_large();
  // Read in blocks up to one byte past the limit: a pipe or a growing file stops there too.
  std::string content;
  char block[65536];
  for (;;) {
    ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw_input(path, "cannot read: " + errno_text(err));
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) too_large();
    content.append(block, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

std::optional<int> standard_stream(const std::string& path) {
  struct stat target {};
  // A terminal or /dev/null opens anew as well as any device: written through below.
  if (::stat(path.c_str(), &target) != 0 || S_ISCHR(target.st_mode)) return std::nullopt;
  for (const int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat stream {};
    if (::fstat(fd, &stream) == 0 && stream.st_dev == target.st_dev && stream.st_ino == target.st_ino) return fd;
  }
  return std::nullopt;
}

bool names_a_descriptor(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path at = path;
  for (int hop = 0; hop < 40; ++hop) {  // the kernel's own limit on a chain of links
    const std::string text = at.lexically_normal().string();
    if (text.rfind("/dev/fd/", 0) == 0) return true;
    if (text.rfind("/proc/", 0) == 0) {  // /proc/self/fd/N, /proc/PID/fd/N, /proc/thread-self/fd/N
      const std::size_t process_end = text.find('/', 6);
      return process_end != std::string::npos && text.compare(process_end, 4, "/fd/") == 0 &&
             text.size() > process_end + 4;
    }
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(at, ec))) return false;
    const fs::path target = fs::read_symlink(at, ec);
    if (ec) return false;
    at = target.is_absolute() ? target : fs::absolute(at, ec).parent_path() / target;
  }
  return false;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  // Standard output (`--report /dev/stdout`, also redirected to a file) is written to the
  // stream itself, in order with what else goes there: renaming over its path would replace
  // /dev/stdout, and opening the path anew would write at the file's start.
  if (const auto stream = standard_stream(path)) {
    std::cout.flush();
    std::cerr.flush();
    return write_all(*stream, content, path);
  }
  // Any other stream (a FIFO, a device, /dev/fd/3) is written through: renaming over it
  // would replace the device or its symlink with a regular file.
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if ((exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) || names_a_descriptor(path)) {
    if (!exists) throw_input(path, kClosedDescriptor);
    const int out = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (out < 0) throw_input(path, "cannot open: " + errno_text(errno));
    try {
      write_all(out, content, path);
    } catch (...) {
      ::close(out);
      throw;
    }
    ::close(out);
    return;
  }
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // Temporaries carry their owner, so a run removes what a killed one left of this file; a
  // long name is cut in theirs, which must fit NAME_MAX with the owner and suffix.
  const std::string prefix = "." + target.filename().string().substr(0, kNameInTemp) + ".tmp-";
  remove_stale_temps(dir.string(), prefix, TempKinds::files);
  const std::string name_template = (dir / (prefix + temp_owner() + "XXXXXX")).string();
  if (write_anonymously(dir, name_template, path, content)) return;
  // Where the file system has no anonymous files: a named temporary, known to the signal
  // handler from its creation on (an interrupt removes it, docs/hardening.md).
  std::string tmpl = name_template;
  int fd = -1;
  int create_errno = 0;
  std::optional<TempFileGuard> guard;
  {
    SignalsHeldBack held;
    fd = ::mkstemp(tmpl.data());
    create_errno = errno;
    if (fd >= 0) guard.emplace(tmpl);
  }
  if (fd < 0) throw_input(path, "cannot create: " + errno_text(create_errno));
  try {
    write_all(fd, content, path);
    if (::fsync(fd) != 0) throw_input(path, "cannot write: " + errno_text(errno));
    ::fchmod(fd, 0644);  // mkstemp creates 0600; reports are ordinary files
  } catch (...) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw;
  }
  ::close(fd);
  rename_into_place(tmpl, path);
}

void append_to_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw_input(path, "cannot open for appending: " + errno_text(errno));
  try {
    write_all(fd, content, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace lean
