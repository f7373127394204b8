#include "gates/compare_report.hpp"

#include <doctest/doctest.h>

namespace lean {
namespace {

CompareResult accuracy_result() {
  CompareResult result;
  result.candidate_path = "new.json";
  result.baseline_path = "prod.json";
  result.metric = "accuracy";
  result.direction = {false, "\"accuracy\" is a score"};
  result.candidate = 0.91;
  result.baseline = 0.9;
  result.required = 0.9;
  result.meets_margin = result.primary_passed = result.promote = true;
  return result;
}

TEST_CASE("one fact, every rendering: the primary metric's row") {
  const CompareResult result = accuracy_result();
  const CompareRow row = primary_row(result);
  CHECK(row.check.name == "accuracy beats the baseline");
  CHECK(row.check.passed);
  CHECK(row.check.message ==
        "accuracy is 0.91 against 0.9 (+0.01, +1.11%), required >= 0.9, higher is better (\"accuracy\" is a score)");
  CHECK(row.cells.back() == "✅ better");

  const Outcome outcome = compare_outcome(result);
  REQUIRE(outcome.checks.size() == 1);
  CHECK(outcome.checks[0].message == row.check.message);
  CHECK(outcome.console == "PASS  " + row.check.message + "\nml-compare: promote: accuracy 0.91 meets >= 0.9\n");
  CHECK(outcome.fields["decision"] == "promote");
  CHECK(outcome.fields["primary"] == primary_json(result));
  CHECK(outcome.markdown_body.find("`accuracy`") != std::string::npos);
}

TEST_CASE("a regressed guard names itself in the reason and its row") {
  CompareResult result = accuracy_result();
  GuardResult guard;
  guard.guard.metric = "f1";
  guard.guard.spelled = "0.01";
  guard.direction = {false, "\"f1\" is a score"};
  guard.baseline = 0.8;
  guard.candidate = 0.7;
  guard.check = {0.79, false};
  result.guards = {guard};
  result.promote = false;
  const CompareRow row = guard_row(result, result.guards[0]);
  CHECK(row.check.name == "guard f1");
  CHECK_FALSE(row.check.passed);
  CHECK(row.cells.back() == "❌ regressed beyond 0.01");
  const Outcome outcome = compare_outcome(result);
  CHECK(outcome.fields["reason"] == "guard regressed: f1");
  CHECK(outcome.headline == "keep the baseline: guard regressed: f1");
  CHECK(outcome.fields["guards"][0] == guard_json(result, result.guards[0]));
  CHECK(outcome.fields["guards"][0]["direction_reason"] == "\"f1\" is a score");
}

TEST_CASE("no baseline yet: a skipped check and the rule's origin") {
  CompareResult result = accuracy_result();
  result.absent = "'prod.json' does not exist";
  const Outcome outcome = compare_outcome(result);
  CHECK(outcome.fields["reason"] ==
        "no baseline ('prod.json' does not exist); --if-no-baseline promote (the default for a baseline file)");
  REQUIRE(outcome.checks.size() == 1);
  CHECK(outcome.checks[0].skipped);
  CHECK(outcome.fields["primary"]["baseline"].is_null());
  CHECK(outcome.headline == "promote without a comparison");
}

TEST_CASE("a p near alpha gets the digits that tell it from alpha") {
  CompareResult result = accuracy_result();
  result.predictions = true;
  Significance s;
  s.description = "McNemar exact";
  s.n = 400;
  s.alpha = 0.05;
  s.p_value = 0.0462;
  result.significance = s;
  CHECK(primary_row(result).check.message ==
        "accuracy +0.010 (0.900 → 0.910), significant: p = 0.046 (McNemar exact, 400 paired rows)");
  CHECK(primary_row(result).cells[4] == "0.046");
  result.significance->p_value = 0.0504;  // not significant, yet 0.05 at two decimals
  result.primary_passed = false;
  CHECK(primary_row(result).check.message.find("(p = 0.0504 ≥ 0.05;") != std::string::npos);
  result.significance->p_value = 0.05;  // exactly alpha: two decimals say it
  CHECK(primary_row(result).check.message.find("(p = 0.05 ≥ 0.05;") != std::string::npos);
  result.significance->p_value = 0.21;
  CHECK(primary_row(result).check.message.find("(p = 0.21 ≥ 0.05;") != std::string::npos);
  result.significance->alpha = 1e-4;  // below 0.001: significant digits, never "< 0.001"
  result.significance->p_value = 4.6e-4;
  CHECK(primary_row(result).check.message.find("(p = 0.00046 ≥ 0.0001;") != std::string::npos);
}

}  // namespace
}  // namespace lean
