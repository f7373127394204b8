#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace lean {

// Sorts unsigned keys ascending with an LSD radix sort (digits of up to 12 bits, as few as
// the largest key needs); a digit every key shares is skipped, so keys confined to a small
// range take few passes. `scratch` is working space of at least keys.size() elements.
void radix_sort(std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch);

// A double's order-preserving bit pattern: a < b exactly when order_key(a) < order_key(b)
// (-0.0 sorts just below 0.0).
std::uint64_t order_key(double value);

// Sorts finite doubles ascending through their order-preserving bit patterns: several
// times faster than std::sort on the millions of values a drift check sorts per column.
// `keys` and `scratch` are working space of at least values.size() elements.
void sort_doubles(std::span<double> values, std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch);

namespace radix {

inline constexpr int kMaxDigitBits = 12;  // 4096 buckets: the counts stay in L1/L2
inline constexpr int kMaxPasses = 6;      // 64 bits in digits of 11 bits
inline constexpr std::size_t kBuckets = std::size_t{1} << kMaxDigitBits;
inline constexpr std::size_t kSmall = 512;  // below this std::sort wins
using Counts = std::array<std::array<std::size_t, kBuckets>, kMaxPasses>;

// The digits that keys up to `largest` need: as few passes as 12-bit digits allow, the
// bits spread evenly over them.
struct Plan {
  explicit Plan(std::uint64_t largest) {
    const int bits = std::max(1, static_cast<int>(std::bit_width(largest)));
    passes = (bits + kMaxDigitBits - 1) / kMaxDigitBits;
    digit_bits = (bits + passes - 1) / passes;
    buckets = std::size_t{1} << digit_bits;
  }
  int passes, digit_bits;
  std::size_t buckets;
};

// Counts the digits of every pass in one read of the keys; Passes is a constant so the
// inner loop unrolls.
template <int Passes, class Key>
void count_digits_of(std::span<const Key> keys, const Plan& plan, Counts& counts) {
  const auto mask = static_cast<Key>(plan.buckets - 1);
  for (const Key key : keys) {
    for (int p = 0; p < Passes; ++p) ++counts[p][(key >> (p * plan.digit_bits)) & mask];
  }
}

template <class Key>
void count_digits(std::span<const Key> keys, const Plan& plan, Counts& counts) {
  for (int p = 0; p < plan.passes; ++p) std::fill_n(counts[p].begin(), plan.buckets, 0);  // not all 200 KiB
  switch (plan.passes) {
    case 1: return count_digits_of<1>(keys, plan, counts);
    case 2: return count_digits_of<2>(keys, plan, counts);
    case 3: return count_digits_of<3>(keys, plan, counts);
    case 4: return count_digits_of<4>(keys, plan, counts);
    case 5: return count_digits_of<5>(keys, plan, counts);
    default: return count_digits_of<6>(keys, plan, counts);
  }
}

// Turns a pass's digit counts into the first position of each digit; false when every key
// has the same digit, so the pass can be skipped.
inline bool starts_of(std::array<std::size_t, kBuckets>& count, std::size_t buckets, std::size_t n) {
  std::size_t offset = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t here = count[b];
    if (here == n) return false;
    count[b] = offset;
    offset += here;
  }
  return true;
}

}  // namespace radix

// Sorts keys in [0, largest] as radix_sort does, but hands them to out(rank, key) in
// sorted order from the last pass instead of storing them: a caller that turns keys into
// values needs no pass of its own. `keys` and `scratch` (at least keys.size() elements)
// are both overwritten.
template <class Key, class Out>
void radix_sort_into(std::span<Key> keys, std::span<Key> scratch, Key largest, Out out) {
  const std::size_t n = keys.size();
  if (n < radix::kSmall) {
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 0; i < n; ++i) out(i, keys[i]);
    return;
  }
  const radix::Plan plan(largest);
  radix::Counts counts;
  radix::count_digits<Key>(keys, plan, counts);
  bool moves[radix::kMaxPasses] = {};
  int last = -1;  // the last pass that moves keys
  for (int p = 0; p < plan.passes; ++p) {
    moves[p] = radix::starts_of(counts[p], plan.buckets, n);
    if (moves[p]) last = p;
  }
  const auto mask = static_cast<Key>(plan.buckets - 1);
  Key* from = keys.data();
  Key* to = scratch.data();
  for (int p = 0; p < last; ++p) {
    if (!moves[p]) continue;
    auto& start = counts[p];
    const int shift = p * plan.digit_bits;
    for (std::size_t i = 0; i < n; ++i) to[start[(from[i] >> shift) & mask]++] = from[i];
    std::swap(from, to);
  }
  if (last < 0) {  // every key the same
    for (std::size_t i = 0; i < n; ++i) out(i, from[i]);
    return;
  }
  auto& start = counts[last];
  const int shift = last * plan.digit_bits;
  for (std::size_t i = 0; i < n; ++i) out(start[(from[i] >> shift) & mask]++, from[i]);
}

}  // namespace lean
