#include "storage/storage.hpp"

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

bool Storage::remove_unless_published(const std::string& manifest_key, const std::vector<std::string>& keys) {
  if (get(manifest_key)) return false;
  for (const auto& key : keys) remove(key);
  return true;
}

}  // namespace lean
