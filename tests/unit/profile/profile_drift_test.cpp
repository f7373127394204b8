#include "profile/profile_drift.hpp"

#include <algorithm>
#include <random>

#include "stats/distance.hpp"
#include "stats/ks.hpp"
#include "test_util.hpp"

using namespace lean;

namespace {

// A numeric column profile of `values`: exact counts, or a sketch of the given K.
ColumnProfile column_of(const std::vector<double>& values, bool sketched, std::uint16_t k = KllSketch::kDefaultK) {
  ColumnProfile column;
  column.name = "x";
  column.count = values.size();
  KllSketch sketch(k);
  for (double v : values) {
    column.moments.add(v);
    if (sketched) sketch.update(v);
    else ++column.number_counts[v];
  }
  if (sketched) column.sketch = sketch;
  return column;
}

std::vector<double> sorted(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values;
}

DriftSettings ks_settings() {
  DriftSettings settings;
  settings.numeric_method = Method::ks;
  return settings;
}

}  // namespace

TEST_CASE("where both sides are exact the result is the raw path's") {
  std::mt19937_64 random(1);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> ref, cur;
  for (int i = 0; i < 3000; ++i) ref.push_back(std::round(normal(random) * 100) / 100);
  for (int i = 0; i < 800; ++i) cur.push_back(std::round((normal(random) + 0.1) * 100) / 100);
  for (Method method : {Method::ks, Method::wasserstein, Method::psi, Method::jensenshannon}) {
    DriftSettings settings;
    settings.numeric_method = method;
    ColumnData raw;
    raw.name = "x";
    raw.reference.assign(ref.begin(), ref.end());
    raw.current.assign(cur.begin(), cur.end());
    const ColumnResult expected = analyze_column(raw, settings);
    const ColumnResult got = compare_columns(column_of(ref, false), column_of(cur, false), settings);
    CAPTURE(method_name(method));
    CHECK_FALSE(got.approximate);
    CHECK(got.statistic == expected.statistic);
    CHECK(got.p_value == expected.p_value);
  }
}

TEST_CASE("the exact KS D lies in the interval; over 200 trials the interval misses at most ~1 %") {
  std::mt19937_64 random(2026);
  std::normal_distribution<double> normal(0, 1);
  int misses_d = 0, misses_w = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const double shift = (trial % 5) * 0.02;
    std::vector<double> ref, cur;
    for (int i = 0; i < 20000; ++i) ref.push_back(normal(random));
    for (int i = 0; i < 3000; ++i) cur.push_back(normal(random) + shift);
    const auto r = sorted(ref), c = sorted(cur);
    const double exact_d = ks_2samp(r, c).statistic;
    const double exact_w = wasserstein_normed(r, c);
    const ColumnProfile ref_profile = column_of(ref, true), cur_profile = column_of(cur, false);
    const WeightedCdf ref_cdf = cdf_of(ref_profile), cur_cdf = cdf_of(cur_profile);
    REQUIRE(ref_cdf.rank_error > 0);
    const Interval d = ks_distance(ref_cdf, cur_cdf);
    if (exact_d < d.low || exact_d > d.high) ++misses_d;
    const Interval w = wasserstein_distance(ref_cdf, cur_cdf, std::sqrt(ref_profile.moments.variance()));
    if (exact_w < w.low * (1 - 1e-9) || exact_w > w.high * (1 + 1e-9)) ++misses_w;
  }
  MESSAGE("200 trials: the KS interval missed ", misses_d, " times, the Wasserstein interval ", misses_w, " times");
  // The bound is the sketch's 99 % one: 2 misses expected at most, 5 allowed for sampling.
  CHECK(misses_d <= 5);
  CHECK(misses_w <= 5);
}

TEST_CASE("merging 10 shard profiles gives intervals that contain the whole data's exact D") {
  std::mt19937_64 random(10);
  std::exponential_distribution<double> exponential(1.0);
  std::vector<double> all, cur;
  Profile merged;
  for (int shard = 0; shard < 10; ++shard) {
    std::vector<double> part;
    for (int i = 0; i < 5000 + 300 * shard; ++i) part.push_back(exponential(random) * (1 + 0.01 * shard));
    all.insert(all.end(), part.begin(), part.end());
    Profile profile;
    profile.rows = part.size();
    profile.files = 1;
    profile.max_exact = 1000;
    profile.columns.push_back(column_of(part, true));
    if (shard == 0) merged = profile;
    else merge_profile(merged, "a", profile, "b", false);
  }
  for (int i = 0; i < 4000; ++i) cur.push_back(exponential(random) * 1.05);
  const ColumnProfile& column = merged.columns[0];
  REQUIRE(column.sketch);
  CHECK(column.count == all.size());
  const double exact_d = ks_2samp(sorted(all), sorted(cur)).statistic;
  const Interval d = ks_distance(cdf_of(column), cdf_of(column_of(cur, false)));
  CHECK(d.low <= exact_d);
  CHECK(exact_d <= d.high);
  const ColumnResult result = compare_columns(column, column_of(cur, false), ks_settings());
  CHECK(result.approximate);
  REQUIRE(result.p_value_interval);
  CHECK(result.p_value_interval->first <= result.p_value_interval->second);
}

TEST_CASE("whylogs#684: the same distribution, many rows, exact p near 0.45, is never drift") {
  std::normal_distribution<double> normal(50, 10);
  for (std::uint64_t seed = 1;; ++seed) {
    std::mt19937_64 random(seed);
    std::vector<double> ref, cur;
    for (int i = 0; i < 200000; ++i) ref.push_back(normal(random));
    for (int i = 0; i < 50000; ++i) cur.push_back(normal(random));
    const double exact_p = ks_2samp(sorted(ref), sorted(cur)).p_value;
    if (exact_p < 0.35 || exact_p > 0.55) continue;  // a sample shaped like the issue's
    std::vector<ColumnResult> columns{compare_columns(column_of(ref, true), column_of(cur, false), ks_settings())};
    const DatasetResult dataset = decide_profile_drift(columns, ks_settings());
    CAPTURE(exact_p);
    CHECK(columns[0].approximate);
    CHECK_FALSE(columns[0].drift);
    CHECK_FALSE(dataset.drift);
    CHECK(columns[0].p_value_interval->first <= exact_p);
    CHECK(exact_p <= columns[0].p_value_interval->second);
    break;
  }
}

TEST_CASE("a verdict holds only when the whole interval agrees") {
  std::vector<ColumnResult> columns(3);
  for (auto& c : columns) {
    c.method = Method::wasserstein;
    c.threshold = 0.1;
    c.approximate = true;
  }
  columns[0].statistic = 0.2, columns[0].statistic_interval = std::make_pair(0.15, 0.25);   // drift
  columns[1].statistic = 0.02, columns[1].statistic_interval = std::make_pair(0.0, 0.05);   // no drift
  columns[2].statistic = 0.09, columns[2].statistic_interval = std::make_pair(0.05, 0.13);  // undecided
  DriftSettings settings;
  settings.drift_share = 0.5;
  const DatasetResult dataset = decide_profile_drift(columns, settings);
  CHECK(columns[0].drift);
  CHECK_FALSE(columns[1].drift);
  CHECK_FALSE(columns[1].undecided);
  CHECK(columns[2].undecided);
  CHECK(dataset.drifted == 1);
  CHECK(dataset.undecided == 1);
  CHECK_FALSE(dataset.drift);    // 1 of 3 < 0.5
  CHECK_FALSE(dataset.decided);  // 2 of 3 would be >= 0.5
}

TEST_CASE("PSI and Jensen-Shannon intervals contain the exact values over the sketch's bins") {
  std::mt19937_64 random(4);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> ref, cur;
  for (int i = 0; i < 50000; ++i) ref.push_back(normal(random));
  for (int i = 0; i < 5000; ++i) cur.push_back(normal(random) * 1.2);
  const ColumnProfile sketched = column_of(ref, true);
  const WeightedCdf ref_cdf = cdf_of(sketched), cur_cdf = cdf_of(column_of(cur, false));
  // Exact values over the same bins (the sketch's deciles) from the raw data.
  std::vector<double> edges;
  for (int k = 1; k <= 9; ++k) edges.push_back(sketched.sketch->quantile(k / 10.0, true));
  const auto r = sorted(ref), c = sorted(cur);
  const auto ref_bins = bin_counts(r, edges), cur_bins = bin_counts(c, edges);
  const Interval psi = binned_distance(Method::psi, ref_cdf, cur_cdf);
  const double exact_psi = population_stability_index(ref_bins, cur_bins);
  CHECK(psi.low <= exact_psi);
  CHECK(exact_psi <= psi.high);
  const Interval js = binned_distance(Method::jensenshannon, ref_cdf, cur_cdf);
  const double exact_js = jensenshannon(ref_bins, cur_bins);
  CHECK(js.low <= exact_js);
  CHECK(exact_js <= js.high);
}
