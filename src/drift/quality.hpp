#pragma once

#include <array>
#include <cstdint>
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
    if (value < low_cut_ || value > high_cut_ || count_ < kMaxExamples) insert(value, line);
  }
  // The same for a plain decimal, called for nearly every cell: compared by a product
  // (within an ulp of the value; a miss is a tie, and the earlier line is kept on ties
  // anyway), the exact value decoded only for the rare candidates.
  void add(PlainDecimal decimal, std::uint64_t line) {
    double approximate = static_cast<double>(decimal.mantissa) * kInversePowers[decimal.decimals];
    if (decimal.negative) approximate = -approximate;
    if (approximate < low_cut_ || approximate > high_cut_ || count_ < kMaxExamples) insert(decimal.value(), line);
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
  double low_cut_ = 0, high_cut_ = 0;  // the fifth lowest and highest so far
};

// What the single pass over a file records for the quality checks besides the columns:
// a 64-bit hash of each row's compared cells and of each --unique column's cells, with the
// line where examples are wanted, so duplicates are counted without holding rows (16 bytes
// a row). Fields must be followed by at least 8 readable bytes, as CsvReader's are.
struct RowHashes {
  std::vector<std::size_t> row_fields;                              // header positions hashed into the row hash
  std::vector<std::size_t> unique_fields;                           // header positions whose values must be unique
  bool row_lines_wanted = true;                                     // false for the reference: only the count matters
  HugePageVector<std::uint64_t> rows, row_lines;                    // huge pages: sorted by radix passes
  std::vector<HugePageVector<std::uint64_t>> unique, unique_lines;  // per unique field
  void add_row(std::span<const std::string_view> fields, std::uint64_t line);
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
