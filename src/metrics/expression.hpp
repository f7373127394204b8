#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace lean {

enum class Comparison { ge, gt, le, lt, eq, ne };

// How a history window is reduced to one value: "mean(accuracy) >= 0.85".
enum class Aggregate { none, mean, min, max, last, median, count };

// One gate condition, "PATH OP NUMBER" or "AGG(PATH) OP NUMBER".
struct Requirement {
  std::string text;  // as written
  Aggregate aggregate = Aggregate::none;
  std::string metric;
  Comparison op = Comparison::ge;
  double threshold = 0;
};

// Thrown for an expression that does not parse; the caller names where it came from.
class ExpressionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

Requirement parse_requirement(const std::string& text);

bool compare(double value, Comparison op, double threshold);
const char* comparison_text(Comparison op);
const char* aggregate_name(Aggregate aggregate);

// Reduces values (oldest first) by the aggregate; `none` and `last` take the newest.
double aggregate_values(Aggregate aggregate, std::vector<double> values);

// "mean(accuracy) >= 0.85", the canonical spelling of a requirement.
std::string describe(const Requirement& requirement);

}  // namespace lean
