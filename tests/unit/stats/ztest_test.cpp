#include "stats/ztest.hpp"

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("pooled two-proportion z-test: z and 2 * norm.sf(|z|) as scipy computes them") {
  for (const auto& c : test::stats_cases()["ztest"]) {
    const ZTestResult r = two_proportion_ztest(c["hits_ref"].get<std::uint64_t>(), c["n_ref"].get<std::uint64_t>(),
                                               c["hits_cur"].get<std::uint64_t>(), c["n_cur"].get<std::uint64_t>());
    CHECK(r.statistic == doctest::Approx(c["statistic"].get<double>()).epsilon(1e-12));
    CHECK(r.p_value == doctest::Approx(c["p_value"].get<double>()).epsilon(1e-9));
  }
}
