#include "drift/quality.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "core/format.hpp"
#include "csv/cells.hpp"
#include "metrics/tolerance.hpp"
#include "stats/sort.hpp"

namespace lean {
namespace {

// Shares are ratios of counts: a share exactly at its threshold (5 of 100 against 0.05)
// passes, whatever the last bit of the division.
constexpr double kTolerance = 1e-12;
constexpr std::size_t kNewValuesListed = 20;

bool exceeds(double value, double limit) { return value > limit + kTolerance; }

// "23.1%", "0.4%", "5%", "0.012%": one decimal, more only for shares below 0.1%.
std::string percent(double share) {
  char buffer[32];
  const double value = share * 100;
  if (value != 0 && std::fabs(value) < 0.1) std::snprintf(buffer, sizeof buffer, "%.2g", value);
  else std::snprintf(buffer, sizeof buffer, "%.1f", value);
  std::string text = buffer;
  if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
  if (text == "-0") text = "0";
  return text + "%";
}

std::string signed_percent(double share) { return (share >= 0 ? "+" : "") + percent(share); }

// A computed ratio beside its bound: as many digits as keep the two apart (at most 10, else
// exact), so "ratio 1 outside 0.8:1" never shows for 1.0000001.
std::string ratio_text(double ratio, double low, double high) {
  const double bound = std::fabs(ratio - low) < std::fabs(ratio - high) ? low : high;
  return distinct_texts(ratio, bound).first;
}

double share_of(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole);
}

std::uint64_t value_count(const ObservedColumn& column) { return column.rows - column.missing; }

QualityFinding finding(const char* check, const std::string& column) {
  QualityFinding out;
  out.check = check;
  out.column = column;
  return out;
}

std::size_t distinct_values(const ObservedColumn& column) {
  if (!column.numeric) return column.counts.size();
  const auto& v = column.sorted_values;
  if (v.empty()) return 0;
  return v.front() == v.back() ? 1 : 2;  // 2: "more than one", all the checks need
}

QualityFinding type_finding(const ExpectedColumn& expected, const ObservedColumn& current) {
  QualityFinding out = finding("type", current.name);
  const bool changed = !expected.untyped && expected.numeric && !current.numeric;
  out.passed = !changed;
  out.observed = current.numeric ? 1 : 0;
  if (expected.untyped) {  // an all-missing reference column says nothing about the type
    out.message = current.name + " is " + (current.numeric ? "numeric" : "categorical") +
                  "; the reference has no value, so any type is expected";
    return out;
  }
  out.expected = expected.numeric ? 1 : 0;
  const char* want = expected.numeric ? "numeric" : "categorical";
  if (changed) {
    out.examples = current.text_examples;
    std::string first = out.examples.empty() ? ""
                                             : ": \"" + out.examples.front().value + "\" on line " +
                                                   std::to_string(out.examples.front().line);
    out.message = current.name + " has text, the reference is numeric" + first;
  } else {
    out.message = current.name + " is " + (current.numeric ? "numeric" : "categorical") + ", expected " + want;
  }
  return out;
}

QualityFinding missing_finding(const ExpectedColumn& expected, const ObservedColumn& current,
                               const QualitySettings& settings) {
  QualityFinding out = finding("missing", current.name);
  const double share = share_of(current.missing, current.rows);
  const double increase = share - expected.missing_share;
  out.observed = share;
  out.expected = expected.missing_share;
  const auto limit = settings.max_missing.find(current.name);
  const bool has_limit = limit != settings.max_missing.end();
  const bool over_increase = exceeds(increase, settings.max_missing_increase);
  const bool over_limit = has_limit && exceeds(share, limit->second);
  out.passed = !over_increase && !over_limit;
  // The threshold shown is the one that failed; when both pass, the column's own limit.
  const bool by_limit = has_limit && (over_limit || !over_increase);
  out.threshold = by_limit ? limit->second : settings.max_missing_increase;
  out.message = current.name + " " + percent(share) + " missing, reference " + percent(expected.missing_share);
  if (by_limit) {
    out.message += " (" + percent(share) + (over_limit ? " > " : " <= ") + percent(limit->second) + " allowed)";
  } else {
    out.message += " (" + signed_percent(increase) + (over_increase ? " > " : " <= ") +
                   signed_percent(settings.max_missing_increase) + ")";
  }
  for (std::uint64_t line : current.missing_lines) out.examples.push_back({"", line});
  if (out.passed) out.examples.clear();
  return out;
}

QualityFinding range_finding(const ExpectedColumn& expected, const ObservedColumn& current,
                             const QualitySettings& settings) {
  QualityFinding out = finding("range", current.name);
  const double low = *expected.min, high = *expected.max;
  const auto& values = current.sorted_values;
  const auto below = std::lower_bound(values.begin(), values.end(), low) - values.begin();
  const auto above = values.end() - std::upper_bound(values.begin(), values.end(), high);
  const double share = share_of(static_cast<std::uint64_t>(below + above), values.size());
  out.observed = share;
  out.threshold = settings.max_out_of_range;
  out.passed = !exceeds(share, settings.max_out_of_range);
  out.message = current.name + " " + percent(share) + " of values outside [" + format_number(low) + ", " +
                format_number(high) + "] (" + percent(share) + (out.passed ? " <= " : " > ") +
                percent(settings.max_out_of_range) + ")";
  if (share > 0 && current.extremes) out.examples = current.extremes->outside(low, high);
  return out;
}

QualityFinding categories_finding(const ExpectedColumn& expected, const ObservedColumn& current,
                                  const QualitySettings& settings) {
  QualityFinding out = finding("categories", current.name);
  std::vector<std::size_t> fresh;  // indexes into current.counts
  std::uint64_t fresh_values = 0;
  for (std::size_t i = 0; i < current.counts.size(); ++i) {
    if (!std::binary_search(expected.categories.begin(), expected.categories.end(), current.counts[i].first)) {
      fresh.push_back(i);
      fresh_values += current.counts[i].second;
    }
  }
  std::sort(fresh.begin(), fresh.end(), [&](std::size_t a, std::size_t b) {
    const auto &x = current.counts[a], &y = current.counts[b];
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  const double share = share_of(fresh_values, value_count(current));
  out.observed = share;
  out.threshold = settings.max_new_categories;
  out.passed = !exceeds(share, settings.max_new_categories);
  out.message = current.name + " " + percent(share) + " of values are new categories (" + percent(share) +
                (out.passed ? " <= " : " > ") + percent(settings.max_new_categories) + ")";
  if (!fresh.empty()) {
    out.message += ", " + std::to_string(fresh.size()) + " new: \"" + current.counts[fresh.front()].first + "\"" +
                   (fresh.size() > 1 ? ", ..." : "");
  }
  for (std::size_t k = 0; k < fresh.size() && k < kNewValuesListed; ++k) {
    const auto& [text, count] = current.counts[fresh[k]];
    out.new_values.emplace_back(text, count);
    if (k < kMaxExamples) out.examples.push_back({text, current.first_lines[fresh[k]]});
  }
  return out;
}

// constant and empty: `when_true` / `when_false` describe the current column.
QualityFinding shape_finding(const char* check, bool observed, bool expected, const std::string& column,
                             const char* when_true, const char* when_false) {
  QualityFinding out = finding(check, column);
  out.observed = observed ? 1 : 0;
  out.expected = expected ? 1 : 0;
  out.passed = !observed || expected;
  out.message = column + (observed ? when_true : when_false) +
                (observed ? (expected ? ", as in the reference" : ", the reference is not") : "");
  return out;
}

}  // namespace

void Extremes::insert(double value, std::uint64_t line) {
  const std::size_t size = count_;
  auto place = [&](auto& list, auto more_extreme) {
    if (size == kMaxExamples && !more_extreme(value, list[kMaxExamples - 1].first)) return;
    std::size_t at = size < kMaxExamples ? size : kMaxExamples - 1;
    for (; at > 0 && more_extreme(value, list[at - 1].first); --at) list[at] = list[at - 1];
    list[at] = {value, line};
  };
  place(lows_, std::less<double>());
  place(highs_, std::greater<double>());
  if (count_ < kMaxExamples) ++count_;
  if (count_ == kMaxExamples) {
    low_cut_ = lows_[kMaxExamples - 1].first;
    high_cut_ = highs_[kMaxExamples - 1].first;
  }
}

std::vector<Example> Extremes::outside(double low, double high) const {
  std::vector<std::pair<std::uint64_t, double>> found;  // (line, value)
  for (std::size_t i = 0; i < count_; ++i) {
    if (lows_[i].first < low) found.emplace_back(lows_[i].second, lows_[i].first);
    if (highs_[i].first > high) found.emplace_back(highs_[i].second, highs_[i].first);
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  std::vector<Example> out;
  for (std::size_t i = 0; i < found.size() && i < kMaxExamples; ++i)
    out.push_back({format_number(found[i].second), found[i].first});
  return out;
}

namespace {

// Any cell: short ones in one multiply, longer ones word by word.
std::uint64_t hash_cell(std::string_view cell, std::uint64_t seed) {
  using namespace row_hash;
  if (cell.size() <= 8) return hash_short(short_word(cell), cell.size(), seed);
  return finalise(mix_cell(seed, cell));
}

}  // namespace

void RowHashes::reserve(std::size_t row_count) {
  rows.reserve(row_count);
  if (row_lines_wanted) row_lines.reserve(row_count);
  for (auto& hashes : unique) hashes.reserve(row_count);
  for (auto& lines : unique_lines) lines.reserve(row_count);
}

void RowHashes::add_row(std::span<const std::string_view> fields, std::uint64_t line, std::uint64_t hash,
                        std::span<const FieldSeed> rest) {
  for (const auto& [field, seed] : rest) hash += cell_hash(fields[field], seed);
  rows.push_back(row_hash::finalise(hash));
  if (row_lines_wanted) row_lines.push_back(line);
  for (std::size_t k = 0; k < unique_fields.size(); ++k) {
    const std::string_view cell = fields[unique_fields[k]];
    if (cell.size() > 8 || !row_hash::missing(cell, row_hash::short_word(cell))) {
      unique[k].push_back(row_hash::finalise(hash_cell(cell, 0)));
      unique_lines[k].push_back(line);
    }
  }
}

namespace {

// Working space for hashes on huge pages, left uninitialised: every slot is written before
// it is read, and zeroing fresh memory is what costs.
class HashBuffer {
 public:
  explicit HashBuffer(std::size_t size)
      : size_(size), data_(static_cast<std::uint64_t*>(allocate_large(size * sizeof(std::uint64_t)))) {}
  ~HashBuffer() { free_large(data_, size_ * sizeof(std::uint64_t)); }
  HashBuffer(const HashBuffer&) = delete;
  HashBuffer& operator=(const HashBuffer&) = delete;
  std::span<std::uint64_t> span() const { return {data_, size_}; }

 private:
  std::size_t size_;
  std::uint64_t* data_;
};

// Sorts `in` ascending into `out` (the same size; it may be `in`): by the top 22 bits with
// two radix passes of 11 bits (the whole hash needs six), then each run of equal top bits by
// the whole hash. Hashes are random, so such runs are the duplicates and coincidences of two
// or three. The scratch space is on huge pages: a pass writes to 2048 places at once, which
// 4 KiB pages make TLB misses.
void sort_hashes(std::span<const std::uint64_t> in, std::span<std::uint64_t> out) {
  constexpr int kDigitBits = 11, kPasses = 2, kLowestBit = 64 - kPasses * kDigitBits;
  constexpr std::size_t kDigits = std::size_t{1} << kDigitBits;
  const std::size_t n = in.size();
  if (n < radix::kSmall) {
    if (out.data() != in.data()) std::copy(in.begin(), in.end(), out.begin());
    return std::sort(out.begin(), out.end());
  }
  std::array<std::array<std::size_t, kDigits>, kPasses> starts{};
  auto digit = [](std::uint64_t hash, int pass) { return (hash >> (kLowestBit + pass * kDigitBits)) & (kDigits - 1); };
  for (const std::uint64_t hash : in) {
    for (int p = 0; p < kPasses; ++p) ++starts[p][digit(hash, p)];
  }
  for (auto& start : starts) {
    std::size_t offset = 0;
    for (std::size_t& count : start) offset += std::exchange(count, offset);
  }
  const HashBuffer scratch(n);
  for (const std::uint64_t hash : in) scratch.span()[starts[0][digit(hash, 0)]++] = hash;
  for (const std::uint64_t hash : scratch.span()) out[starts[1][digit(hash, 1)]++] = hash;
  for (std::size_t begin = 0, end; begin < n; begin = end) {
    for (end = begin + 1; end < n && (out[end] >> kLowestBit) == (out[begin] >> kLowestBit); ++end) {
    }
    if (end - begin > 1)
      std::sort(out.begin() + static_cast<std::ptrdiff_t>(begin), out.begin() + static_cast<std::ptrdiff_t>(end));
  }
}

}  // namespace

Duplicates find_duplicates(std::span<std::uint64_t> hashes, std::span<const std::uint64_t> lines) {
  Duplicates out;
  // Without lines only the count is wanted: the hashes are sorted in place. With lines they
  // stay in file order for the examples, sorted into a buffer of their own, whose front
  // then holds the hashes seen more than once (a vector of them grew into fresh pages).
  const HashBuffer copy(lines.empty() ? 0 : hashes.size());
  const std::span<std::uint64_t> sorted = lines.empty() ? hashes : copy.span();
  sort_hashes(hashes, sorted);
  std::size_t repeated = 0;  // sorted[0, repeated): ascending; written behind the reads
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i] != sorted[i - 1]) continue;
    ++out.count;
    if (!lines.empty() && (repeated == 0 || sorted[repeated - 1] != sorted[i])) sorted[repeated++] = sorted[i];
  }
  if (out.count == 0 || lines.empty()) return out;
  // The examples: the first rows, in file order, whose hash was seen before.
  std::unordered_map<std::uint64_t, std::uint64_t> first_line;
  for (std::size_t i = 0; i < hashes.size() && out.lines.size() < kMaxExamples; ++i) {
    if (!std::binary_search(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(repeated), hashes[i]))
      continue;
    const auto [at, fresh] = first_line.emplace(hashes[i], lines[i]);
    if (fresh) continue;
    out.lines.push_back(lines[i]);
    out.same_as.push_back(at->second);
  }
  return out;
}

const ExpectedColumn* ExpectedDataset::find(const std::string& name) const {
  for (const auto& column : columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

ExpectedColumn profile_column(const ObservedColumn& column, std::size_t max_categories) {
  ExpectedColumn out;
  out.name = column.name;
  out.numeric = column.numeric;
  out.missing_share = share_of(column.missing, column.rows);
  out.empty = value_count(column) == 0;
  out.untyped = out.empty;  // no value: neither numeric nor categorical, and no categories to list
  out.constant = distinct_values(column) == 1;
  if (column.numeric && !column.sorted_values.empty()) {
    out.min = column.sorted_values.front();
    out.max = column.sorted_values.back();
  }
  if (!column.numeric && !out.untyped && column.counts.size() <= max_categories) {
    out.categories_listed = true;
    for (const auto& entry : column.counts) out.categories.push_back(entry.first);
    std::sort(out.categories.begin(), out.categories.end());
  }
  return out;
}

std::vector<QualityFinding> check_column(const ExpectedColumn& expected, const ObservedColumn& current,
                                         const QualitySettings& settings) {
  std::vector<QualityFinding> out;
  out.push_back(type_finding(expected, current));
  const bool type_changed = !out.back().passed;
  const bool empty = value_count(current) == 0;
  // An all-missing column where values are expected is one finding, `empty`, not a `missing`
  // one as well.
  if (!empty || expected.empty) out.push_back(missing_finding(expected, current, settings));
  if (!type_changed && expected.numeric && current.numeric && expected.min && expected.max) {
    out.push_back(range_finding(expected, current, settings));
  }
  if (!type_changed && !expected.numeric && !current.numeric && expected.categories_listed) {
    out.push_back(categories_finding(expected, current, settings));
  }
  // After a type change the column's values are not all counted: no constant check; nor
  // against an all-missing reference, which is not "not constant" but unknown.
  if (!type_changed && !expected.empty) {
    out.push_back(shape_finding("constant", distinct_values(current) == 1, expected.constant, current.name,
                                " is constant: one distinct value", " is not constant"));
  }
  out.push_back(
      shape_finding("empty", empty, expected.empty, current.name, " is empty: every cell missing", " has values"));
  return out;
}

QualityFinding missing_column_finding(const ExpectedColumn& expected) {
  QualityFinding out = finding("columns", expected.name);
  out.observed = 0;
  out.expected = 1;
  out.passed = expected.optional;
  out.message = expected.name + " is missing from the current data" + (expected.optional ? " (optional)" : "");
  return out;
}

QualityFinding new_column_finding(const std::string& name, const QualitySettings& settings) {
  QualityFinding out = finding("columns", name);
  out.observed = 1;
  out.expected = 0;
  out.passed = !settings.fail_on_new_columns;
  out.message = name + " is new: not in the reference" +
                std::string(settings.fail_on_new_columns ? " (--fail-on-new-columns)" : "");
  return out;
}

QualityFinding rows_finding(std::uint64_t expected_rows, std::uint64_t current_rows, const QualitySettings& settings) {
  QualityFinding out = finding("rows", "");
  const auto [low, high] = *settings.rows_ratio;
  const double ratio = share_of(current_rows, expected_rows);
  out.observed = ratio;
  out.expected = static_cast<double>(expected_rows);
  out.passed = !(ratio < low - kTolerance) && !exceeds(ratio, high);
  out.message = std::to_string(current_rows) + " rows, reference " + std::to_string(expected_rows) + " (ratio " +
                ratio_text(ratio, low, high) + (out.passed ? " within " : " outside ") + format_number(low) + ":" +
                format_number(high) + ")";
  return out;
}

QualityFinding duplicates_finding(double expected_share, std::uint64_t rows, const Duplicates& duplicates,
                                  const QualitySettings& settings) {
  QualityFinding out = finding("duplicates", "");
  const double share = share_of(duplicates.count, rows);
  const double increase = share - expected_share;
  out.observed = share;
  out.expected = expected_share;
  out.threshold = settings.max_duplicate_increase;
  out.passed = !exceeds(increase, settings.max_duplicate_increase);
  out.message = percent(share) + " of rows duplicate an earlier row, reference " + percent(expected_share) + " (" +
                signed_percent(increase) + (out.passed ? " <= " : " > ") +
                signed_percent(settings.max_duplicate_increase) + ")";
  for (std::size_t i = 0; i < duplicates.lines.size(); ++i) {
    out.examples.push_back({"same as line " + std::to_string(duplicates.same_as[i]), duplicates.lines[i]});
  }
  return out;
}

QualityFinding unique_finding(const std::string& column, const Duplicates& duplicates, std::uint64_t values) {
  QualityFinding out = finding("unique", column);
  out.observed = static_cast<double>(duplicates.count);
  out.threshold = 0;
  out.passed = duplicates.count == 0;
  out.message = column + " has " + std::to_string(duplicates.count) + " duplicate " +
                (duplicates.count == 1 ? "value" : "values") + " among " + std::to_string(values);
  for (std::size_t i = 0; i < duplicates.lines.size(); ++i) {
    out.examples.push_back({"same as line " + std::to_string(duplicates.same_as[i]), duplicates.lines[i]});
  }
  return out;
}

std::vector<std::size_t> quality_order(const std::vector<QualityFinding>& findings) {
  std::vector<std::size_t> order;
  for (int passed = 0; passed < 2; ++passed) {
    for (std::size_t i = 0; i < findings.size(); ++i) {
      if (findings[i].passed == (passed == 1)) order.push_back(i);
    }
  }
  return order;
}

std::size_t failed_count(const std::vector<QualityFinding>& findings) {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(), [](const auto& f) { return !f.passed; }));
}

}  // namespace lean
