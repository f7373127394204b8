#include "stats/ks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "stats/kolmogorov.hpp"

namespace lean {
namespace {

constexpr std::size_t kMaxExactN = 10000;  // scipy's MAX_AUTO_N

double asymptotic_p(double d, std::size_t n1, std::size_t n2) {
  const double m = static_cast<double>(std::max(n1, n2)), n = static_cast<double>(std::min(n1, n2));
  const double en = m * n / (m + n);
  // numpy's round: half to even, which nearbyint does in the default rounding mode.
  return kolmogorov_sf(static_cast<std::uint64_t>(std::nearbyint(en)), d);
}

}  // namespace

KsResult ks_2samp(std::span<const double> a, std::span<const double> b) {
  const std::size_t n1 = a.size(), n2 = b.size();
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  // Walk both sorted samples; at every distinct value compare the CDFs exactly as scipy
  // does (count / n in double), so D is bit-identical.
  double max_diff = 0, min_diff = 0;
  std::size_t i = 0, j = 0;
  while (i < n1 || j < n2) {
    const double x = (j == n2 || (i < n1 && a[i] <= b[j])) ? a[i] : b[j];
    while (i < n1 && a[i] <= x) ++i;
    while (j < n2 && b[j] <= x) ++j;
    const double diff = static_cast<double>(i) / dn1 - static_cast<double>(j) / dn2;
    max_diff = std::max(max_diff, diff);
    min_diff = std::min(min_diff, diff);
  }
  KsResult result;
  double d = std::max(max_diff, std::clamp(-min_diff, 0.0, 1.0));
  if (std::max(n1, n2) <= kMaxExactN) {
    const std::uint64_t g = std::gcd(n1, n2);
    const std::uint64_t lcm = (n1 / g) * n2;
    const auto h = static_cast<std::uint64_t>(std::nearbyint(d * static_cast<double>(lcm)));
    d = static_cast<double>(h) / static_cast<double>(lcm);
    double p = 1.0;
    if (h != 0) p = n1 == n2 ? ks_prob_outside_square(n1, h) : ks_outer_prob_inside(n1, n2, g, h);
    if (p >= 0 && p <= 1) {
      result.statistic = d;
      result.p_value = p;
      result.exact = true;
      return result;
    }
  }
  result.statistic = d;
  result.p_value = std::clamp(asymptotic_p(d, n1, n2), 0.0, 1.0);
  return result;
}

}  // namespace lean
