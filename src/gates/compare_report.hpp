#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gates/compare.hpp"
#include "report/outcome.hpp"

namespace lean {

// ml-compare's renderings, all derived from its CompareResult: each fact (the primary metric,
// a guard) is worded once into a CompareRow, from which the JUnit check, the console line and
// the markdown row come, and once into its report object.
struct CompareRow {
  Check check;                     // JUnit; its message is also the console line
  std::vector<std::string> cells;  // the markdown row
};
CompareRow primary_row(const CompareResult& result);
CompareRow guard_row(const CompareResult& result, const GuardResult& guard);
nlohmann::ordered_json primary_json(const CompareResult& result);
nlohmann::ordered_json guard_json(const CompareResult& result, const GuardResult& guard);
nlohmann::ordered_json significance_json(const Significance& significance);

// The report, markdown, JUnit checks, console and dotenv of a comparison.
Outcome compare_outcome(const CompareResult& result);

}  // namespace lean
