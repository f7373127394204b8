#include "stats/chi2.hpp"

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("chi2_contingency equals scipy's, with Yates' correction at one degree of freedom") {
  for (const auto& c : test::stats_cases()["chi2"]) {
    const auto ref = test::counts(c["reference"]), cur = test::counts(c["current"]);
    const Chi2Result result = chi2_contingency(ref, cur);
    INFO(c["name"].get<std::string>());
    CHECK(result.statistic == doctest::Approx(c["statistic"].get<double>()).epsilon(1e-12));
    CHECK(result.p_value == doctest::Approx(c["p_value"].get<double>()).epsilon(1e-9));
    CHECK(result.dof == c["dof"].get<std::uint64_t>());
  }
}

TEST_CASE("chi2_sf equals scipy.stats.chi2.sf from the body far into the tail") {
  for (const auto& point : test::stats_cases()["chi2_sf"]) {
    const double expected = point["sf"].get<double>();
    const double got = chi2_sf(point["x"].get<double>(), point["dof"].get<double>());
    INFO("x=" << point["x"].get<double>() << " dof=" << point["dof"].get<double>());
    if (expected == 0) {
      CHECK(got == 0);
    } else {
      CHECK(got == doctest::Approx(expected).epsilon(1e-9));
    }
  }
}
