#pragma once

#include <cstdint>

namespace lean {

struct ZTestResult {
  double statistic = 0;  // z: positive when the reference share is the larger
  double p_value = 1;    // two-sided: 2 * scipy.stats.norm.sf(|z|)
};

// Pooled two-proportion z-test: `hits` of `n` observations in each sample have the
// value counted. Both n > 0 and the pooled share strictly between 0 and 1.
ZTestResult two_proportion_ztest(std::uint64_t hits_ref, std::uint64_t n_ref, std::uint64_t hits_cur,
                                 std::uint64_t n_cur);

}  // namespace lean
