#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gates/validate.hpp"
#include "report/outcome.hpp"

namespace lean {

// ml-validate's renderings, all derived from its ValidateResult: each check (a requirement,
// a requirement on one slice) is worded once into a ValidateRow, from which its report
// object, JUnit check, console line and markdown row come.
struct ValidateRow {
  Check check;                     // JUnit; its message is also the console line
  std::vector<std::string> cells;  // the markdown row
  nlohmann::ordered_json report;   // the report's object of the check
};
ValidateRow requirement_row(const RequirementResult& result);
ValidateRow slice_row(const std::string& column, const Requirement& requirement, const SliceCheck& slice);

// The report, markdown, JUnit checks, console and dotenv of a validation.
Outcome validate_outcome(const ValidateResult& result);

}  // namespace lean
