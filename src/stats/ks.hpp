#pragma once

#include <span>

namespace lean {

struct KsResult {
  double statistic = 0;  // D, the largest gap between the two empirical CDFs
  double p_value = 1;
  bool exact = false;  // p from the exact lattice-path count, else Smirnov's asymptotic
};

// Two-sided two-sample Kolmogorov-Smirnov test, as scipy.stats.ks_2samp(a, b) with
// method='auto': exact when max(n_a, n_b) <= 10000, else the asymptotic distribution
// kstwo(round(n_a n_b / (n_a + n_b))). Both inputs sorted ascending, non-empty.
KsResult ks_2samp(std::span<const double> sorted_a, std::span<const double> sorted_b);

}  // namespace lean
