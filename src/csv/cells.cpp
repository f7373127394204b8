#include "csv/cells.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace lean {
namespace {

std::optional<PlainDecimal> parse_plain_decimal_bytewise(std::string_view cell) {
  const char* p = cell.data();
  const char* const end = p + cell.size();
  PlainDecimal out;
  out.negative = p < end && *p == '-';
  if (p < end && (*p == '-' || *p == '+')) ++p;
  int digits = 0;
  for (; p < end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits)
    out.mantissa = out.mantissa * 10 + static_cast<unsigned>(*p - '0');
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

}  // namespace

std::optional<PlainDecimal> parse_plain_decimal(std::string_view cell) {
  constexpr std::size_t kShort = 9;  // a sign and 8 characters
  if (cell.size() > kShort) return parse_plain_decimal_bytewise(cell);
  char padded[kShort + 8] = {};
  std::memcpy(padded, cell.data(), cell.size());
  if (auto decimal = parse_short_decimal_padded(std::string_view(padded, cell.size()))) return decimal;
  return cell.size() == kShort ? parse_plain_decimal_bytewise(cell) : std::nullopt;  // 9 characters, no sign
}

bool is_missing_cell(std::string_view cell) {
  // pandas' default na_values (pandas.read_csv, "na_values"), "None" included as pandas 2 does.
  switch (cell.size()) {
    case 0: return true;
    case 2: return cell == "NA";
    case 3: return cell == "N/A" || cell == "n/a" || cell == "NaN" || cell == "nan" || cell == "#NA";
    case 4:
      return cell == "null" || cell == "NULL" || cell == "None" || cell == "#N/A" || cell == "-NaN" || cell == "-nan" ||
             cell == "<NA>";
    case 6: return cell == "1.#IND";
    case 7: return cell == "-1.#IND" || cell == "1.#QNAN";
    case 8: return cell == "-1.#QNAN" || cell == "#N/A N/A";
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
  if (end != cell.data() + cell.size()) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    // from_chars leaves the value alone when out of range; an underflow ("1e-400") is a
    // number, 0 or a subnormal, as Python and pandas read it. An overflow stays text.
    const std::string copy(cell);
    value = std::strtod(copy.c_str(), nullptr);
    return std::fabs(value) < 1 ? std::optional<double>(value) : std::nullopt;
  }
  if (error != std::errc() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace lean
