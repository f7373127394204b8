#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace lean {

// A plain decimal cell, "-12.375": the value is exactly mantissa / 10^decimals, sign aside.
struct PlainDecimal {
  std::uint64_t mantissa = 0;  // at most 2^53
  int decimals = 0;            // at most 22
  bool negative = false;
  // The correctly rounded double: both operands are exact, so one division rounds right
  // (Clinger's fast path), the same double std::from_chars gives. Inline: the Parquet
  // reader and the profiles call it for nearly every value.
  double value() const;
};

// 10^k for k in [0, 22], all exact doubles.
inline double exact_power_of_ten(int k) {
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return kPowers[k];
}

inline double PlainDecimal::value() const {
  const double magnitude = static_cast<double>(mantissa) / exact_power_of_ten(decimals);
  return negative ? -magnitude : magnitude;
}

// The cell as a plain decimal: optional sign, digits, optional point and digits, no
// exponent, no spaces, at most 19 digits, within PlainDecimal's limits; else nullopt.
std::optional<PlainDecimal> parse_plain_decimal(std::string_view cell);

// The same, for a cell of at most 8 characters after its sign that is followed by at least
// 8 readable bytes (as every field CsvReader returns is); nullopt for any other cell, longer
// plain decimals included. Inline, called for nearly every cell: the cell is read as one
// word (SWAR, as simdjson's parse_eight_digits_unrolled), without a branch per character.
inline std::optional<PlainDecimal> parse_short_decimal_padded(std::string_view cell) {
  const char* p = cell.data();
  std::size_t count = cell.size();
  const char first = count > 0 ? p[0] : '\0';
  const bool negative = first == '-';
  const bool sign = negative || first == '+';
  p += sign;
  count -= sign;
  if (std::endian::native != std::endian::little || count - 1 >= 8) return std::nullopt;
  constexpr std::uint64_t kEveryByte = 0x0101010101010101;
  std::uint64_t bytes;
  std::memcpy(&bytes, p, sizeof bytes);
  // Each character's digit value, right-aligned: the last character in the top byte, zeros
  // below the first.
  const auto unused = static_cast<int>(8 * (8 - count));
  std::uint64_t digits = (bytes << unused) ^ (('0' * kEveryByte) & (~std::uint64_t{0} << unused));
  // Bytes that are not digits have a high nibble here (a byte >= 0xFA may carry into the
  // next, but such a cell is rejected anyway).
  const std::uint64_t not_digits = (digits | (digits + 0x06 * kEveryByte)) & (0xF0 * kEveryByte);
  PlainDecimal out;
  out.negative = negative;
  if (not_digits) {  // one '.' ('.' ^ '0' here) allowed, and some digit besides
    const int point = std::countr_zero(not_digits) / 8;
    if ((not_digits >> (8 * point) >> 8) != 0 || ((digits >> (8 * point)) & 0xFF) != ('.' ^ '0') || count == 1) {
      return std::nullopt;
    }
    const std::uint64_t below = (std::uint64_t{1} << (8 * point)) - 1;
    digits = (digits & (~below << 8)) | ((digits & below) << 8);  // the point out, a 0 in front
    out.decimals = 7 - point;
  }
  digits = digits * 10 + (digits >> 8);  // pairs of digits
  digits = (((digits & 0x000000FF000000FF) * (100 + (1000000ULL << 32))) +
            (((digits >> 16) & 0x000000FF000000FF) * (1 + (10000ULL << 32)))) >>
           32;
  out.mantissa = static_cast<std::uint32_t>(digits);
  return out;
}

// A cell that stands for "no value": pandas' default missing values (empty, NA, N/A, n/a, NaN,
// nan, -NaN, -nan, null, NULL, None, <NA>, #N/A, #NA, #N/A N/A, 1.#IND, -1.#IND, 1.#QNAN, -1.#QNAN).
bool is_missing_cell(std::string_view cell);

// The cell as a finite number ("1", "-2.5e3", " +0.1 "; spaces and tabs around allowed),
// or nullopt for text, infinities and values out of double's range.
std::optional<double> parse_finite_number(std::string_view cell);

}  // namespace lean
