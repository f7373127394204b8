#pragma once

#include <cstdint>
#include <string>

namespace lean {

// A local file to upload as stat saw it: a publish compares it before and after reading
// the file, so a file that changed meanwhile is never stored under the hash of another state.
struct LocalFileState {
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;
  bool operator==(const LocalFileState&) const = default;
};

// Exit 3 unless `path` is a regular file (following a symbolic link the user gave).
LocalFileState stat_local_file(const std::string& path);

}  // namespace lean
