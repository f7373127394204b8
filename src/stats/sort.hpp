#pragma once

#include <cstdint>
#include <vector>

namespace lean {

// Sorts unsigned keys ascending with an LSD radix sort (11-bit digits); a digit every key
// shares is skipped, so keys confined to a small range take few passes. `scratch` is
// working space, reused between calls.
void radix_sort(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch);

// Sorts finite doubles ascending through their order-preserving bit patterns: several
// times faster than std::sort on the millions of values a drift check sorts per column.
void sort_doubles(std::vector<double>& values, std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch);

}  // namespace lean
