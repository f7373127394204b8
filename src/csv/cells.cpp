#include "csv/cells.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace lean {
namespace {

// Clinger's fast path, for the plain decimals ("-12.375") that fill most CSV files: with at
// most 19 digits, a mantissa m <= 2^53 and k <= 22 decimals, m and 10^k are exact doubles
// and one IEEE division rounds m / 10^k correctly, the same double from_chars gives,
// several times faster. Anything else (exponents, long mantissas) returns nullopt.
std::optional<double> parse_plain_decimal(std::string_view cell) {
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* p = cell.data();
  const char* const end = p + cell.size();
  const bool negative = p < end && *p == '-';
  if (p < end && (*p == '-' || *p == '+')) ++p;
  std::uint64_t mantissa = 0;
  int digits = 0, decimals = 0;
  for (; p < end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits) mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
  if (p < end && *p == '.') {
    for (++p; p < end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits, ++decimals) {
      mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    }
  }
  if (p != end || digits == 0 || digits > 19 || decimals > 22 || mantissa > (std::uint64_t{1} << 53)) return std::nullopt;
  const double value = static_cast<double>(mantissa) / kPowers[decimals];
  return negative ? -value : value;
}

}  // namespace

bool is_missing_cell(std::string_view cell) {
  switch (cell.size()) {
    case 0: return true;
    case 2: return cell == "NA";
    case 3: return cell == "N/A" || cell == "NaN" || cell == "nan";
    case 4: return cell == "null" || cell == "NULL" || cell == "None";
    default: return false;
  }
}

std::optional<double> parse_finite_number(std::string_view cell) {
  if (auto value = parse_plain_decimal(cell)) return value;
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  // from_chars takes no '+' sign; a lone sign or "+-1" must stay text.
  if (cell.size() > 1 && cell.front() == '+' && cell[1] != '-') cell.remove_prefix(1);
  if (cell.empty()) return std::nullopt;
  double value;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace lean
