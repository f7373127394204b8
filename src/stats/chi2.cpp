#include "stats/chi2.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lean {
namespace {

// Regularized upper incomplete gamma Q(a, x): the power series of P when x < a + 1, else
// the continued fraction of Q (modified Lentz). Written by hand because no allowed
// dependency has it; long double keeps the relative error far below 1e-10 even for the
// large a of tables with many categories.
long double gamma_q(long double a, long double x) {
  if (x <= 0) return 1.0L;
  const long double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  constexpr long double eps = std::numeric_limits<long double>::epsilon();
  if (x < a + 1) {
    long double term = 1.0L / a, sum = term;
    for (long double k = 1; k < 100000; ++k) {
      term *= x / (a + k);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * eps) break;
    }
    return 1.0L - std::exp(log_prefactor) * sum;
  }
  constexpr long double tiny = std::numeric_limits<long double>::min() / eps;
  long double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (long double i = 1; i < 100000; ++i) {
    const long double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const long double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < eps) break;
  }
  return std::exp(log_prefactor) * h;
}

}  // namespace

double chi2_sf(double x, double dof) {
  if (std::isnan(x)) return x;
  return std::clamp(static_cast<double>(gamma_q(dof / 2.0L, x / 2.0L)), 0.0, 1.0);
}

Chi2Result chi2_contingency(std::span<const std::uint64_t> reference, std::span<const std::uint64_t> current) {
  const std::size_t k = reference.size();
  double n_ref = 0, n_cur = 0;
  for (std::size_t j = 0; j < k; ++j) {
    n_ref += static_cast<double>(reference[j]);
    n_cur += static_cast<double>(current[j]);
  }
  const double total = n_ref + n_cur;
  Chi2Result result;
  result.dof = k > 0 ? k - 1 : 0;
  if (result.dof == 0) return result;  // one category: observed == expected, scipy's (0, 1)
  const bool yates = result.dof == 1;
  double statistic = 0;
  auto add_cell = [&](double observed, double expected) {
    if (yates) {
      // Move each observed count toward the expected one by at most 0.5 (scipy gh-13875).
      const double diff = expected - observed;
      const double direction = diff > 0 ? 1.0 : (diff < 0 ? -1.0 : 0.0);
      observed += std::min(0.5, std::fabs(diff)) * direction;
    }
    const double gap = observed - expected;
    statistic += gap * gap / expected;
  };
  for (std::size_t j = 0; j < k; ++j) {
    const double column = static_cast<double>(reference[j]) + static_cast<double>(current[j]);
    add_cell(static_cast<double>(reference[j]), n_ref * column / total);
    add_cell(static_cast<double>(current[j]), n_cur * column / total);
  }
  result.statistic = statistic;
  result.p_value = chi2_sf(statistic, static_cast<double>(result.dof));
  return result;
}

}  // namespace lean
