#include "drift/spill_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace lean {
namespace {

std::string temporary_directory() {
  const char* dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

}  // namespace

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t SpillFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) {
    std::string path = temporary_directory() + "/ml-drift-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0)
      throw_input(temporary_directory(), std::string("cannot create a temporary file: ") + std::strerror(errno));
    ::unlink(path.c_str());
  }
  const std::uint64_t offset = size_;
  const char* bytes = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, bytes, left, static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_input(temporary_directory(), std::string("cannot write a temporary file: ") + std::strerror(errno));
    }
    bytes += n;
    left -= static_cast<std::size_t>(n);
    size_ += static_cast<std::uint64_t>(n);
  }
  return offset;
}

void SpillFile::read(std::uint64_t offset, void* data, std::size_t size) const {
  char* bytes = static_cast<char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::pread(fd_, bytes, left, static_cast<off_t>(offset));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      throw_input(temporary_directory(),
                  std::string("cannot read a temporary file: ") + std::strerror(n < 0 ? errno : EIO));
    }
    bytes += n;
    left -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace lean
