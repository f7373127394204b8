#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lean {

// Cells counted by their text: open addressing over a power-of-two table. A category
// column looks up every cell among a few distinct values, so each slot keeps the cell's
// first and last 8 bytes and its size: a cell of up to 16 bytes is found with three integer
// compares, without hashing or comparing its text byte by byte.
class CategoryCounts {
 public:
  // Counts a cell followed by at least 8 readable bytes (as every CsvReader field is),
  // `times` times (a Parquet dictionary entry is counted once per page). A new cell keeps
  // `tag`, a value of the caller's (the cell's row hash).
  void add_padded(std::string_view cell, std::uint64_t times = 1, std::uint64_t tag = 0);
  // Counts a padded cell once if it was counted before, returning the tag it keeps; else
  // counts nothing (null). Nearly every cell of a category column repeats one seen before:
  // the caller's checks for a new cell (missing spellings, limits, first lines) and its
  // hash run only for the others.
  const std::uint64_t* add_if_known(std::string_view cell);
  std::uint64_t count_of(std::string_view cell) const;  // 0 when absent
  std::size_t size() const { return texts_.size(); }
  // Each distinct cell and its count, in the order first seen.
  std::vector<std::pair<std::string, std::uint64_t>> entries() const;

 private:
  struct Slot {
    std::uint64_t head = 0;  // the first (up to) 8 bytes, zero-padded
    std::uint64_t tail = 0;  // of a longer cell, its last 8 bytes
    std::uint32_t size = 0;
    std::uint32_t text = 0;  // 1 + an index into texts_; 0 when free
    std::uint64_t count = 0;
    std::uint64_t tag = 0;
  };
  // Its slot, or the free one to take.
  std::size_t find(std::string_view cell, std::uint64_t head, std::uint64_t tail) const;
  void grow();
  std::vector<Slot> slots_;
  std::vector<std::string> texts_;
};

}  // namespace lean
