#include "core/timestamp.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <regex>

namespace lean {

std::optional<double> parse_timestamp(const std::string& text) {
  static const std::regex kUnix(R"(\d{1,12}(\.\d{1,9})?)");
  static const std::regex kRfc3339(
      R"((\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:([Zz])|([+-])(\d{2}):(\d{2})))");
  std::smatch m;
  if (std::regex_match(text, kUnix)) return std::stod(text);
  if (!std::regex_match(text, m, kRfc3339)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = m[6].matched ? std::stoi(m[6]) : 0;
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  std::tm normalised = tm;
  const std::time_t seconds = ::timegm(&normalised);
  if (normalised.tm_mday != tm.tm_mday) return std::nullopt;  // 2026-02-30 rolled over
  double value = static_cast<double>(seconds);
  if (m[7].matched) value += std::stod("0" + m[7].str());
  if (!m[8].matched) {
    const int offset = std::stoi(m[10]) * 3600 + std::stoi(m[11]) * 60;
    value += m[9] == "+" ? -offset : offset;
  }
  return value;
}

std::string format_timestamp(double epoch_seconds) {
  const double whole = std::floor(epoch_seconds);
  const std::time_t seconds = static_cast<std::time_t>(whole);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[96];
  const long millis = std::lround((epoch_seconds - whole) * 1000);
  if (millis > 0 && millis < 1000) {
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  } else {
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return text;
}

}  // namespace lean
