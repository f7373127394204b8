#pragma once

#include <string>
#include <utility>

namespace lean {

// The one floating-point tolerance of ml-validate and ml-compare (docs/conventions.md):
// two numbers are equal when they differ by at most kRelativeTolerance times the larger
// magnitude, 4 machine epsilons (4 to 8 units in the last place). Decimal inputs are not
// exact in binary and a mean or a sum adds rounding (0.1 + 0.2 is 0.30000000000000004),
// while any real change of a metric is many orders of magnitude larger.
inline constexpr double kRelativeTolerance = 4 * 2.220446049250313e-16;

bool nearly_equal(double a, double b);
// a >= b, or nearly equal.
bool at_least(double a, double b);

// Both numbers for one message line, in the fewest digits (at most 10) that keep two
// different numbers apart: a failing check never reads "0.85, required >= 0.85".
std::pair<std::string, std::string> distinct_texts(double a, double b);

}  // namespace lean
