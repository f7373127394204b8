#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/memory.hpp"
#include "csv/cells.hpp"

namespace lean {

// A cell shown as evidence of a finding: its text and the line it is on.
struct Example {
  std::string value;
  std::uint64_t line = 0;
};
constexpr std::size_t kMaxExamples = 5;

// The thresholds of the data-quality checks (docs/ml-drift.md, "Data quality").
struct QualitySettings {
  bool enabled = false;
  bool fail_on_new_columns = false;
  double max_missing_increase = 0.05;
  std::map<std::string, double> max_missing;  // per column, absolute
  double max_out_of_range = 0.01;
  double max_new_categories = 0.01;
  std::optional<std::pair<double, double>> rows_ratio;  // MIN:MAX, off unless given
  double max_duplicate_increase = 0.01;
  std::vector<std::string> unique;  // columns that must have no duplicate values
};

// The smallest and largest values of a numeric column with their lines, kept while the file
// is read: the out-of-range examples once the reference's range is known.
class Extremes {
 public:
  void add(double value, std::uint64_t line) {
    if (value < low_cut_ || value > high_cut_) insert(value, line);
  }
  // The same for a plain decimal, called for nearly every cell: compared by a product
  // (within an ulp of the value; a miss is a tie, and the earlier line is kept on ties
  // anyway), the exact value decoded only for the rare candidates.
  void add(PlainDecimal decimal, std::uint64_t line) {
    const double magnitude = static_cast<double>(decimal.mantissa) * kInversePowers[decimal.decimals];
    const double approximate =  // negated by its sign bit: a column around zero has either sign at random
        std::bit_cast<double>(std::bit_cast<std::uint64_t>(magnitude) | std::uint64_t{decimal.negative} << 63);
    if (approximate < low_cut_ || approximate > high_cut_) insert(decimal.value(), line);
  }
  // Up to kMaxExamples values outside [low, high], the most extreme first.
  std::vector<Example> outside(double low, double high) const;

 private:
  static constexpr double kInversePowers[23] = {1,     1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,
                                                1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15,
                                                1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22};
  void insert(double value, std::uint64_t line);
  std::array<std::pair<double, std::uint64_t>, kMaxExamples> lows_{}, highs_{};  // sorted, most extreme first
  std::size_t count_ = 0;
  // The fifth lowest and highest so far; until there are five, every value gets in.
  double low_cut_ = std::numeric_limits<double>::infinity(), high_cut_ = -std::numeric_limits<double>::infinity();
};

// 64-bit hashes of rows and cells (multiply-xorshift per word, MurmurHash3's finaliser per
// row). Written here: none of the allowed libraries offers a fast non-cryptographic hash, and
// SHA-256 per row would cost more than the drift statistics. Inline: the loop that parses
// the cells hashes them too, while they are in registers.
namespace row_hash {

inline std::uint64_t finalise(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCD;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53;
  return x ^ (x >> 33);
}

inline constexpr std::uint64_t kMultiplier = 0x9FB21C651E98DF25;

// Mixes a cell's size and bytes into `hash`, a word at a time; the last word is loaded
// whole (the field's padding makes it readable) and masked to the cell.
inline std::uint64_t mix_cell(std::uint64_t hash, std::string_view cell) {
  hash = (hash ^ (cell.size() + 0x9E3779B97F4A7C15)) * kMultiplier;
  const char* p = cell.data();
  for (std::size_t left = cell.size(); left > 0;) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    if (left < 8) word &= (std::uint64_t{1} << (8 * left)) - 1;
    hash = (hash ^ word) * kMultiplier;
    hash ^= hash >> 29;
    const std::size_t used = left < 8 ? left : 8;
    p += used;
    left -= used;
  }
  return hash;
}

// Every spelling of a missing cell is empty or has a letter (a byte with bit 0x40), which
// plain numbers never have, and starts with one of "Nn#-<1", which the usual words do not:
// two tests keep nearly every cell away from the full comparison.
inline bool missing(std::string_view cell, std::uint64_t word) {
  if (cell.empty()) return true;
  constexpr std::uint64_t kFirst =  // bits c - 0x20 of the first characters below 0x60
      std::uint64_t{1} << ('N' - 0x20) | std::uint64_t{1} << ('#' - 0x20) | std::uint64_t{1} << ('-' - 0x20) |
      std::uint64_t{1} << ('<' - 0x20) | std::uint64_t{1} << ('1' - 0x20);
  const unsigned first = static_cast<unsigned char>(cell[0]);
  const bool may_start = (first - 0x20 < 64 && ((kFirst >> (first - 0x20)) & 1) != 0) || first == 'n';
  return (word & 0x4040404040404040) != 0 && may_start && is_missing_cell(cell);
}

// The cell's bytes as one word, zeros past its end (cells of at most 8 bytes); the mask
// takes two shifts so that sizes 0 and 8 need no branch.
inline std::uint64_t short_word(std::string_view cell) {
  std::uint64_t word;
  std::memcpy(&word, cell.data(), sizeof word);
  const std::size_t unused_half = (8 - cell.size()) * 4;
  return word & (~std::uint64_t{0} >> unused_half >> unused_half);
}

// A cell of at most 8 bytes in one 64x64->128-bit multiply folded to 64 bits (wyhash's
// "mum"); its size in the other operand tells "1" from "1\0".
__extension__ typedef unsigned __int128 Product;  // GCC's and Clang's, one mulq on x86-64
inline std::uint64_t hash_short(std::uint64_t word, std::size_t size, std::uint64_t seed) {
  const Product product = static_cast<Product>(word ^ seed) * ((size + 1) * 0xE7037ED1A0B428DB ^ 0xA0761D6478BD642F);
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

}  // namespace row_hash

// What the single pass over a file records for the quality checks besides the columns:
// a 64-bit hash of each row's compared cells and of each --unique column's cells, with the
// line where examples are wanted, so duplicates are counted without holding rows (16 bytes
// a row). Fields must be followed by at least 8 readable bytes, as CsvReader's are.
//
// A row's hash is the sum of its cells' hashes, each from a seed of its position among
// row_fields: the cells' multiplies run side by side rather than one after the other, and
// (a, b) and (b, a) still differ because their seeds do. A missing cell hashes as missing
// in any spelling, as the columns count it. The sum lets the cells be hashed in any order:
// the columns' cells where they are parsed, the others (`rest`) by add_row.
struct RowHashes {
  std::vector<std::size_t> row_fields;                              // header positions hashed into the row hash
  std::vector<std::size_t> unique_fields;                           // header positions whose values must be unique
  bool row_lines_wanted = true;                                     // false for the reference: only the count matters
  HugePageVector<std::uint64_t> rows, row_lines;                    // huge pages: sorted by radix passes
  std::vector<HugePageVector<std::uint64_t>> unique, unique_lines;  // per unique field
  static std::uint64_t seed(std::size_t position) { return row_hash::kMultiplier * (position + 1); }  // never 0
  // A cell at the position of `seed`.
  static std::uint64_t cell_hash(std::string_view cell, std::uint64_t seed) {
    using namespace row_hash;
    if (cell.size() > 8) return finalise(mix_cell(seed, cell));
    const std::uint64_t word = short_word(cell);
    return missing(cell, word) ? hash_short(0, 0, seed) : hash_short(word, cell.size(), seed);
  }
  // The same for a cell known to be a number (not missing).
  static std::uint64_t number_hash(std::string_view cell, std::uint64_t seed) {
    using namespace row_hash;
    if (cell.size() > 8) [[unlikely]]
      return finalise(mix_cell(seed, cell));
    return hash_short(short_word(cell), cell.size(), seed);
  }
  struct FieldSeed {
    std::size_t field;
    std::uint64_t seed;
  };
  // A row whose hashed cells so far sum to `hash`; the cells of `rest` are added here.
  void add_row(std::span<const std::string_view> fields, std::uint64_t line, std::uint64_t hash,
               std::span<const FieldSeed> rest);
  void reserve(std::size_t row_count);  // growing by doubling copies and zeroes twice the memory
};

// Duplicates among hashes: how many repeat an earlier one, and (given the lines, in the
// same order) the first kMaxExamples that do with the line each repeats. Without lines the
// hashes are sorted in place.
struct Duplicates {
  std::uint64_t count = 0;
  std::vector<std::uint64_t> lines, same_as;  // a repeating line and the first line it repeats
};
Duplicates find_duplicates(std::span<std::uint64_t> hashes, std::span<const std::uint64_t> lines);

// What a column is expected to look like: from the reference data or from a schema.
struct ExpectedColumn {
  std::string name;
  bool numeric = true;
  bool untyped = false;                 // no value in the reference: no evidence of a type, any type passes
  bool optional = false;                // schema: may be absent from the data
  double missing_share = 0;             // of the rows
  std::optional<double> min, max;       // numeric, when it has values
  bool categories_listed = false;       // false: too many distinct values to list (no categories check)
  std::vector<std::string> categories;  // sorted
  bool unique = false;
  bool constant = false;  // one distinct value
  bool empty = false;     // every cell missing
};

struct ExpectedDataset {
  std::uint64_t rows = 0;
  double duplicate_share = 0;
  std::vector<ExpectedColumn> columns;  // in file order
  const ExpectedColumn* find(const std::string& name) const;
};

// One column of the current data as read, the input of the column checks.
struct ObservedColumn {
  std::string name;
  bool numeric = true;
  std::uint64_t rows = 0, missing = 0;
  std::vector<std::uint64_t> missing_lines;                   // the first few
  std::vector<Example> text_examples;                         // the first cells that are not numbers
  std::span<const double> sorted_values;                      // numeric: every value, ascending
  const Extremes* extremes = nullptr;                         // numeric
  std::vector<std::pair<std::string, std::uint64_t>> counts;  // categorical: value, count
  std::vector<std::uint64_t> first_lines;                     // categorical: the line each value is first on, as counts
};

// One check of one column (or of the dataset, with an empty column).
struct QualityFinding {
  std::string check;   // columns, type, missing, range, categories, constant, empty, rows, duplicates, unique
  std::string column;  // empty for dataset checks
  bool passed = true;
  double observed = 0;
  std::optional<double> expected;   // the reference's (or schema's) value
  std::optional<double> threshold;  // the limit the observed value (or its increase) is held to
  std::string message;              // one line, as the console shows it
  std::vector<Example> examples;
  std::vector<std::pair<std::string, std::uint64_t>> new_values;  // categories: top 20 by count
};

// The profile of a column of reference data.
ExpectedColumn profile_column(const ObservedColumn& column, std::size_t max_categories);

// The checks of one column present in both: type, missing, range, categories, constant,
// empty, and unique when `unique` (its duplicates) is given.
std::vector<QualityFinding> check_column(const ExpectedColumn& expected, const ObservedColumn& current,
                                         const QualitySettings& settings);

// A finding of the `columns` check: a column expected but absent, or one not expected.
QualityFinding missing_column_finding(const ExpectedColumn& expected);
QualityFinding new_column_finding(const std::string& name, const QualitySettings& settings);
QualityFinding rows_finding(std::uint64_t expected_rows, std::uint64_t current_rows, const QualitySettings& settings);
QualityFinding duplicates_finding(double expected_share, std::uint64_t rows, const Duplicates& duplicates,
                                  const QualitySettings& settings);
QualityFinding unique_finding(const std::string& column, const Duplicates& duplicates, std::uint64_t values);

// Failed findings first, each group in the order found.
std::vector<std::size_t> quality_order(const std::vector<QualityFinding>& findings);
std::size_t failed_count(const std::vector<QualityFinding>& findings);

}  // namespace lean
