#include "stats/significance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace lean {
namespace {

// The continued fraction of I_x(a, b) (modified Lentz), valid for x < (a + 1) / (a + b + 2).
// Written by hand because no allowed dependency has the incomplete beta function; long
// double keeps the p-values within 1e-10 of scipy's.
long double beta_fraction(long double a, long double b, long double x) {
  constexpr long double eps = std::numeric_limits<long double>::epsilon();
  constexpr long double tiny = std::numeric_limits<long double>::min() / eps;
  long double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  long double h = d;
  for (long double m = 1; m < 1000000; ++m) {
    const long double m2 = 2 * m;
    long double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const long double step = d * c;
    h *= step;
    if (std::fabs(step - 1) < eps) break;
  }
  return h;
}

long double incomplete_beta_long(long double a, long double b, long double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const long double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * beta_fraction(a, b, x) / a;
  return 1 - std::exp(log_front) * beta_fraction(b, a, 1 - x) / b;
}

}  // namespace

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) {
  // Acklam's rational approximation, then one Halley step on erfc: full double precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  // The refinement needs exp(x²/2), which overflows below p ~ 1e-308 (|x| > 37.5): there
  // the approximation's relative error (1e-9) is what there is, never a NaN.
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  const double refined = x - u / (1 + x * u / 2);
  return std::isfinite(refined) ? refined : x;
}

double normal_upper_quantile(double alpha) { return -normal_quantile(alpha); }

double incomplete_beta(double a, double b, double x) { return static_cast<double>(incomplete_beta_long(a, b, x)); }

double student_t_sf(double t, double df) {
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  const long double tail = 0.5L * incomplete_beta_long(df / 2, 0.5L, df / (df + static_cast<long double>(t) * t));
  return static_cast<double>(t >= 0 ? tail : 1 - tail);
}

double binomial_half_upper_tail(std::uint64_t k, std::uint64_t n) {
  if (k == 0) return 1;
  if (k > n) return 0;
  return static_cast<double>(
      incomplete_beta_long(static_cast<long double>(k), static_cast<long double>(n - k + 1), 0.5L));
}

McNemarResult mcnemar_exact(std::uint64_t b, std::uint64_t c) {
  McNemarResult out;
  out.b = b;
  out.c = c;
  if (b + c == 0) return out;
  out.p_better = binomial_half_upper_tail(b, b + c);
  out.p_worse = binomial_half_upper_tail(c, b + c);
  return out;
}

std::vector<double> midranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1;  // mean of the 1-based ranks i+1 .. j+1
    for (std::size_t t = i; t <= j; ++t) ranks[order[t]] = rank;
    i = j + 1;
  }
  return ranks;
}

DeLongResult delong_paired(const std::vector<double>& candidate_scores, const std::vector<double>& baseline_scores,
                           const std::vector<bool>& positive) {
  std::vector<std::size_t> positives, negatives;
  for (std::size_t i = 0; i < positive.size(); ++i) (positive[i] ? positives : negatives).push_back(i);
  const double m = static_cast<double>(positives.size()), n = static_cast<double>(negatives.size());
  // Structural components per model: V10 over the positives, V01 over the negatives.
  std::vector<double> v10[2], v01[2];
  double auc[2];
  const std::vector<double>* scores[2] = {&candidate_scores, &baseline_scores};
  for (int r = 0; r < 2; ++r) {
    std::vector<double> x, y, z;
    for (std::size_t i : positives) x.push_back((*scores[r])[i]);
    for (std::size_t i : negatives) y.push_back((*scores[r])[i]);
    z = x;
    z.insert(z.end(), y.begin(), y.end());
    const std::vector<double> tx = midranks(x), ty = midranks(y), tz = midranks(z);
    long double rank_sum = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      rank_sum += tz[i];
      v10[r].push_back((tz[i] - tx[i]) / n);
    }
    for (std::size_t j = 0; j < y.size(); ++j) v01[r].push_back(1 - (tz[x.size() + j] - ty[j]) / m);
    auc[r] = static_cast<double>((rank_sum - m * (m + 1) / 2) / (m * n));
  }
  auto covariance = [](const std::vector<double>& a, const std::vector<double>& b, double mean_a, double mean_b) {
    long double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - mean_a) * (b[i] - mean_b);
    return static_cast<double>(sum / (static_cast<long double>(a.size()) - 1));
  };
  auto mean = [](const std::vector<double>& a) {
    return static_cast<double>(std::accumulate(a.begin(), a.end(), 0.0L) / static_cast<long double>(a.size()));
  };
  const double mx[2] = {mean(v10[0]), mean(v10[1])}, my[2] = {mean(v01[0]), mean(v01[1])};
  auto s = [&](int r, int t) {
    return covariance(v10[r], v10[t], mx[r], mx[t]) / m + covariance(v01[r], v01[t], my[r], my[t]) / n;
  };
  DeLongResult out;
  out.auc_candidate = auc[0];
  out.auc_baseline = auc[1];
  out.variance_candidate = s(0, 0);
  out.variance_baseline = s(1, 1);
  out.covariance = s(0, 1);
  const double variance = std::max(0.0, out.variance_candidate + out.variance_baseline - 2 * out.covariance);
  out.standard_error = std::sqrt(variance);
  const double delta = auc[0] - auc[1];
  if (out.standard_error == 0) {
    out.z = delta == 0 ? 0 : std::copysign(std::numeric_limits<double>::infinity(), delta);
    out.p_better = delta > 0 ? 0 : 1;
    out.p_worse = delta < 0 ? 0 : 1;
    return out;
  }
  out.z = delta / out.standard_error;
  out.p_better = normal_cdf(-out.z);
  out.p_worse = normal_cdf(out.z);
  return out;
}

PairedTResult paired_t(const std::vector<double>& loss_baseline, const std::vector<double>& loss_candidate) {
  PairedTResult out;
  const std::size_t n = loss_baseline.size();
  long double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<long double>(loss_baseline[i]) - loss_candidate[i];
  const long double mean = sum / n;
  long double squares = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const long double d = static_cast<long double>(loss_baseline[i]) - loss_candidate[i] - mean;
    squares += d * d;
  }
  out.mean_difference = static_cast<double>(mean);
  out.df = static_cast<double>(n) - 1;
  out.standard_error = n > 1 ? static_cast<double>(std::sqrt(squares / (n - 1) / n)) : 0.0;
  if (out.standard_error == 0) {
    out.t = mean == 0 ? 0 : std::copysign(std::numeric_limits<double>::infinity(), out.mean_difference);
    out.p_better = mean > 0 ? 0 : 1;
    out.p_worse = mean < 0 ? 0 : 1;
    return out;
  }
  out.t = out.mean_difference / out.standard_error;
  out.p_better = student_t_sf(out.t, out.df);
  out.p_worse = student_t_sf(-out.t, out.df);
  return out;
}

}  // namespace lean
