#include "gates/validate_report.hpp"

#include <doctest/doctest.h>

namespace lean {
namespace {

TEST_CASE("one check, every rendering") {
  ValidateResult result;
  result.sources = {"m.json"};
  result.checks = {{parse_requirement("accuracy>=0.85"), 0.9, true},
                   {parse_requirement("loss<0.3"), 0.4, false},
                   {parse_requirement("f1>0.5"), std::nullopt, true}};
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

}  // namespace
}  // namespace lean
