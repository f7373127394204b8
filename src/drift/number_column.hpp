#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/memory.hpp"
#include "csv/cells.hpp"
#include "drift/spill_file.hpp"

namespace lean {

// Working space for NumberColumn::take_sorted, kept from column to column: fresh memory
// costs page faults.
struct SortSpace {
  HugePageVector<std::uint32_t> keys32, scratch32;  // fixed-point columns spanning less than 2^32
  HugePageVector<std::uint64_t> keys64, scratch64;  // wider ones, and doubles
  // Per key, for columns of a narrow range: one byte, so that the counts of most columns stay
  // in the L2 cache; a count that wraps past 255 leaves its key in `carries`.
  HugePageVector<std::uint8_t> counts;
  std::vector<std::uint32_t> carries;
  std::vector<std::uint8_t> spilled;  // a chunk read back from the spill file
  // Room for columns of up to `values` values, so they never regrow (copies, fresh pages);
  // the rarer 64-bit keys grow when needed. The counting sort takes up to 2 counts a value,
  // and lists the keys counted in keys32 a word of counts at a time (8 slots more).
  void reserve(std::size_t values) {
    keys32.reserve(values + 8);
    scratch32.reserve(values);
    counts.reserve(std::max(2 * values + 8, kHugePage));  // a smaller block would take 4 KiB pages
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

  explicit NumberColumn(Arena* arena) : arena_(arena) { update_to_scale(); }
  void add(PlainDecimal decimal) {  // inline, by value (registers): called for nearly every cell
    const ToScale to_scale = to_scale_[decimal.decimals];
    if (decimal.mantissa < to_scale.limit) return push(scaled(decimal, to_scale));
    add_rescaled(decimal);
  }
  void add(double value);
  std::uint64_t size() const { return stored_ + tail_count_; }
  Arena* arena() const { return arena_; }
  // Every value, sorted ascending, into `values` (whose capacity should exceed the values
  // by kSortedSlack: the counting sort writes a few slots past the end). The column is empty
  // afterwards.
  static constexpr std::size_t kSortedSlack = 4;
  void take_sorted(HugePageVector<double>& values, SortSpace& space);
  void clear();

 private:
  static constexpr std::uint64_t kPowersOfTen[kMaxScale + 1] = {1,
                                                                10,
                                                                100,
                                                                1000,
                                                                10000,
                                                                100000,
                                                                1000000,
                                                                10000000,
                                                                100000000,
                                                                1000000000,
                                                                10000000000,
                                                                100000000000,
                                                                1000000000000,
                                                                10000000000000,
                                                                100000000000000,
                                                                1000000000000000};
  // Scaled values stay within +-2^53, so value / 10^scale is one correctly rounded division.
  static constexpr std::uint64_t kMaxExact = std::uint64_t{1} << 53;
  static constexpr std::uint64_t kMaxMantissa[kMaxScale + 1] = {
      kMaxExact / kPowersOfTen[0],  kMaxExact / kPowersOfTen[1],  kMaxExact / kPowersOfTen[2],
      kMaxExact / kPowersOfTen[3],  kMaxExact / kPowersOfTen[4],  kMaxExact / kPowersOfTen[5],
      kMaxExact / kPowersOfTen[6],  kMaxExact / kPowersOfTen[7],  kMaxExact / kPowersOfTen[8],
      kMaxExact / kPowersOfTen[9],  kMaxExact / kPowersOfTen[10], kMaxExact / kPowersOfTen[11],
      kMaxExact / kPowersOfTen[12], kMaxExact / kPowersOfTen[13], kMaxExact / kPowersOfTen[14],
      kMaxExact / kPowersOfTen[15]};

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
  // Per count of decimals (a PlainDecimal has at most 22): the factor that brings a mantissa
  // to the tail's scale, and one more than the largest mantissa it brings there exactly; 0
  // when the tail takes no such value as it is (more decimals than its scale, or a tail of
  // doubles). One lookup in add instead of three tests; kept true by update_to_scale.
  struct ToScale {
    std::uint64_t factor = 0, limit = 0;
  };
  void update_to_scale();
  static std::uint64_t scaled(PlainDecimal decimal, ToScale to_scale) {  // for a mantissa below to_scale.limit
    // Negated without a branch: a column around zero has either sign at random.
    const std::uint64_t negative = decimal.negative;
    return ((decimal.mantissa * to_scale.factor) ^ (0 - negative)) + negative;
  }
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
  std::array<ToScale, 23> to_scale_;
  std::uint64_t stored_ = 0;
};

}  // namespace lean
