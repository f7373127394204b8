#include "gates/compare.hpp"

#include <doctest/doctest.h>

#include "test_util.hpp"

namespace lean {
namespace {

CompareInput metrics_files(const test::TempDir& dir, const std::string& candidate, const std::string& baseline) {
  CompareInput input;
  input.candidate = dir.write("new.json", candidate);
  input.baseline = dir.write("prod.json", baseline);
  input.metric = "accuracy";
  return input;
}

TEST_CASE("the candidate must beat the baseline by the margin") {
  const test::TempDir dir;
  CompareInput input = metrics_files(dir, R"({"accuracy": 0.91})", R"({"accuracy": 0.90})");
  input.margin = {0.005, false};
  CompareResult result = compare(input);
  CHECK(result.baseline == 0.90);
  CHECK(result.candidate == 0.91);
  CHECK(result.required == doctest::Approx(0.905));
  CHECK(result.primary_passed);
  CHECK(result.promote);
  CHECK_FALSE(result.direction.lower_is_better);  // inferred from the name

  input.margin = {0.02, true};  // 2 % of 0.90: 0.918 needed
  result = compare(input);
  CHECK(result.required == doctest::Approx(0.918));
  CHECK_FALSE(result.promote);
}

TEST_CASE("a regressed guard keeps the baseline, whatever the primary metric") {
  const test::TempDir dir;
  CompareInput input =
      metrics_files(dir, R"({"accuracy": 0.95, "latency_ms": 130})", R"({"accuracy": 0.90, "latency_ms": 100})");
  Guard guard;
  guard.metric = "latency_ms";
  guard.tolerance = 0.1;
  guard.relative = true;
  guard.spelled = "10%";
  input.guards = {guard};
  const CompareResult result = compare(input);
  CHECK(result.primary_passed);
  REQUIRE(result.guards.size() == 1);
  CHECK(result.guards[0].direction.lower_is_better);  // "latency": lower is better by its name
  CHECK(result.guards[0].check.bound == doctest::Approx(110));
  CHECK_FALSE(result.guards[0].passed);
  CHECK(result.regressed() == std::vector<std::string>{"latency_ms"});
  CHECK_FALSE(result.promote);
}

TEST_CASE("a relative margin against a baseline of 0 asks for any strict gain") {
  const test::TempDir dir;
  CompareInput input = metrics_files(dir, R"({"accuracy": 0.001})", R"({"accuracy": 0})");
  input.margin = {0.5, true};
  const CompareResult result = compare(input);
  CHECK(result.relative_to_zero);
  CHECK(result.promote);
}

TEST_CASE("no baseline file: promoted by default, kept when asked") {
  const test::TempDir dir;
  CompareInput input;
  input.candidate = dir.write("new.json", R"({"accuracy": 0.9})");
  input.baseline = dir.file("missing.json");
  input.metric = "accuracy";
  CompareResult result = compare(input);
  REQUIRE(result.absent);
  CHECK(*result.absent == "'" + input.baseline + "' does not exist");
  CHECK(no_baseline_rule(result) == "promote");
  CHECK(result.promote);
  input.if_no_baseline = "fail";
  result = compare(input);
  CHECK_FALSE(result.promote);
}

TEST_CASE("predictions files: the metrics computed from both, paired by order") {
  const test::TempDir dir;
  CompareInput input;
  input.metric = "accuracy";
  PredictionsInput predictions;
  predictions.candidate = dir.write("new.csv", "y_true,y_pred\n1,1\n0,0\n1,1\n0,1\n");
  predictions.baseline = dir.write("prod.csv", "y_true,y_pred\n1,0\n0,0\n1,1\n0,1\n");
  input.predictions = predictions;
  const CompareResult result = compare(input);
  CHECK(result.predictions);
  CHECK(result.candidate == doctest::Approx(0.75));
  CHECK(result.baseline == doctest::Approx(0.5));
  CHECK(result.meets_margin);
  CHECK_FALSE(result.significance);
  CHECK(result.promote);
  CHECK(prediction_metric_direction("log_loss").lower_is_better);
}

}  // namespace
}  // namespace lean
