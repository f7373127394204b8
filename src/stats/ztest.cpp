#include "stats/ztest.hpp"

#include <algorithm>
#include <cmath>

namespace lean {

ZTestResult two_proportion_ztest(std::uint64_t hits_ref, std::uint64_t n_ref, std::uint64_t hits_cur,
                                 std::uint64_t n_cur) {
  const double n1 = static_cast<double>(n_ref), n2 = static_cast<double>(n_cur);
  const double p1 = static_cast<double>(hits_ref) / n1, p2 = static_cast<double>(hits_cur) / n2;
  const double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  ZTestResult result;
  result.statistic = (p1 - p2) / std::sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
  // 2 * norm.sf(|z|) = erfc(|z| / sqrt 2), accurate far into the tail.
  result.p_value = std::clamp(std::erfc(std::fabs(result.statistic) / std::sqrt(2.0)), 0.0, 1.0);
  return result;
}

}  // namespace lean
