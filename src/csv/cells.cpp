#include "csv/cells.hpp"

#include <charconv>
#include <cmath>

namespace lean {

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
