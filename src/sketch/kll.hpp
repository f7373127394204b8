#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lean {

// Bytes that are not a compact KllDoublesSketch (what is wrong, in words for the user).
class KllFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The KLL quantile sketch of Apache DataSketches (`kll_sketch<double>` in C++,
// `KllDoublesSketch` in Java, what Spark's kll_sketch_agg_double, Druid and Pinot write),
// with its compact serialisation. Written by hand because DataSketches is not packaged in
// Debian; it follows the library's algorithm (level capacities, compaction, merge) and its
// query semantics so that a sketch read from the library answers exactly as the library
// does. The one difference: the random bit of a compaction comes from a fixed-seed
// generator, so the same input in the same order gives the same sketch (the library seeds
// from the clock; its sketches are as valid as ours, not byte-identical once compacted).
class KllSketch {
 public:
  static constexpr std::uint16_t kMinK = 8;  // the library's M, the smallest level width
  static constexpr std::uint16_t kMaxK = 65535;
  // 2.446 / 710^0.9433 = 0.4999 %: the library's rank error for CDF/PMF queries (the ones
  // drift uses) at 99 % confidence; single rank queries get 2.296 / 710^0.9723 = 0.387 %.
  static constexpr std::uint16_t kDefaultK = 710;

  explicit KllSketch(std::uint16_t k = kDefaultK);

  // NaN is ignored, as the library does. Inline: a profile updates its sketches for nearly
  // every cell, and a compaction comes only every few updates.
  void update(double value) {
    if (std::isnan(value)) return;
    if (empty()) {
      min_ = max_ = value;
    } else {
      min_ = std::min(min_, value);
      max_ = std::max(max_, value);
    }
    items_[next_slot()] = value;
    if (!sorted_view_.empty()) sorted_view_.clear();
  }
  void merge(const KllSketch& other);

  std::uint16_t k() const { return k_; }
  std::uint16_t min_k() const { return min_k_; }
  std::uint64_t n() const { return n_; }
  bool empty() const { return n_ == 0; }
  bool estimation_mode() const { return num_levels() > 1; }
  std::uint32_t num_retained() const { return levels_.back() - levels_.front(); }
  // Only for a sketch that is not empty.
  double min() const { return min_; }
  double max() const { return max_; }

  // The library's get_quantile(rank, inclusive) and get_rank(item, inclusive) of a sketch
  // that is not empty; rank in [0, 1].
  double quantile(double rank, bool inclusive) const;
  double rank(double item, bool inclusive) const;
  // The library's get_normalized_rank_error(pmf): a priori, at 99 % confidence, by min_k.
  double normalized_rank_error(bool pmf) const { return normalized_rank_error(min_k_, pmf); }
  static double normalized_rank_error(std::uint16_t k, bool pmf);

  // Retained items with their weights, ascending by item (the library's sorted view,
  // weights not yet cumulative).
  std::vector<std::pair<double, std::uint64_t>> weighted_items() const;

  std::string serialize() const;
  // Throws KllFormatError; checks every length, offset, weight and order it relies on.
  static KllSketch deserialize(std::string_view bytes);

 private:
  std::uint8_t num_levels() const { return static_cast<std::uint8_t>(levels_.size() - 1); }
  std::uint32_t level_size(std::size_t level) const {
    return level + 1 < levels_.size() ? levels_[level + 1] - levels_[level] : 0;
  }
  // The capacity of `level` at the current number of levels. Cached: a full sketch compacts
  // every few updates, and computing the capacities each time cost most of an update.
  std::uint32_t capacity(std::uint8_t level);
  std::uint32_t next_slot() {  // the library's internal_update
    if (levels_[0] == 0) compress_while_updating();
    ++n_;
    level_zero_sorted_ = false;
    return --levels_[0];
  }
  void compress_while_updating();
  void add_empty_top_level();
  void merge_higher_levels(const KllSketch& other, std::uint64_t final_n);
  bool random_bit();
  const std::vector<std::pair<double, std::uint64_t>>& cumulative() const;

  std::uint16_t k_;
  std::uint16_t min_k_;
  std::uint64_t n_ = 0;
  double min_ = 0, max_ = 0;
  bool level_zero_sorted_ = false;
  std::vector<double> items_;          // the whole buffer; levels_[0] slots free at the bottom
  std::vector<std::uint32_t> levels_;  // num_levels + 1 offsets into items_
  std::uint64_t random_state_;
  mutable std::vector<std::pair<double, std::uint64_t>> sorted_view_;  // cumulative weights
  std::vector<std::uint32_t> capacities_;                              // of each level, for capacities_.size() levels
  std::vector<double> scratch_;                                        // for sorting level 0
};

}  // namespace lean
