#pragma once

#include <cstddef>
#include <cstdint>

namespace lean {

// A temporary file (unlinked at once, so it disappears with the process) that holds the
// parsed numbers a file's columns do not keep in memory.
class SpillFile {
 public:
  SpillFile() = default;
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  std::uint64_t write(const void* data, std::size_t size);              // returns the offset
  void read(std::uint64_t offset, void* data, std::size_t size) const;  // thread-safe

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace lean
