#include "metrics/expression.hpp"

#include <doctest/doctest.h>

using namespace lean;

namespace {
std::string parse_error(const std::string& text) {
  try {
    parse_requirement(text);
  } catch (const ExpressionError& e) {
    return e.what();
  }
  return "(parsed)";
}
}  // namespace

TEST_CASE("requirements parse with or without spaces") {
  Requirement r = parse_requirement("accuracy>=0.85");
  CHECK(r.metric == "accuracy");
  CHECK(r.op == Comparison::ge);
  CHECK(r.threshold == 0.85);
  CHECK(r.aggregate == Aggregate::none);

  r = parse_requirement("  /latency/p95_ms <= 50 ");
  CHECK(r.metric == "/latency/p95_ms");
  CHECK(r.op == Comparison::le);
  CHECK(r.threshold == 50);

  CHECK(parse_requirement("a>1e-3").threshold == 0.001);
  CHECK(parse_requirement("a > -2").threshold == -2);
  CHECK(parse_requirement("a<1").op == Comparison::lt);
  CHECK(parse_requirement("a>1").op == Comparison::gt);
  CHECK(parse_requirement("a==1").op == Comparison::eq);
  CHECK(parse_requirement("a!=1").op == Comparison::ne);
}

TEST_CASE("aggregates wrap the metric") {
  Requirement r = parse_requirement("mean(accuracy) >= 0.85");
  CHECK(r.aggregate == Aggregate::mean);
  CHECK(r.metric == "accuracy");
  CHECK(describe(r) == "mean(accuracy) >= 0.85");
  CHECK(parse_requirement("median( eval.f1 )>0.5").metric == "eval.f1");
  CHECK(parse_requirement("count(accuracy)>=7").aggregate == Aggregate::count);
}

TEST_CASE("malformed expressions explain themselves") {
  CHECK(parse_error("accuracy") == "expected PATH OP NUMBER with OP one of >=, >, <=, <, ==, !=");
  CHECK(parse_error("accuracy=>0.8") == "unknown operator \"=>\"; did you mean \">=\"? (use >=, >, <=, <, ==, !=)");
  CHECK(parse_error("accuracy=0.8") == "unknown operator \"=\"; did you mean \"==\"? (use >=, >, <=, <, ==, !=)");
  CHECK(parse_error("accuracy>>0.8") == "unknown operator \">>\" (use >=, >, <=, <, ==, !=)");
  CHECK(parse_error(">=0.8") == "missing the metric name before the operator");
  CHECK(parse_error("accuracy>=") == "missing the number after the operator");
  CHECK(parse_error("accuracy>=0.8x") == "\"0.8x\" is not a finite number");
  CHECK(parse_error("accuracy>=nan") == "\"nan\" is not a finite number");
  CHECK(parse_error("avg(accuracy)>=0.8") == "unknown aggregate \"avg\" (use mean, min, max, last, median, count)");
  CHECK(parse_error("meen(accuracy)>=0.8") ==
        "unknown aggregate \"meen\"; did you mean \"mean\"? (use mean, min, max, last, median, count)");
  CHECK(parse_error("mean(accuracy>=0.8") == "missing \")\" after the metric name");
  CHECK(parse_error("mean()>=0.8") == "missing the metric name inside mean()");
  CHECK(parse_error("my metric>=0.8") == "metric name \"my metric\" contains a space");
}

TEST_CASE("comparisons") {
  CHECK(compare(0.85, Comparison::ge, 0.85));
  CHECK_FALSE(compare(0.85, Comparison::gt, 0.85));
  CHECK(compare(1, Comparison::le, 1));
  CHECK(compare(0.5, Comparison::lt, 1));
  CHECK(compare(1, Comparison::eq, 1));
  CHECK(compare(1, Comparison::ne, 2));
}

TEST_CASE("aggregates over a window, oldest first") {
  std::vector<double> values = {0.9, 0.7, 0.8, 0.6};
  CHECK(aggregate_values(Aggregate::mean, values) == doctest::Approx(0.75));
  CHECK(aggregate_values(Aggregate::min, values) == 0.6);
  CHECK(aggregate_values(Aggregate::max, values) == 0.9);
  CHECK(aggregate_values(Aggregate::last, values) == 0.6);
  CHECK(aggregate_values(Aggregate::none, values) == 0.6);
  CHECK(aggregate_values(Aggregate::median, values) == doctest::Approx(0.75));
  CHECK(aggregate_values(Aggregate::median, {3, 1, 2}) == 2);
  CHECK(aggregate_values(Aggregate::count, values) == 4);
  CHECK(aggregate_values(Aggregate::count, {}) == 0);
}

TEST_CASE("comparisons use the relative floating-point tolerance") {
  CHECK(compare(0.1 + 0.2, Comparison::eq, 0.3));
  CHECK_FALSE(compare(0.1 + 0.2, Comparison::ne, 0.3));
  CHECK(compare(0.8499999999999999, Comparison::ge, 0.85));
  CHECK_FALSE(compare(0.8500000000000001, Comparison::gt, 0.85));
  CHECK(compare(0.86, Comparison::gt, 0.85));
  CHECK_FALSE(compare(0.8499999999999999, Comparison::lt, 0.85));
  CHECK(compare(0.8500000000000001, Comparison::le, 0.85));
}

TEST_CASE("mean uses compensated summation") {
  // Naive left-to-right summation loses the 1 beside 1e16 and returns 0.
  CHECK(aggregate_values(Aggregate::mean, {1e16, 1, -1e16}) == doctest::Approx(1.0 / 3));
  // Ten times 0.1 sums to 0.9999999999999999 naively, to 1 (Python's math.fsum) compensated.
  CHECK(aggregate_values(Aggregate::mean, std::vector<double>(10, 0.1)) == 0.1);
}
