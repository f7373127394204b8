#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lean {

// A plain decimal cell, "-12.375": the value is exactly mantissa / 10^decimals, sign aside.
struct PlainDecimal {
  std::uint64_t mantissa = 0;  // at most 2^53
  int decimals = 0;            // at most 22
  bool negative = false;
  // The correctly rounded double: both operands are exact, so one division rounds right
  // (Clinger's fast path), the same double std::from_chars gives.
  double value() const;
};

// The cell as a plain decimal: optional sign, digits, optional point and digits, no
// exponent, no spaces, at most 19 digits, within PlainDecimal's limits; else nullopt.
std::optional<PlainDecimal> parse_plain_decimal(std::string_view cell);

// 10^k for k in [0, 22], all exact doubles.
double exact_power_of_ten(int k);

// A cell that stands for "no value": empty, NA, N/A, NaN, nan, null, NULL or None.
bool is_missing_cell(std::string_view cell);

// The cell as a finite number ("1", "-2.5e3", " +0.1 "; spaces and tabs around allowed),
// or nullopt for text, infinities and values out of double's range.
std::optional<double> parse_finite_number(std::string_view cell);

}  // namespace lean
