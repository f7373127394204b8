#include "metrics/tolerance.hpp"

#include <algorithm>
#include <cmath>

#include "core/format.hpp"

namespace lean {

bool nearly_equal(double a, double b) {
  return std::fabs(a - b) <= kRelativeTolerance * std::max(std::fabs(a), std::fabs(b));
}

bool at_least(double a, double b) { return a >= b || nearly_equal(a, b); }

std::pair<std::string, std::string> distinct_texts(double a, double b) {
  std::string first = format_human(a), second = format_human(b);
  // Shortest round-trip form: as many digits as it takes to tell the two apart.
  if (first == second && a != b) return {format_number(a), format_number(b)};
  return {first, second};
}

}  // namespace lean
