#pragma once

#include <boost/program_options.hpp>

#include "report/outcome.hpp"

namespace lean {

// ml-compare --candidate-predictions NEW.csv --baseline-predictions PROD.csv: the metrics
// computed from both files, paired row by row, and (with --significance) promoted only
// when the gain is also significant.
void declare_compare_prediction_options(boost::program_options::options_description& options);
bool wants_prediction_compare(const boost::program_options::variables_map& vm);
Outcome run_compare_predictions(const boost::program_options::variables_map& vm);

}  // namespace lean
