#include "core/format.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace lean {

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";  // also for -0
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string format_human(double value) {
  if (!std::isfinite(value)) return format_number(value);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value == 0 ? 0.0 : value);
  return buffer;
}

std::string format_signed(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%+.6g", value == 0 ? 0.0 : value);
  return buffer;
}

std::string format_percent(double fraction) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%+.2f%%", fraction * 100.0);
  return buffer;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace lean
