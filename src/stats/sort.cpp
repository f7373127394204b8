#include "stats/sort.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace lean {
namespace {

constexpr int kMaxDigitBits = 12;  // 4096 buckets: the counts stay in L1/L2
constexpr int kPasses = 6;         // at most: 64 bits in 6 digits of 11 bits
constexpr std::size_t kBuckets = std::size_t{1} << kMaxDigitBits;
constexpr std::size_t kSmall = 512;  // below this std::sort wins

// Flips the bits of a double so unsigned order is numeric order (negatives reversed).
std::uint64_t to_key(double value) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

double from_key(std::uint64_t key) {
  return std::bit_cast<double>((key >> 63) ? key & ~(std::uint64_t{1} << 63) : ~key);
}

}  // namespace

void radix_sort(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch) {
  const std::size_t n = keys.size();
  if (n < kSmall) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  scratch.resize(n);
  // Only the bits up to the largest key's highest one need sorting: keys in a narrow
  // range (fixed-point decimals) take two or three passes instead of six.
  const std::uint64_t largest = *std::max_element(keys.begin(), keys.end());
  const int bits = std::max(1, static_cast<int>(std::bit_width(largest)));
  const int passes = (bits + kMaxDigitBits - 1) / kMaxDigitBits;
  const int digit_bits = (bits + passes - 1) / passes;
  const std::uint64_t mask = (std::uint64_t{1} << digit_bits) - 1;
  std::array<std::array<std::size_t, kBuckets>, kPasses> counts{};
  for (std::uint64_t key : keys) {
    for (int p = 0; p < passes; ++p) ++counts[p][(key >> (p * digit_bits)) & mask];
  }
  std::uint64_t* from = keys.data();
  std::uint64_t* to = scratch.data();
  for (int p = 0; p < passes; ++p) {
    auto& count = counts[p];
    if (std::any_of(count.begin(), count.begin() + static_cast<std::ptrdiff_t>(mask + 1), [n](std::size_t c) { return c == n; })) continue;
    std::size_t offset = 0;
    for (std::size_t b = 0; b <= mask; ++b) {
      const std::size_t here = count[b];
      count[b] = offset;
      offset += here;
    }
    const int shift = p * digit_bits;
    for (std::size_t i = 0; i < n; ++i) to[count[(from[i] >> shift) & mask]++] = from[i];
    std::swap(from, to);
  }
  if (from != keys.data()) keys.swap(scratch);
}

void sort_doubles(std::vector<double>& values, std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch) {
  keys.resize(values.size());
  std::transform(values.begin(), values.end(), keys.begin(), to_key);
  radix_sort(keys, scratch);
  std::transform(keys.begin(), keys.end(), values.begin(), from_key);
}

}  // namespace lean
