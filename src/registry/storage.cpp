#include "registry/storage.hpp"

#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"

namespace lean {

FileDigest Storage::read_digest(const std::string& key) {
  std::string path = (std::filesystem::temp_directory_path() / "lean-digest-XXXXXX").string();
  int fd = ::mkstemp(path.data());
  if (fd < 0) throw_input(path, "cannot create a temporary file");
  ::close(fd);
  try {
    FileDigest digest = download_file(key, path);
    ::unlink(path.c_str());
    return digest;
  } catch (...) {
    ::unlink(path.c_str());
    throw;
  }
}

}  // namespace lean
