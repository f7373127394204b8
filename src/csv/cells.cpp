#include "csv/cells.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace lean {
double exact_power_of_ten(int k) {
  static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return kPowers[k];
}

double PlainDecimal::value() const {
  const double magnitude = static_cast<double>(mantissa) / exact_power_of_ten(decimals);
  return negative ? -magnitude : magnitude;
}

namespace detail {

std::optional<PlainDecimal> parse_plain_decimal_bytewise(const char* p, const char* end, bool negative) {
  PlainDecimal out;
  out.negative = negative;
  int digits = 0;
  for (; p < end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits) out.mantissa = out.mantissa * 10 + static_cast<unsigned>(*p - '0');
  if (p < end && *p == '.') {
    for (++p; p < end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits, ++out.decimals) {
      out.mantissa = out.mantissa * 10 + static_cast<unsigned>(*p - '0');
    }
  }
  if (p != end || digits == 0 || digits > 19 || out.decimals > 22 || out.mantissa > (std::uint64_t{1} << 53)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace detail

std::optional<PlainDecimal> parse_plain_decimal(std::string_view cell) {
  constexpr std::size_t kShort = 9;  // a sign and 8 characters
  if (cell.size() > kShort) return parse_plain_decimal_padded(cell);  // read bytewise: no padding needed
  char padded[kShort + 8] = {};
  std::memcpy(padded, cell.data(), cell.size());
  return parse_plain_decimal_padded(std::string_view(padded, cell.size()));
}

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
  if (auto decimal = parse_plain_decimal(cell)) return decimal->value();
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
