#pragma once

#include <vector>

namespace lean {

// Sorts finite doubles ascending with an LSD radix sort over their order-preserving bit
// patterns: several times faster than std::sort on the millions of values a drift check
// sorts per column. `scratch` is reused between calls to save allocations.
void sort_doubles(std::vector<double>& values, std::vector<double>& scratch);

}  // namespace lean
