#pragma once

#include <string>
#include <string_view>

namespace lean {

// Shortest text that reads back as the same double ("0.1", "1e-06", "42"), the same on
// every run and machine, so reports and summaries diff cleanly.
std::string format_number(double value);

// A value for people: at most ten significant digits, so computed values read cleanly
// ("0.8397857143", not "0.8397857142857142"; 0.85 + 0.01 shows as "0.86").
std::string format_human(double value);

// A difference for people, six significant digits and an explicit sign: "+0.01", "-3"
// (0.86 - 0.85 is 0.010000000000000009 in binary; a summary shows +0.01).
std::string format_signed(double value);

// A percentage with at most two decimals: "+1.25%".
std::string format_percent(double fraction);

// "%2F" -> "/": Hive partition folders, the user-info of URLs. A '%' without two hex digits
// after it stays as it is.
std::string percent_decoded(std::string_view text);

}  // namespace lean
