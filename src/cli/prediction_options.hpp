#pragma once

#include <boost/program_options.hpp>

#include "evaluate/predictions.hpp"

namespace lean {

// The column options ml-validate --predictions and ml-compare --candidate-predictions share,
// declared and read (by each tool's parse function) once.
void declare_prediction_column_options(boost::program_options::options_description& options);
PredictionColumns prediction_columns(const boost::program_options::variables_map& vm);
// A column option given where no predictions file is read would be ignored: a usage error
// "--OPTION reads predictions files: NEEDS" instead.
void refuse_prediction_column_options(const boost::program_options::variables_map& vm, const std::string& needs);

}  // namespace lean
