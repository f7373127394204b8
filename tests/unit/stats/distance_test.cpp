#include "stats/distance.hpp"

#include <algorithm>

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("wasserstein, decile bins, PSI and Jensen-Shannon equal scipy and numpy on samples") {
  for (const auto& c : test::stats_cases()["distances"]) {
    std::vector<double> a = test::doubles(c["a"]), b = test::doubles(c["b"]);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    INFO(c["name"].get<std::string>());
    CHECK(wasserstein_normed(a, b) == doctest::Approx(c["wasserstein_normed"].get<double>()).epsilon(1e-12));
    const std::vector<double> edges = decile_edges(a);
    CHECK(edges == test::doubles(c["edges"]));  // numpy's quantile bit for bit
    const auto ref_bins = bin_counts(a, edges), cur_bins = bin_counts(b, edges);
    CHECK(ref_bins == test::counts(c["ref_bins"]));
    CHECK(cur_bins == test::counts(c["cur_bins"]));
    CHECK(population_stability_index(ref_bins, cur_bins) == doctest::Approx(c["psi"].get<double>()).epsilon(1e-12));
    CHECK(jensenshannon(ref_bins, cur_bins) == doctest::Approx(c["jensenshannon"].get<double>()).epsilon(1e-12));
    const double qs[] = {0.0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 1.0};
    for (std::size_t i = 0; i < 8; ++i) CHECK(quantile_linear(a, qs[i]) == c["quantiles"][i].get<double>());
  }
}

TEST_CASE("PSI and Jensen-Shannon on counts with empty bins") {
  for (const auto& c : test::stats_cases()["count_distances"]) {
    const auto p = test::counts(c["p"]), q = test::counts(c["q"]);
    CHECK(jensenshannon(p, q) == doctest::Approx(c["jensenshannon"].get<double>()).epsilon(1e-12));
    CHECK(population_stability_index(p, q) == doctest::Approx(c["psi"].get<double>()).epsilon(1e-12));
  }
}

TEST_CASE("the wasserstein distance is normed by at least 0.001 when the reference is constant") {
  const std::vector<double> a{2, 2, 2}, b{2, 2, 3};
  // Area between the CDFs is 1/3; std of the reference is 0, so it is divided by 0.001.
  CHECK(wasserstein_normed(a, b) == doctest::Approx(1.0 / 3.0 / 0.001));
}
