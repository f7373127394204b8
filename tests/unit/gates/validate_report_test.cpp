#include "gates/validate_report.hpp"

#include <doctest/doctest.h>

namespace lean {
namespace {

TEST_CASE("one check, every rendering") {
  ValidateResult result;
  result.sources = {"m.json"};
  result.checks = {{parse_requirement("accuracy>=0.85"), 0.9, true, ""},
                   {parse_requirement("loss<0.3"), 0.4, false, ""},
                   {parse_requirement("f1>0.5"), std::nullopt, true, ""}};
  const ValidateRow row = requirement_row(result.checks[1]);
  CHECK(row.check.name == describe(result.checks[1].requirement));
  CHECK(row.check.message == "loss is 0.4, required < 0.3");
  CHECK(row.cells.back() == "❌ fail");
  CHECK(row.report["value"] == 0.4);
  CHECK(requirement_row(result.checks[2]).report["skipped"] == true);

  const Outcome outcome = validate_outcome(result);
  CHECK(outcome.status == ExitStatus::gate_failed);
  CHECK(outcome.fields["checks"][1] == row.report);
  CHECK(outcome.fields["passed"] == 1);
  CHECK(outcome.fields["failed"] == 1);
  CHECK(outcome.fields["skipped"] == 1);
  CHECK(outcome.headline == "1 of 3 checks failed, 1 skipped");
  CHECK(outcome.console ==
        "PASS  accuracy is 0.9 (>= 0.85)\nFAIL  loss is 0.4, required < 0.3\n"
        "SKIP  f1 is missing (allowed by --allow-missing)\n"
        "ml-validate: fail (1 of 3 checks failed, 1 skipped)\n");
}

TEST_CASE("slice checks count in the report, the headline and the dotenv alike") {
  ValidateResult result;
  result.sources = {"p.csv"};
  result.checks = {{parse_requirement("n>0"), 4, true, ""}};
  PredictionsResult predictions;
  predictions.path = "p.csv";
  predictions.slice_column = "g";
  predictions.slices = 2;
  SliceRequirementResult accuracy{parse_requirement("accuracy>0.9"),
                                  {{"a", 2, 0.5, false, ""}, {"b", 2, 1.0, true, ""}}};
  SliceRequirementResult auc{parse_requirement("roc_auc>0.5"),
                             {{"a", 2, std::nullopt, true, "y_true holds one class only"}}};
  predictions.slice_checks = {accuracy, auc};
  result.predictions = predictions;

  const Outcome outcome = validate_outcome(result);
  CHECK(outcome.status == ExitStatus::gate_failed);
  CHECK(outcome.fields["passed"] == 2);
  CHECK(outcome.fields["failed"] == 1);
  CHECK(outcome.fields["skipped"] == 1);
  CHECK(outcome.headline == "1 of 4 checks failed, 1 skipped (3 on slices of g)");
  const std::vector<std::pair<std::string, std::string>> dotenv = {{"PASSED", "2"}, {"FAILED", "1"}, {"SKIPPED", "1"}};
  CHECK(outcome.dotenv == dotenv);
  CHECK(outcome.checks[3].message ==
        "roc_auc in slice g=a is undefined: y_true holds one class only (allowed by --allow-missing)");
  CHECK(outcome.fields["slices"]["checks"][2]["skip_reason"] ==
        "metric undefined: y_true holds one class only, allowed by --allow-missing");
}

}  // namespace
}  // namespace lean
