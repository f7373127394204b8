#include "stats/sort.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

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

void sort_doubles(std::vector<double>& values, std::vector<double>& scratch) {
  const std::size_t n = values.size();
  if (n < kSmall) {
    std::sort(values.begin(), values.end());
    return;
  }
  scratch.resize(n);
  // Keys are kept in the double slots as raw bit patterns (bit_cast, no aliasing).
  double* keys = values.data();
  double* other = scratch.data();
  auto key_at = [](const double* slot, std::size_t i) { return std::bit_cast<std::uint64_t>(slot[i]); };
  std::array<std::array<std::size_t, kBuckets>, kPasses> counts{};
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t key = to_key(values[i]);
    keys[i] = std::bit_cast<double>(key);
    for (int p = 0; p < kPasses; ++p) ++counts[p][(key >> (p * kDigitBits)) & (kBuckets - 1)];
  }
  for (int p = 0; p < kPasses; ++p) {
    auto& count = counts[p];
    // A digit every key shares orders nothing: skip its pass.
    if (std::any_of(count.begin(), count.end(), [n](std::size_t c) { return c == n; })) continue;
    std::size_t offset = 0;
    for (auto& c : count) {
      const std::size_t here = c;
      c = offset;
      offset += here;
    }
    const int shift = p * kDigitBits;
    for (std::size_t i = 0; i < n; ++i) other[count[(key_at(keys, i) >> shift) & (kBuckets - 1)]++] = keys[i];
    std::swap(keys, other);
  }
  for (std::size_t i = 0; i < n; ++i) values[i] = from_key(key_at(keys, i));
}

}  // namespace lean
