#include "stats/kolmogorov.hpp"

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("kolmogorov_sf and smirnov_sf equal scipy's kstwo.sf and smirnov on a grid over every algorithm region") {
  std::size_t checked = 0;
  for (const auto& point : test::stats_cases()["kolmogorov"]) {
    const auto n = point["n"].get<std::uint64_t>();
    const double x = point["x"].get<double>();
    const double expected = point["sf"].get<double>();
    const double got = point.contains("one_sided") ? smirnov_sf(n, x) : kolmogorov_sf(n, x);
    INFO("n=" << n << " x=" << x << (point.contains("one_sided") ? " smirnov" : " kstwo"));
    if (expected == 0) {
      CHECK(got == 0);
    } else {
      CHECK(got == doctest::Approx(expected).epsilon(1e-9));
    }
    ++checked;
  }
  CHECK(checked > 250);
}

TEST_CASE("the survival function is 1 below the support and 0 at D = 1") {
  CHECK(kolmogorov_sf(10, 0.04) == 1.0);
  CHECK(kolmogorov_sf(10, 1.0) == 0.0);
  CHECK(smirnov_sf(5, 0.0) == 1.0);
  CHECK(smirnov_sf(5, 1.0) == 0.0);
}

TEST_CASE("exact two-sample probabilities: h = n gives the chance that one sample lies wholly above the other") {
  // Pr(D_{n,n} >= 1) = 2 / C(2n, n); for n = 3 that is 2/20.
  CHECK(ks_prob_outside_square(3, 3) == doctest::Approx(0.1).epsilon(1e-15));
  // m = 2, n = 1: D = 1 happens in 2 of the 3 orderings.
  CHECK(ks_outer_prob_inside(2, 1, 1, 2) == doctest::Approx(2.0 / 3.0).epsilon(1e-15));
}
