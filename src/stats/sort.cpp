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

// Counts the digits of every pass in one read of the keys; Passes is a constant so the
// inner loop unrolls.
template <int Passes, class Key>
void count_digits(std::span<const Key> keys, int digit_bits, Key mask, std::array<std::array<std::size_t, kBuckets>, kPasses>& counts) {
  for (const Key key : keys) {
    for (int p = 0; p < Passes; ++p) ++counts[p][(key >> (p * digit_bits)) & mask];
  }
}

template <class Key>
void radix_sort_keys(std::span<Key> keys, std::span<Key> scratch) {
  const std::size_t n = keys.size();
  if (n < kSmall) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  // Only the bits up to the largest key's highest one need sorting: keys in a narrow
  // range (fixed-point decimals) take two or three passes instead of six.
  const Key largest = *std::max_element(keys.begin(), keys.end());
  const int bits = std::max(1, static_cast<int>(std::bit_width(largest)));
  const int passes = (bits + kMaxDigitBits - 1) / kMaxDigitBits;
  const int digit_bits = (bits + passes - 1) / passes;
  const std::size_t buckets = std::size_t{1} << digit_bits;
  const auto mask = static_cast<Key>(buckets - 1);
  std::array<std::array<std::size_t, kBuckets>, kPasses> counts;
  for (int p = 0; p < passes; ++p) std::fill_n(counts[p].begin(), buckets, 0);  // not all 200 KiB: small sorts are frequent
  switch (passes) {
    case 1: count_digits<1, Key>(keys, digit_bits, mask, counts); break;
    case 2: count_digits<2, Key>(keys, digit_bits, mask, counts); break;
    case 3: count_digits<3, Key>(keys, digit_bits, mask, counts); break;
    case 4: count_digits<4, Key>(keys, digit_bits, mask, counts); break;
    case 5: count_digits<5, Key>(keys, digit_bits, mask, counts); break;
    default: count_digits<6, Key>(keys, digit_bits, mask, counts); break;
  }
  Key* from = keys.data();
  Key* to = scratch.data();
  for (int p = 0; p < passes; ++p) {
    auto& count = counts[p];
    if (std::any_of(count.begin(), count.begin() + static_cast<std::ptrdiff_t>(buckets), [n](std::size_t c) { return c == n; })) continue;
    std::size_t offset = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const std::size_t here = count[b];
      count[b] = offset;
      offset += here;
    }
    const int shift = p * digit_bits;
    for (std::size_t i = 0; i < n; ++i) to[count[(from[i] >> shift) & mask]++] = from[i];
    std::swap(from, to);
  }
  if (from != keys.data()) std::copy_n(from, n, keys.data());
}

}  // namespace

void radix_sort(std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch) { radix_sort_keys(keys, scratch); }
void radix_sort(std::span<std::uint32_t> keys, std::span<std::uint32_t> scratch) { radix_sort_keys(keys, scratch); }

void sort_doubles(std::span<double> values, std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch) {
  keys = keys.first(values.size());
  std::transform(values.begin(), values.end(), keys.begin(), to_key);
  radix_sort(keys, scratch);
  std::transform(keys.begin(), keys.end(), values.begin(), from_key);
}

}  // namespace lean
