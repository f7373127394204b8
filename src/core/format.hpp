#pragma once

#include <string>

namespace lean {

// Shortest text that reads back as the same double ("0.1", "1e-06", "42"), the same on
// every run and machine, so reports and summaries diff cleanly.
std::string format_number(double value);

// A difference for people, six significant digits and an explicit sign: "+0.01", "-3"
// (0.86 - 0.85 is 0.010000000000000009 in binary; a summary shows +0.01).
std::string format_signed(double value);

// A percentage with at most two decimals: "+1.25%".
std::string format_percent(double fraction);

}  // namespace lean
