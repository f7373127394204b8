#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/memory.hpp"
#include "csv/cells.hpp"
#include "csv/reader.hpp"
#include "drift/quality.hpp"

namespace lean {

// A temporary file (unlinked at once, so it disappears with the process) that holds the
// parsed numbers a file's columns do not keep in memory.
class SpillFile {
 public:
  SpillFile() = default;
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  std::uint64_t write(const void* data, std::size_t size);  // returns the offset
  void read(std::uint64_t offset, void* data, std::size_t size) const;  // thread-safe

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Working space for NumberColumn::take_sorted, kept from column to column: fresh memory
// costs page faults.
struct SortSpace {
  HugePageVector<std::uint32_t> keys32, scratch32;  // fixed-point columns spanning less than 2^32
  HugePageVector<std::uint64_t> keys64, scratch64;  // wider ones, and doubles
  std::vector<std::uint8_t> spilled;                // a chunk read back from the spill file
  // Room for columns of up to `values` values, so they never regrow (copies, fresh pages);
  // the rarer 64-bit keys grow when needed.
  void reserve(std::size_t values) {
    keys32.reserve(values);
    scratch32.reserve(values);
  }
};

// The parsed numbers of one column of one file, compact until the file has been read.
//
// While values are plain decimals they are kept exactly, as integers on a decimal scale
// (12.375 at scale 3 is 12375): sorted as integers they need few radix passes, and the
// doubles decoded afterwards are bit for bit the ones parsing gives. Values arrive in a
// tail of kChunk slots; a full tail becomes a chunk. A fixed-point chunk keeps its smallest
// value and each value's offset from it in as many bits as the chunk's range needs (two to
// three bytes a value for real data instead of eight): packing costs a few instructions a
// value, where sorting the chunk to keep only the gaps between neighbours cost more than
// the parsing. A value the scale cannot hold exactly (an exponent, too many digits) turns
// the tail to doubles; one chunk of doubles turns the whole column to doubles when sorted.
// Chunks stay in memory while the file's chunks fit its budget, the rest go to the spill
// file, so memory stays bounded however many rows the file has.
class NumberColumn {
 public:
  static constexpr std::size_t kChunk = 32768;
  static constexpr int kMaxScale = 15;  // 10^15: the largest power of ten below 2^53 (see kMaxMantissa)
  struct Arena {
    SpillFile spill;
    BumpArena memory;              // tails and chunks, on huge pages
    std::size_t budget_bytes = 0;  // chunk bytes allowed in memory for the whole file
    std::size_t bytes_in_memory = 0;
    std::vector<std::uint8_t> packed;  // a chunk on its way to the spill file
    std::uint64_t category_bytes = 0;  // distinct text values kept (limits::kCategoryBytes)
  };

  explicit NumberColumn(Arena* arena) : arena_(arena) {}
  void add(PlainDecimal decimal) {  // inline, by value (registers): called for nearly every cell
    if (tail_fixed_ && decimal.decimals <= scale_) {
      const int shift = scale_ - decimal.decimals;
      if (decimal.mantissa <= kMaxMantissa[shift]) {
        // Negated without a branch: a column around zero has either sign at random.
        const std::uint64_t negative = decimal.negative;
        return push(((decimal.mantissa * kPowersOfTen[shift]) ^ (0 - negative)) + negative);
      }
    }
    add_rescaled(decimal);
  }
  void add(double value);
  std::uint64_t size() const { return stored_ + tail_count_; }
  Arena* arena() const { return arena_; }
  // Every value, sorted ascending, into `values`. The column is empty afterwards.
  void take_sorted(HugePageVector<double>& values, SortSpace& space);
  void clear();

 private:
  static constexpr std::uint64_t kPowersOfTen[kMaxScale + 1] = {
      1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
      1000000000000, 10000000000000, 100000000000000, 1000000000000000};
  // Scaled values stay within +-2^53, so value / 10^scale is one correctly rounded division.
  static constexpr std::uint64_t kMaxExact = std::uint64_t{1} << 53;
  static constexpr std::uint64_t kMaxMantissa[kMaxScale + 1] = {
      kMaxExact / kPowersOfTen[0],  kMaxExact / kPowersOfTen[1],  kMaxExact / kPowersOfTen[2],  kMaxExact / kPowersOfTen[3],
      kMaxExact / kPowersOfTen[4],  kMaxExact / kPowersOfTen[5],  kMaxExact / kPowersOfTen[6],  kMaxExact / kPowersOfTen[7],
      kMaxExact / kPowersOfTen[8],  kMaxExact / kPowersOfTen[9],  kMaxExact / kPowersOfTen[10], kMaxExact / kPowersOfTen[11],
      kMaxExact / kPowersOfTen[12], kMaxExact / kPowersOfTen[13], kMaxExact / kPowersOfTen[14], kMaxExact / kPowersOfTen[15]};

  struct Chunk {
    const std::uint8_t* bytes = nullptr;  // in the arena; null when spilled
    std::size_t byte_count = 0;
    std::uint64_t spill_offset = 0;
    std::size_t count = 0;
    bool fixed = true;  // offsets from `lowest` at `scale`, `bits` each; else the doubles' bits
    int scale = 0;
    int bits = 0;
    std::int64_t lowest = 0, highest = 0;
  };
  const std::uint8_t* chunk_bytes(const Chunk& chunk, SortSpace& space) const;  // read back when spilled
  void add_rescaled(PlainDecimal decimal);
  void rescale_tail(int scale);
  void tail_to_doubles();
  void flush();
  void push(std::uint64_t slot) {
    if (tail_count_ == tail_capacity_) flush();  // the next tail keeps the scale
    tail_[tail_count_++] = slot;
  }
  std::span<std::uint64_t> tail() const { return {tail_, tail_count_}; }

  Arena* arena_;
  std::vector<Chunk> chunks_;
  std::uint64_t* tail_ = nullptr;  // kChunk slots in the arena: scaled integers (two's complement) or doubles' bits
  std::size_t tail_count_ = 0;
  std::size_t tail_capacity_ = 0;  // kChunk once the tail exists: one compare finds it full or missing
  bool tail_fixed_ = true;
  int scale_ = 0;  // of the tail; a new tail starts at the last one's
  std::uint64_t stored_ = 0;
};

// Cells counted by their text: open addressing over a power-of-two table. A category
// column looks up every cell among a few distinct values, so each slot keeps the cell's
// first 8 bytes and its size: a cell of up to 8 bytes is found with two integer compares,
// without hashing or comparing its text byte by byte.
class CategoryCounts {
 public:
  // Counts a cell followed by at least 8 readable bytes (as every CsvReader field is),
  // `times` times (a Parquet dictionary entry is counted once per page).
  void add_padded(std::string_view cell, std::uint64_t times = 1);
  std::uint64_t count_of(std::string_view cell) const;  // 0 when absent
  std::size_t size() const { return texts_.size(); }
  // Each distinct cell and its count, in the order first seen.
  std::vector<std::pair<std::string, std::uint64_t>> entries() const;

 private:
  struct Slot {
    std::uint64_t head = 0;  // the first (up to) 8 bytes, zero-padded
    std::uint32_t size = 0;
    std::uint32_t text = 0;  // 1 + an index into texts_; 0 when free
    std::uint64_t count = 0;
  };
  std::size_t find(std::string_view cell, std::uint64_t head) const;  // its slot, or the free one to take
  void grow();
  std::vector<Slot> slots_;
  std::vector<std::string> texts_;
};

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
  // Cells that are not numbers in a column that is numeric otherwise (kept numeric while they
  // are under 1 % of its values, to be reported rather than turn it categorical).
  std::uint64_t stray_cells = 0;
  std::vector<std::uint64_t> stray_lines;  // the first few
  NumberColumn numbers;
  CategoryCounts categories;
  // Evidence for the data-quality checks (drift/quality.hpp), kept only with track_quality.
  bool track_quality = false;
  std::vector<std::uint64_t> missing_lines;  // the first kMaxExamples missing cells
  std::vector<Example> text_examples;        // the first cells that turned a numeric column to text
  std::vector<std::uint64_t> first_lines;    // the line each category is first on, in the order first seen
  Extremes extremes;                         // the lowest and highest numbers
};

// The selected columns of one input: a CSV file, or a Parquet file or dataset.
struct ParquetInput;  // drift/parquet_columns.hpp

struct LoadedFile {
  std::string path;
  std::shared_ptr<ParquetInput> parquet;  // set when the input is Parquet, not CSV
  char delimiter = ',';
  std::vector<std::string> header;
  std::uint64_t rows = 0;
  std::unique_ptr<NumberColumn::Arena> arena = std::make_unique<NumberColumn::Arena>();
  std::vector<std::unique_ptr<FileColumn>> columns;
  RowHashes* row_hashes = nullptr;  // with the quality checks: each row's hash
};

// Opens a CSV file and reads its header; an input error names the file when the header is
// missing, empty or names a column twice. Empty header names become "Unnamed: i" (pandas).
std::unique_ptr<CsvReader> open_csv(const std::string& path, char delimiter, std::vector<std::string>& header);

// Reads every remaining row of `reader` into the file's columns. `memory_budget_bytes`
// bounds the encoded numbers kept in memory. A column of numbers with a few cells that are
// not (under 1 %) stays numeric, those cells counted in stray_cells, for the caller to report.
void read_rows(CsvReader& reader, LoadedFile& file, std::size_t memory_budget_bytes);

// Reads the file again for the columns listed (by index into file.columns), as text.
void reread_as_text(LoadedFile& file, const std::vector<std::size_t>& columns);

}  // namespace lean
