#include "prometheus/query.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/limits.hpp"
#include "core/printable.hpp"

namespace lean::prometheus {
namespace {

using nlohmann::json;

[[noreturn]] void throw_malformed(const std::string& subject, const std::string& query_name, const std::string& what) {
  throw Error(ExitStatus::remote, subject,
              "query " + query_name + ": the answer is not the Prometheus query API's JSON (" + what + ")");
}

std::string text_field(const json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// [1795597200.5, "0.25"]: the time as a number, the value as a string ("NaN", "+Inf" too).
Sample decode_sample(const json& pair, const std::string& subject, const std::string& query_name) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string()) {
    throw_malformed(subject, query_name, "a sample is [time, \"value\"]");
  }
  const std::string text = pair[1].get<std::string>();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    throw_malformed(subject, query_name, "the sample value \"" + text + "\" is not a number");
  }
  return {pair[0].get<double>(), value};
}

Series decode_series(const json& item, const char* samples_key, const std::string& subject,
                     const std::string& query_name) {
  if (!item.is_object() || !item.contains("metric") || !item["metric"].is_object()) {
    throw_malformed(subject, query_name, "a series needs \"metric\"");
  }
  Series series;
  for (const auto& [name, value] : item["metric"].items()) {
    if (!value.is_string()) throw_malformed(subject, query_name, "a label value is not a string");
    series.labels.emplace_back(name, value.get<std::string>());
  }
  const auto it = item.find(samples_key);
  if (it == item.end()) throw_malformed(subject, query_name, std::string("a series needs \"") + samples_key + "\"");
  if (std::string(samples_key) == "value") {
    series.samples.push_back(decode_sample(*it, subject, query_name));
  } else {
    if (!it->is_array()) throw_malformed(subject, query_name, "\"values\" is not a list");
    for (const auto& pair : *it) series.samples.push_back(decode_sample(pair, subject, query_name));
  }
  return series;
}

}  // namespace

QueryData decode_query_response(long status, std::string_view body, const std::string& subject,
                                const std::string& query_name) {
  json doc;
  if (json_nesting_depth(body) <= limits::kJsonDepth) doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) {
    if (status < 200 || status >= 300) {
      throw Error(ExitStatus::remote, subject, "query " + query_name + ": HTTP " + std::to_string(status));
    }
    throw_malformed(subject, query_name, "not a JSON object");
  }
  if (text_field(doc, "status") != "success") {
    const std::string type = text_field(doc, "errorType");
    const std::string message = text_field(doc, "error");
    std::string what = "query " + query_name + ": ";
    what += type.empty() && message.empty() ? "HTTP " + std::to_string(status)
                                            : (type.empty() ? "" : type + ": ") + message;
    // bad_data: the query does not parse or a parameter is wrong; execution: it cannot be
    // evaluated (too many samples, a vector where a scalar is needed). Both are the query's
    // fault; timeout, canceled, unavailable, internal and the rest are the server's.
    const bool bad_query = type == "bad_data" || type == "execution" || status == 400 || status == 422;
    throw Error(bad_query ? ExitStatus::input_data : ExitStatus::remote, subject, what);
  }
  const auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) throw_malformed(subject, query_name, "no \"data\"");
  QueryData out;
  for (const auto& [key, notes, omitted] : {std::tuple{"warnings", &out.warnings, &out.warnings_omitted},
                                            std::tuple{"infos", &out.infos, &out.infos_omitted}}) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_array()) continue;
    for (const auto& note : *it) {
      if (notes->size() == kShownNotes) ++*omitted;
      else notes->push_back(note.is_string() ? note.get<std::string>() : note.dump());
    }
  }
  out.result_type = text_field(*data, "resultType");
  const auto result = data->find("result");
  if (result == data->end()) throw_malformed(subject, query_name, "no \"data.result\"");
  if (out.result_type == "scalar") {
    out.series.push_back({{}, {decode_sample(*result, subject, query_name)}});
  } else if (out.result_type == "vector" || out.result_type == "matrix") {
    if (!result->is_array()) throw_malformed(subject, query_name, "\"data.result\" is not a list");
    for (const auto& item : *result) {
      out.series.push_back(decode_series(item, out.result_type == "vector" ? "value" : "values", subject, query_name));
    }
  } else if (out.result_type == "string") {
    throw Error(ExitStatus::input_data, subject, "query " + query_name + ": returns a string, not a number");
  } else {
    throw_malformed(subject, query_name, "unknown resultType \"" + out.result_type + "\"");
  }
  return out;
}

std::string label_set_text(const Series& series) {
  std::string out = "{";
  for (const auto& [name, value] : series.labels) {
    if (out.size() > 1) out += ", ";
    out += printable(name) + "=" + quote_printable(value);
  }
  return out + "}";
}

std::optional<double> parse_duration(const std::string& text) {
  // Units in Prometheus' order, largest first; "ms" is checked before "m".
  static const std::pair<const char*, double> kUnits[] = {
      {"y", 365 * 86400.0}, {"w", 7 * 86400.0}, {"d", 86400}, {"h", 3600}, {"ms", 0.001}, {"m", 60}, {"s", 1}};
  double total = 0;
  std::size_t pos = 0, last_unit = 0;
  if (text.empty()) return std::nullopt;
  while (pos < text.size()) {
    std::size_t digits = pos;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == pos || digits - pos > 9) return std::nullopt;
    const double number = std::stod(text.substr(pos, digits - pos));
    std::size_t unit = 0;
    while (unit < std::size(kUnits) && text.compare(digits, std::strlen(kUnits[unit].first), kUnits[unit].first) != 0) {
      ++unit;
    }
    // Each unit at most once, largest first, as Prometheus requires ("1h30m", not "30m1h").
    if (unit == std::size(kUnits) || (pos > 0 && unit <= last_unit)) return std::nullopt;
    total += number * kUnits[unit].second;
    last_unit = unit;
    pos = digits + std::strlen(kUnits[unit].first);
  }
  if (total <= 0) return std::nullopt;
  return total;
}

std::string format_duration(double seconds) {
  static const std::pair<const char*, long long> kUnits[] = {{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}};
  long long rest = std::llround(seconds);
  if (rest <= 0) return format_number(seconds) + "s";
  std::string out;
  for (const auto& [name, size] : kUnits) {
    if (rest >= size) {
      out += std::to_string(rest / size) + name;
      rest %= size;
    }
  }
  return out;
}

std::size_t expected_points(double start, double end, double step) {
  if (step <= 0 || end < start) return 0;
  return static_cast<std::size_t>(std::floor((end - start) / step + 1e-9)) + 1;
}

std::vector<Gap> find_gaps(const std::vector<Sample>& samples, double start, double end, double step, double max_gap) {
  std::vector<Gap> gaps;
  const std::size_t points = expected_points(start, end, step);
  std::size_t next = 0;  // the first sample not yet matched to a step
  std::optional<Gap> open;
  for (std::size_t i = 0; i < points; ++i) {
    const double at = start + static_cast<double>(i) * step;
    // A sample belongs to the step it is closest to: servers answer at exactly the steps,
    // but allow for the float rounding of "start + i * step" on the wire.
    while (next < samples.size() && samples[next].time < at - step / 2) ++next;
    const bool present = next < samples.size() && samples[next].time <= at + step / 2;
    if (present) {
      ++next;
      if (open) {
        if (open->seconds > max_gap) gaps.push_back(*open);
        open.reset();
      }
      continue;
    }
    if (!open) open = Gap{at, at, 0, 0};
    open->to = at;
    ++open->missing_steps;
    open->seconds = static_cast<double>(open->missing_steps) * step;
  }
  if (open && open->seconds > max_gap) gaps.push_back(*open);
  return gaps;
}

}  // namespace lean::prometheus
