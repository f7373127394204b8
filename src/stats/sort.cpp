#include "stats/sort.hpp"

#include <algorithm>
#include <bit>

namespace lean {
namespace {

// Flips the bits of a double so unsigned order is numeric order (negatives reversed).
std::uint64_t to_key(double value) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

double from_key(std::uint64_t key) {
  return std::bit_cast<double>((key >> 63) ? key & ~(std::uint64_t{1} << 63) : ~key);
}

}  // namespace

std::uint64_t order_key(double value) { return to_key(value); }

void radix_sort(std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch) {
  using Key = std::uint64_t;
  const std::size_t n = keys.size();
  if (n < radix::kSmall) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  // Only the bits up to the largest key's highest one need sorting: keys in a narrow
  // range take fewer passes than their width.
  const radix::Plan plan(*std::max_element(keys.begin(), keys.end()));
  radix::Counts counts;
  radix::count_digits<Key>(keys, plan, counts);
  const auto mask = static_cast<Key>(plan.buckets - 1);
  Key* from = keys.data();
  Key* to = scratch.data();
  for (int p = 0; p < plan.passes; ++p) {
    auto& start = counts[p];
    if (!radix::starts_of(start, plan.buckets, n)) continue;
    const int shift = p * plan.digit_bits;
    for (std::size_t i = 0; i < n; ++i) to[start[(from[i] >> shift) & mask]++] = from[i];
    std::swap(from, to);
  }
  if (from != keys.data()) std::copy_n(from, n, keys.data());
}

void sort_doubles(std::span<double> values, std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch) {
  keys = keys.first(values.size());
  std::transform(values.begin(), values.end(), keys.begin(), to_key);
  radix_sort(keys, scratch);
  std::transform(keys.begin(), keys.end(), values.begin(), from_key);
}

}  // namespace lean
