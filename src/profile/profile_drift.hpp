#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "drift/analysis.hpp"
#include "drift/check.hpp"
#include "report/outcome.hpp"
#include "storage/open_storage.hpp"
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
ColumnResult compare_columns(const ColumnProfile& reference, const ColumnProfile& current,
                             const DriftSettings& settings);

// decide_drift with intervals: a column drifts (or not) only when its whole interval
// agrees, else it is undecided; the dataset is undecided when its undecided columns could
// tip the --drift-share rule.
DatasetResult decide_profile_drift(std::vector<ColumnResult>& columns, const DriftSettings& settings);

// The profile published with the version a channel points to (--reference-registry).
struct RegistryProfile {
  std::string url, model, channel;  // model and channel checked by check_name
  RegistryOptions options;
};

// What a drift check against a reference profile reads: the reference profile (a file or
// the registry's) and the current data (a profile or a data file, profiled exactly).
struct ProfileDriftInput {
  std::string reference_profile;            // empty: `registry`
  std::optional<RegistryProfile> registry;  // --reference-registry
  std::string current_profile;              // empty: `current`
  std::string current;
  ColumnChoice columns;    // only and excluded (numbers and categories come from the reference)
  std::string delimiter;   // of `current`, as ProfileOptions::delimiter
  DriftSettings settings;  // parsed as for raw data
};

// ml-drift --reference-profile / --current-profile: reads both sides and decides.
DriftRun profile_drift(const ProfileDriftInput& input);

// How a profile check ends when sketch error leaves the verdict open (--on-undecided).
enum class OnUndecided { drift, pass, error };
const char* on_undecided_name(OnUndecided on_undecided);

// The outcome of profile_drift's run: drift_outcome's, with the reference profile and what
// an undecided verdict does.
Outcome profile_drift_outcome(const DriftRun& run, OnUndecided on_undecided);

}  // namespace lean
