#include "core/timestamp.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace lean {

namespace {

// A hand-written scanner rather than std::regex: libstdc++'s regex trips GCC 12's
// -Wmaybe-uninitialized under the sanitizer build, and costs a compile of its own per match.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  bool take_any(std::string_view set, char& out) {
    if (pos_ >= text_.size() || set.find(text_[pos_]) == std::string_view::npos) return false;
    out = text_[pos_++];
    return true;
  }
  // Exactly `count` digits as a number.
  bool digits(int count, int& out) {
    out = 0;
    for (int i = 0; i < count; ++i, ++pos_) {
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') return false;
      out = out * 10 + (text_[pos_] - '0');
    }
    return true;
  }
  // The digits here, reading at most max + 1 so that the caller sees a run that is too long.
  std::size_t digit_run(std::size_t max) {
    const std::size_t begin = pos_;
    while (pos_ < text_.size() && pos_ - begin < max + 1 && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ - begin;
  }
  std::string_view from(std::size_t begin) const { return text_.substr(begin, pos_ - begin); }
  std::size_t pos() const { return pos_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// 1767225600 or 1767225600.5: up to 12 integer digits, up to 9 fraction digits.
std::optional<double> parse_unix_seconds(std::string_view text) {
  Scanner in(text);
  const std::size_t whole = in.digit_run(12);
  if (whole == 0 || whole > 12) return std::nullopt;
  if (in.take('.')) {
    const std::size_t fraction = in.digit_run(9);
    if (fraction == 0 || fraction > 9) return std::nullopt;
  }
  if (!in.done()) return std::nullopt;
  return std::stod(std::string(text));
}

}  // namespace

// RFC 3339: 2026-01-01T00:00[:00[.250]](Z|+01:00); a space may stand for the T.
std::optional<double> parse_timestamp(const std::string& text) {
  if (auto seconds = parse_unix_seconds(text)) return seconds;
  Scanner in(text);
  std::tm tm{};
  int year = 0, month = 0;
  char separator = 0;
  if (!in.digits(4, year) || !in.take('-') || !in.digits(2, month) || !in.take('-') || !in.digits(2, tm.tm_mday) ||
      !in.take_any("Tt ", separator) || !in.digits(2, tm.tm_hour) || !in.take(':') || !in.digits(2, tm.tm_min)) {
    return std::nullopt;
  }
  double fraction = 0;
  if (in.take(':')) {
    if (!in.digits(2, tm.tm_sec)) return std::nullopt;
    if (in.peek('.')) {
      const std::size_t begin = in.pos();
      in.take('.');
      const std::size_t count = in.digit_run(9);
      if (count == 0 || count > 9) return std::nullopt;
      fraction = std::stod("0" + std::string(in.from(begin)));
    }
  }
  int offset = 0;
  char sign = 0;
  if (in.take_any("Zz", sign)) {
    sign = 0;
  } else if (in.take_any("+-", sign)) {
    int hours = 0, minutes = 0;
    if (!in.digits(2, hours) || !in.take(':') || !in.digits(2, minutes)) return std::nullopt;
    offset = hours * 3600 + minutes * 60;
  } else {
    return std::nullopt;
  }
  if (!in.done()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  if (month < 1 || month > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  std::tm normalised = tm;
  const std::time_t seconds = ::timegm(&normalised);
  if (normalised.tm_mday != tm.tm_mday) return std::nullopt;  // 2026-02-30 rolled over
  double value = static_cast<double>(seconds) + fraction;
  if (sign == '+') value -= offset;
  if (sign == '-') value += offset;
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
