#include "stats/ks.hpp"

#include <algorithm>

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("ks_2samp gives scipy's D exactly and its p-value within 1e-9, exact and asymptotic") {
  bool saw_exact = false, saw_asymptotic = false;
  for (const auto& c : test::stats_cases()["ks"]) {
    std::vector<double> a = test::doubles(c["a"]), b = test::doubles(c["b"]);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    const KsResult result = ks_2samp(a, b);
    INFO(c["name"].get<std::string>());
    CHECK(result.statistic == c["statistic"].get<double>());
    CHECK(result.p_value == doctest::Approx(c["p_value"].get<double>()).epsilon(1e-9));
    (result.exact ? saw_exact : saw_asymptotic) = true;
  }
  CHECK(saw_exact);
  CHECK(saw_asymptotic);
}

TEST_CASE("ks_2samp of identical samples is D = 0, p = 1") {
  const std::vector<double> a{1, 2, 3};
  const KsResult result = ks_2samp(a, a);
  CHECK(result.statistic == 0);
  CHECK(result.p_value == 1);
}
