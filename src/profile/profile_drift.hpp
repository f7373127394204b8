#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "cli/tool.hpp"
#include "drift/analysis.hpp"
#include "profile/profile.hpp"

namespace lean {

// A column's distribution as a step CDF: ascending distinct values with their weights,
// and how far (as a share of n, at 99 % confidence) its CDF may be from the data's.
struct WeightedCdf {
  std::vector<std::pair<double, std::uint64_t>> items;
  std::uint64_t n = 0;
  double rank_error = 0;  // 0 when exact
  double min = 0, max = 0;
};
WeightedCdf cdf_of(const ColumnProfile& column);

struct Interval {
  double estimate = 0, low = 0, high = 0;
};

// KS D between two CDFs with its interval: D +- (error_a + error_b), within [0, 1].
Interval ks_distance(const WeightedCdf& a, const WeightedCdf& b);
// The asymptotic two-sample p-value scipy uses for large samples: kstwo(round(n m / (n + m))).
double ks_p_value_asymptotic(double d, std::uint64_t n_a, std::uint64_t n_b);
// Wasserstein-1 distance divided by `scale`, +- (error_a + error_b) (range of both) / scale.
Interval wasserstein_distance(const WeightedCdf& a, const WeightedCdf& b, double scale);
// PSI or Jensen-Shannon distance over the reference's decile bins; each bin's mass is
// known within +- 2 rank errors, and the interval is the sum of each bin's term's extremes.
Interval binned_distance(Method method, const WeightedCdf& reference, const WeightedCdf& current);

// One column from two profiles: the raw path's analysis where both sides are exact,
// otherwise the statistic with its interval (approximate).
ColumnResult compare_columns(const ColumnProfile& reference, const ColumnProfile& current, const DriftSettings& settings);

// decide_drift with intervals: a column drifts (or not) only when its whole interval
// agrees, else it is undecided; the dataset is undecided when its undecided columns could
// tip the --drift-share rule.
DatasetResult decide_profile_drift(std::vector<ColumnResult>& columns, const DriftSettings& settings);

// ml-drift --reference-profile / --current-profile: `settings` parsed as for raw data.
Outcome run_profile_drift(const po::variables_map& vm, const DriftSettings& settings);

}  // namespace lean
