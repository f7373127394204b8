#include "stats/correction.hpp"

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("bonferroni and Benjamini-Hochberg adjusted p-values, in input order") {
  const auto& c = test::stats_cases()["correction"];
  const std::vector<double> p = test::doubles(c["p"]);
  const auto bonferroni = adjust_p_values(p, Correction::bonferroni);
  const auto fdr = adjust_p_values(p, Correction::fdr);
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(bonferroni[i] == doctest::Approx(c["bonferroni"][i].get<double>()).epsilon(1e-15));
    CHECK(fdr[i] == doctest::Approx(c["fdr"][i].get<double>()).epsilon(1e-15));
  }
  CHECK(adjust_p_values(p, Correction::none) == p);
}

TEST_CASE("correction names round-trip and unknown names are rejected") {
  CHECK(parse_correction("fdr") == Correction::fdr);
  CHECK(std::string(correction_name(Correction::bonferroni)) == "bonferroni");
  CHECK_FALSE(parse_correction("holm"));
}
