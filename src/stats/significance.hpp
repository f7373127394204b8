#pragma once

#include <cstdint>
#include <vector>

namespace lean {

// Paired tests of "the candidate is better than the baseline" on the same examples
// (ml-compare --significance). Each gives the one-sided p-value for "better" and, the other
// way round, for "worse", and the standard error of the difference, from which the interval
// and the minimum detectable difference follow (docs/metrics.md).

// Standard normal distribution function and its inverse.
double normal_cdf(double z);
double normal_quantile(double p);  // 0 < p < 1
// z with P(Z > z) = alpha, accurate for any tiny alpha (1 - alpha rounds to 1 below 1e-16).
double normal_upper_quantile(double alpha);  // 0 < alpha < 1
// P(T > t) for Student's t with `df` degrees of freedom.
double student_t_sf(double t, double df);
// The regularized incomplete beta function I_x(a, b).
double incomplete_beta(double a, double b, double x);
// P(X >= k) for X ~ Binomial(n, 1/2).
double binomial_half_upper_tail(std::uint64_t k, std::uint64_t n);

struct McNemarResult {
  std::uint64_t b = 0;  // rows only the candidate gets right
  std::uint64_t c = 0;  // rows only the baseline gets right
  double p_better = 1;  // P(X >= b), X ~ Binomial(b + c, 1/2); 1 when b + c = 0
  double p_worse = 1;   // P(X >= c)
};
McNemarResult mcnemar_exact(std::uint64_t b, std::uint64_t c);

// Midranks (1-based, ties share the mean of their ranks), as scipy.stats.rankdata.
std::vector<double> midranks(const std::vector<double>& values);

struct DeLongResult {
  double auc_candidate = 0, auc_baseline = 0;
  double variance_candidate = 0, variance_baseline = 0, covariance = 0;
  double standard_error = 0;  // of auc_candidate - auc_baseline
  double z = 0;
  double p_better = 1, p_worse = 1;
};
// DeLong, DeLong & Clarke-Pearson (1988) for two correlated ROC curves, with the structural
// components computed from midranks as Sun & Xu (2014) do, in O(n log n).
DeLongResult delong_paired(const std::vector<double>& candidate_scores, const std::vector<double>& baseline_scores,
                           const std::vector<bool>& positive);

struct PairedTResult {
  double mean_difference = 0;  // mean of loss_baseline - loss_candidate
  double standard_error = 0;
  double t = 0;
  double df = 0;
  double p_better = 1, p_worse = 1;
};
// scipy.stats.ttest_rel(loss_baseline, loss_candidate, alternative='greater') and 'less'.
PairedTResult paired_t(const std::vector<double>& loss_baseline, const std::vector<double>& loss_candidate);

}  // namespace lean
