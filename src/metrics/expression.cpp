#include "metrics/expression.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/format.hpp"
#include "core/suggest.hpp"
#include "metrics/tolerance.hpp"

namespace lean {
namespace {

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

struct OperatorSpelling {
  const char* text;
  Comparison op;
};
constexpr OperatorSpelling kOperators[] = {{">=", Comparison::ge}, {"<=", Comparison::le}, {"==", Comparison::eq},
                                           {"!=", Comparison::ne}, {">", Comparison::gt},  {"<", Comparison::lt}};

constexpr std::pair<const char*, Aggregate> kAggregates[] = {
    {"mean", Aggregate::mean}, {"min", Aggregate::min},       {"max", Aggregate::max},
    {"last", Aggregate::last}, {"median", Aggregate::median}, {"count", Aggregate::count}};

double parse_threshold(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty()) throw ExpressionError("missing the number after the operator");
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    throw ExpressionError("\"" + text + "\" is not a finite number");
  }
  return value;
}

}  // namespace

Requirement parse_requirement(const std::string& text) {
  Requirement req;
  req.text = text;
  const auto op_start = text.find_first_of("<>=!");
  if (op_start == std::string::npos) {
    throw ExpressionError("expected PATH OP NUMBER with OP one of >=, >, <=, <, ==, !=");
  }
  auto op_end = text.find_first_not_of("<>=!", op_start);
  if (op_end == std::string::npos) op_end = text.size();
  const std::string spelled = text.substr(op_start, op_end - op_start);
  bool known = false;
  for (const auto& candidate : kOperators) {
    if (spelled == candidate.text) {
      req.op = candidate.op;
      known = true;
    }
  }
  if (!known) {
    std::string message = "unknown operator \"" + spelled + "\"";
    if (spelled == "=") message += "; did you mean \"==\"?";
    else if (spelled == "=>") message += "; did you mean \">=\"?";
    else if (spelled == "=<") message += "; did you mean \"<=\"?";
    throw ExpressionError(message + " (use >=, >, <=, <, ==, !=)");
  }
  std::string left = trim(text.substr(0, op_start));
  req.threshold = parse_threshold(trim(text.substr(op_end)));
  if (left.empty()) throw ExpressionError("missing the metric name before the operator");

  if (auto open = left.find('('); open != std::string::npos) {
    if (left.back() != ')') throw ExpressionError("missing \")\" after the metric name");
    const std::string function = trim(left.substr(0, open));
    req.metric = trim(left.substr(open + 1, left.size() - open - 2));
    std::vector<std::string> names;
    for (const auto& [name, aggregate] : kAggregates) {
      names.push_back(name);
      if (function == name) req.aggregate = aggregate;
    }
    if (req.aggregate == Aggregate::none) {
      std::string message = "unknown aggregate \"" + function + "\"";
      message += did_you_mean(function, names);
      throw ExpressionError(message + " (use mean, min, max, last, median, count)");
    }
    if (req.metric.empty()) throw ExpressionError("missing the metric name inside " + function + "()");
  } else {
    req.metric = left;
  }
  if (req.metric.find_first_of(" \t") != std::string::npos) {
    throw ExpressionError("metric name \"" + req.metric + "\" contains a space");
  }
  return req;
}

bool compare(double value, Comparison op, double threshold) {
  // Within the tolerance the two are equal: 0.1 + 0.2 == 0.3, and a mean of 0.85 computed
  // as 0.8499999999999999 meets >= 0.85 (docs/conventions.md).
  const bool equal = nearly_equal(value, threshold);
  switch (op) {
    case Comparison::ge: return value >= threshold || equal;
    case Comparison::gt: return value > threshold && !equal;
    case Comparison::le: return value <= threshold || equal;
    case Comparison::lt: return value < threshold && !equal;
    case Comparison::eq: return equal;
    case Comparison::ne: return !equal;
  }
  return false;
}

namespace {

// Neumaier's compensated sum: the rounding error of each addition is carried along, so a
// mean over many records does not drift (std::accumulate loses up to n/2 ulps).
double compensated_sum(const std::vector<double>& values) {
  double sum = 0, compensation = 0;
  for (double v : values) {
    const double t = sum + v;
    compensation += std::fabs(sum) >= std::fabs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  return sum + compensation;
}

}  // namespace

const char* comparison_text(Comparison op) {
  for (const auto& candidate : kOperators) {
    if (candidate.op == op) return candidate.text;
  }
  return "?";
}

const char* aggregate_name(Aggregate aggregate) {
  for (const auto& [name, value] : kAggregates) {
    if (value == aggregate) return name;
  }
  return "";
}

double aggregate_values(Aggregate aggregate, std::vector<double> values) {
  switch (aggregate) {
    case Aggregate::count: return static_cast<double>(values.size());
    case Aggregate::none:
    case Aggregate::last: return values.back();
    case Aggregate::min: return *std::min_element(values.begin(), values.end());
    case Aggregate::max: return *std::max_element(values.begin(), values.end());
    case Aggregate::mean: return compensated_sum(values) / static_cast<double>(values.size());
    case Aggregate::median: {
      std::sort(values.begin(), values.end());
      const std::size_t mid = values.size() / 2;
      return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
  }
  return values.back();
}

std::string describe(const Requirement& requirement) {
  std::string left = requirement.aggregate == Aggregate::none
                         ? requirement.metric
                         : std::string(aggregate_name(requirement.aggregate)) + "(" + requirement.metric + ")";
  return left + " " + comparison_text(requirement.op) + " " + format_number(requirement.threshold);
}

}  // namespace lean
