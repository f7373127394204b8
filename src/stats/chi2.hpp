#pragma once

#include <cstdint>
#include <span>

namespace lean {

// Upper tail of the chi-squared distribution, scipy.stats.chi2.sf(x, dof): the regularized
// upper incomplete gamma function Q(dof/2, x/2).
double chi2_sf(double x, double dof);

struct Chi2Result {
  double statistic = 0;
  double p_value = 1;
  std::uint64_t dof = 0;
};

// scipy.stats.chi2_contingency on the 2 x K table [reference; current] with its defaults:
// Pearson's statistic against expected = row total * column total / total, Yates'
// continuity correction when dof == 1. Every column must have a non-zero total.
Chi2Result chi2_contingency(std::span<const std::uint64_t> reference, std::span<const std::uint64_t> current);

}  // namespace lean
