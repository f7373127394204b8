#include "stats/sort.hpp"

#include <algorithm>
#include <array>
#include <bit>

namespace lean {
namespace {

constexpr int kDigitBits = 11;
constexpr int kPasses = 6;  // 6 x 11 bits cover the 64-bit key
constexpr std::size_t kBuckets = std::size_t{1} << kDigitBits;
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
  // Digits above the largest key's highest bit are zero in every key: not even counted.
  const std::uint64_t largest = *std::max_element(keys.begin(), keys.end());
  const int passes = std::max(1, (static_cast<int>(std::bit_width(largest)) + kDigitBits - 1) / kDigitBits);
  std::array<std::array<std::size_t, kBuckets>, kPasses> counts{};
  for (std::uint64_t key : keys) {
    for (int p = 0; p < passes; ++p) ++counts[p][(key >> (p * kDigitBits)) & (kBuckets - 1)];
  }
  std::uint64_t* from = keys.data();
  std::uint64_t* to = scratch.data();
  for (int p = 0; p < passes; ++p) {
    auto& count = counts[p];
    if (std::any_of(count.begin(), count.end(), [n](std::size_t c) { return c == n; })) continue;
    std::size_t offset = 0;
    for (auto& c : count) {
      const std::size_t here = c;
      c = offset;
      offset += here;
    }
    const int shift = p * kDigitBits;
    for (std::size_t i = 0; i < n; ++i) to[count[(from[i] >> shift) & (kBuckets - 1)]++] = from[i];
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
