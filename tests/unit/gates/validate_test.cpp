#include "gates/validate.hpp"

#include <doctest/doctest.h>

#include "test_util.hpp"

namespace lean {
namespace {

Requirement requirement(const std::string& text) { return parse_requirement(text); }

TEST_CASE("metrics files: merged, every requirement checked") {
  const test::TempDir dir;
  ValidateInput input;
  input.files = {dir.write("a.json", R"({"accuracy": 0.9})"), dir.write("b.json", R"({"loss": 0.4})")};
  input.requirements = {requirement("accuracy>=0.85"), requirement("loss<0.3")};
  const ValidateResult result = validate(input);
  REQUIRE(result.checks.size() == 2);
  CHECK(result.checks[0].value == 0.9);
  CHECK(result.checks[0].passed);
  CHECK(result.checks[1].value == 0.4);
  CHECK_FALSE(result.checks[1].passed);
  CHECK(result.sources == input.files);
}

TEST_CASE("a missing metric: an input error, or skipped with allow_missing") {
  const test::TempDir dir;
  ValidateInput input;
  input.files = {dir.write("a.json", R"({"accuracy": 0.9})")};
  input.requirements = {requirement("f1>=0.5")};
  CHECK(test::expect_error([&] { validate(input); }).status() == ExitStatus::input_data);
  input.allow_missing = true;
  const ValidateResult result = validate(input);
  REQUIRE(result.checks.size() == 1);
  CHECK_FALSE(result.checks[0].value);
  CHECK(result.checks[0].passed);
}

TEST_CASE("a history: aggregates over the window") {
  const test::TempDir dir;
  ValidateInput input;
  input.source = MetricsSource::history;
  input.history.path = dir.write("h.jsonl", "{\"accuracy\": 0.7}\n{\"accuracy\": 0.8}\n{\"accuracy\": 0.9}\n");
  input.history.window = 2;
  input.history.min_count = 2;
  input.requirements = {requirement("mean(accuracy)>=0.85"), requirement("count(accuracy)==2")};
  const ValidateResult result = validate(input);
  REQUIRE(result.history);
  CHECK(result.history->records == 2);
  CHECK(result.history->records_in_file == 3);
  CHECK(*result.checks[0].value == doctest::Approx(0.85));
  CHECK(result.checks[0].passed);
  CHECK(result.checks[1].passed);
}

TEST_CASE("predictions: the metrics computed from the file, and per slice, worst first") {
  const test::TempDir dir;
  ValidateInput input;
  input.source = MetricsSource::predictions;
  input.predictions.path = dir.write("p.csv", "y_true,y_pred,region\n1,1,eu\n0,0,eu\n1,0,us\n0,0,us\n");
  input.predictions.columns.slice = "region";
  input.predictions.min_slice_size = 1;
  input.predictions.slice_requirements = {requirement("accuracy>=0.9")};
  input.requirements = {requirement("accuracy>=0.7")};
  const ValidateResult result = validate(input);
  REQUIRE(result.checks.size() == 1);
  CHECK(*result.checks[0].value == doctest::Approx(0.75));
  REQUIRE(result.predictions);
  REQUIRE(result.predictions->slice_checks.size() == 1);
  const auto& slices = result.predictions->slice_checks[0].slices;
  REQUIRE(slices.size() == 2);
  CHECK(slices[0].slice == "us");  // 0.5: the worst for a >= check
  CHECK_FALSE(slices[0].passed);
  CHECK(slices[1].slice == "eu");
  CHECK(slices[1].passed);
}

}  // namespace
}  // namespace lean
