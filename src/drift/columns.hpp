#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "csv/cells.hpp"
#include "csv/reader.hpp"

namespace lean {

// A temporary file (unlinked at once, so it disappears with the process) that holds the
// parsed numbers a file's columns do not keep in memory.
class SpillFile {
 public:
  SpillFile() = default;
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  std::uint64_t write(const std::uint64_t* slots, std::size_t count);  // returns the offset
  void read(std::uint64_t offset, std::uint64_t* slots, std::size_t count) const;  // thread-safe

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Parsed numbers in fixed-size chunks of 64-bit slots. While the file's columns together
// hold less than the memory budget, chunks stay in memory; past it, full chunks move to the
// spill file, so memory stays bounded however many rows the file has.
//
// While every value of the column is a plain decimal, the slots hold the decimals exactly
// (mantissa and scale): sorted as integers on one common scale, such a column needs half
// the radix passes of doubles, and the doubles decoded afterwards are bit for bit the ones
// parsing gives. One value of another form turns the column to doubles.
class NumberColumn {
 public:
  static constexpr std::size_t kChunk = 32768;
  struct Arena {
    SpillFile spill;
    std::size_t budget_chunks = 0;  // chunks allowed in memory for the whole file
    std::size_t chunks_in_memory = 0;
    std::uint64_t category_bytes = 0;  // distinct text values kept (limits::kCategoryBytes)
  };

  explicit NumberColumn(Arena* arena) : arena_(arena) {}
  void add(const PlainDecimal& decimal) {  // inline: called for nearly every cell
    if (!all_decimal_) return push(std::bit_cast<std::uint64_t>(decimal.value()));
    if (decimal.decimals > max_decimals_) max_decimals_ = decimal.decimals;
    push(decimal.mantissa << 6 | (decimal.negative ? 32u : 0u) | static_cast<std::uint64_t>(decimal.decimals));
  }
  void add(double value);
  std::uint64_t size() const { return stored_ + tail_count_; }
  Arena* arena() const { return arena_; }
  // Every value, sorted ascending, into `values`; `keys` and `scratch` are working space
  // kept between calls. The column is empty afterwards.
  void take_sorted(std::vector<double>& values, std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch);
  void clear();

 private:
  struct Chunk {
    std::unique_ptr<std::uint64_t[]> data;  // null when spilled
    std::uint64_t spill_offset = 0;
    std::size_t count = 0;
    bool decimal = true;  // slots are decimal codes, else double bits
  };
  void flush();
  void push(std::uint64_t slot) {
    if (tail_count_ == kChunk || !tail_) flush();
    tail_[tail_count_++] = slot;
  }

  Arena* arena_;
  std::vector<Chunk> chunks_;
  std::unique_ptr<std::uint64_t[]> tail_;
  std::size_t tail_count_ = 0;
  bool tail_decimal_ = true;
  bool all_decimal_ = true;
  int max_decimals_ = 0;
  std::uint64_t stored_ = 0;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using CategoryCounts = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

enum class ColumnKind { automatic, numeric, categorical };

// One selected column of one input file as it is read.
struct FileColumn {
  explicit FileColumn(NumberColumn::Arena* arena) : numbers(arena) {}
  std::string name;
  std::size_t field = 0;            // position in this file's header
  ColumnKind requested = ColumnKind::automatic;
  bool numeric = true;              // every non-missing cell so far is a finite number
  bool needs_text_pass = false;     // turned categorical after numbers: read again as text
  std::uint64_t missing = 0;
  std::uint64_t first_text_line = 0;  // the first cell that is not a number, for errors
  std::string first_text;
  NumberColumn numbers;
  CategoryCounts categories;
};

// The selected columns of one CSV file.
struct LoadedFile {
  std::string path;
  char delimiter = ',';
  std::vector<std::string> header;
  std::uint64_t rows = 0;
  std::unique_ptr<NumberColumn::Arena> arena = std::make_unique<NumberColumn::Arena>();
  std::vector<std::unique_ptr<FileColumn>> columns;
};

// Opens a CSV file and reads its header; an input error names the file when the header is
// missing, empty or names a column twice. Empty header names become "Unnamed: i" (pandas).
std::unique_ptr<CsvReader> open_csv(const std::string& path, char delimiter, std::vector<std::string>& header);

// Reads every remaining row of `reader` into the file's columns. `memory_budget_bytes`
// bounds the parsed numbers kept in memory.
void read_rows(CsvReader& reader, LoadedFile& file, std::size_t memory_budget_bytes);

// Reads the file again for the columns listed (by index into file.columns), as text.
void reread_as_text(LoadedFile& file, const std::vector<std::size_t>& columns);

}  // namespace lean
