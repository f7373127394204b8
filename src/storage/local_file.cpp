#include "storage/local_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace lean {

LocalFileState stat_local_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw_input(path, std::string("cannot open: ") + std::strerror(errno));
  if (S_ISDIR(info.st_mode)) throw_input(path, "is a directory; give the files in it");
  if (!S_ISREG(info.st_mode)) throw_input(path, "is not a regular file");
  return {static_cast<std::uint64_t>(info.st_size),
          static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

}  // namespace lean
