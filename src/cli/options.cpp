#include "cli/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/error.hpp"
#include "core/printable.hpp"
#include "core/suggest.hpp"

namespace lean {

std::optional<std::string> string_option(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

std::string string_option_or(const po::variables_map& vm, const char* name, std::string fallback) {
  return vm.count(name) ? vm[name].as<std::string>() : fallback;
}

std::vector<std::string> strings_option(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return {};
  return vm[name].as<std::vector<std::string>>();
}

bool flag_option(const po::variables_map& vm, const char* name) { return vm.count(name) > 0; }

double parse_number(const std::string& text, const std::string& what) {
  // from_chars reads neither a leading "+" nor a number too small for a double ("1e-400"),
  // both of which a user may type and strtod reads (as 0 or a denormal, for the latter).
  const std::size_t sign = text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+' ? 1 : 0;
  const char* begin = text.data() + sign;
  const char* end = text.data() + text.size();
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    const double magnitude = std::strtod(std::string(begin, end).c_str(), nullptr);
    if (std::fabs(magnitude) < 1.0) {  // an underflow; an overflow stays an error
      value = magnitude;
      ec = std::errc();
    }
  }
  if (begin == end || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    throw_usage(what + ": " + quote_printable(text) + " is not a finite number");
  }
  return value;
}

std::optional<double> number_option(const po::variables_map& vm, const char* name) {
  const std::optional<std::string> text = string_option(vm, name);
  if (!text) return std::nullopt;
  return parse_number(*text, std::string("--") + name);
}

std::uint64_t parse_whole_number(const std::string& text, const char* name, std::uint64_t low, std::uint64_t high) {
  // A leading "+" (and "-0"), as a user may type them and Boost read them.
  const bool minus_zero = text.size() > 1 && text[0] == '-' && text.find_first_not_of('0', 1) == std::string::npos;
  const std::size_t sign =
      text.size() > 1 && (text[0] == '+' || minus_zero) && text[1] != '-' && text[1] != '+' ? 1 : 0;
  std::uint64_t value = 0;
  const char* begin = text.data() + sign;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  // A whole number beyond 64 bits, for an option without an upper bound: too large, where "of
  // at least 0" would not say what is wrong.
  if (ec == std::errc::result_out_of_range && ptr == end && high == std::numeric_limits<std::uint64_t>::max()) {
    throw_usage("--" + std::string(name) + " is too large: " + quote_printable(text) + " is above " +
                std::to_string(high));
  }
  if (begin == end || ec != std::errc() || ptr != end || value < low || value > high) {
    const std::string range = high == std::numeric_limits<std::uint64_t>::max()
                                  ? "of at least " + std::to_string(low)
                                  : "from " + std::to_string(low) + " to " + std::to_string(high);
    throw_usage("--" + std::string(name) + " must be a whole number " + range + ", not " + quote_printable(text));
  }
  return value;
}

std::optional<std::uint64_t> whole_number_option(const po::variables_map& vm, const char* name, std::uint64_t low,
                                                 std::uint64_t high) {
  const std::optional<std::string> text = string_option(vm, name);
  if (!text) return std::nullopt;
  return parse_whole_number(*text, name, low, high);
}

std::optional<std::string> choice_option(const po::variables_map& vm, const char* name,
                                         const std::vector<std::string>& choices) {
  const std::optional<std::string> text = string_option(vm, name);
  if (!text) return std::nullopt;
  for (const auto& choice : choices) {
    if (*text == choice) return text;
  }
  std::string listed;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    listed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  }
  throw_usage("--" + std::string(name) + " must be " + listed + ", not " + quote_printable(*text) +
              did_you_mean(*text, choices));
}

}  // namespace lean
