#pragma once

#include "gates/compare.hpp"

namespace lean {

// ml-compare --candidate-predictions NEW.csv --baseline-predictions PROD.csv: the metrics
// computed from both files, paired row by row, and (with a significance level) promoted
// only when the gain is also significant. `input.predictions` is set.
CompareResult compare_predictions(const CompareInput& input);

}  // namespace lean
