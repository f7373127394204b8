#include "stats/significance.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

// Reference values from scipy 1.10 (stats.norm.ppf, stats.t.sf, stats.binom.sf, stats.rankdata).

TEST_CASE("normal quantile and t tail") {
  CHECK(lean::normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-14));
  CHECK(lean::normal_quantile(0.001) == doctest::Approx(-lean::normal_quantile(0.999)).epsilon(1e-14));
  CHECK(std::fabs(lean::student_t_sf(2.0, 10) - 0.036694017385370196) < 1e-14);
  CHECK(std::fabs(lean::student_t_sf(-1.3, 3) - 0.8577662456360515) < 1e-14);
}

TEST_CASE("McNemar exact is the binomial tail") {
  CHECK(std::fabs(lean::binomial_half_upper_tail(3, 4) - 0.3125) < 1e-15);  // binom.sf(2, 4, 0.5)
  CHECK(std::fabs(lean::binomial_half_upper_tail(60, 100) - 0.02844396682049044) < 1e-14);
  const auto none = lean::mcnemar_exact(0, 0);
  CHECK(none.p_better == 1);
  CHECK(none.p_worse == 1);
  const auto test = lean::mcnemar_exact(60, 40);
  CHECK(std::fabs(test.p_better - 0.02844396682049044) < 1e-14);
  CHECK(test.p_worse > 0.97);
}

TEST_CASE("midranks share tied ranks") { CHECK(lean::midranks({3, 1, 3, 2}) == std::vector<double>{3.5, 1, 3.5, 2}); }

TEST_CASE("DeLong: the AUCs are Mann-Whitney's and identical models give no evidence") {
  const std::vector<bool> positive{false, false, true, true, true, false};
  const std::vector<double> scores{0.1, 0.4, 0.4, 0.8, 0.9, 0.8};
  const auto same = lean::delong_paired(scores, scores, positive);
  CHECK(same.auc_candidate == doctest::Approx(0.7777777777777778).epsilon(1e-15));  // sklearn roc_auc_score
  CHECK(same.p_better == 1);
  std::vector<double> better = scores;
  better[5] = 0.3;  // a negative ranked lower
  const auto test = lean::delong_paired(better, scores, positive);
  CHECK(test.auc_candidate > test.auc_baseline);
  CHECK(test.p_better < 0.5);
  CHECK(test.p_better + test.p_worse == doctest::Approx(1));
}

TEST_CASE("paired t is scipy's ttest_rel") {
  // ttest_rel([3, 5, 4, 6], [2, 5, 3, 4], alternative='greater')
  const auto test = lean::paired_t({3, 5, 4, 6}, {2, 5, 3, 4});
  CHECK(test.t == doctest::Approx(2.449489742783178).epsilon(1e-14));
  CHECK(std::fabs(test.p_better - 0.045860556655785936) < 1e-14);
  const auto zero = lean::paired_t({1, 1}, {1, 1});
  CHECK(zero.p_better == 1);
}
