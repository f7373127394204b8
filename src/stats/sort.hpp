#pragma once

#include <cstdint>
#include <span>

namespace lean {

// Sorts unsigned keys ascending with an LSD radix sort (digits of up to 12 bits, as few as
// the largest key needs); a digit every key shares is skipped, so keys confined to a small
// range take few passes. `scratch` is working space of at least keys.size() elements.
void radix_sort(std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch);
void radix_sort(std::span<std::uint32_t> keys, std::span<std::uint32_t> scratch);

// Sorts finite doubles ascending through their order-preserving bit patterns: several
// times faster than std::sort on the millions of values a drift check sorts per column.
// `keys` and `scratch` are working space of at least values.size() elements.
void sort_doubles(std::span<double> values, std::span<std::uint64_t> keys, std::span<std::uint64_t> scratch);

}  // namespace lean
