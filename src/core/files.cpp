#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/error.hpp"
#include "core/signals.hpp"

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

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  // A stream (`--report /dev/stdout`, a FIFO, a device) is written through: renaming over
  // it would replace the device or its symlink with a regular file.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
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
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  // The temporary file is known to the signal handler from its creation on: an interrupt
  // removes it (docs/hardening.md), so no signal can leave it behind.
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
    // mkstemp creates 0600; reports are ordinary files.
    ::fchmod(fd, 0644);
  } catch (...) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    throw_input(path, "cannot write: " + errno_text(err));
  }
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
