#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "evaluate/evaluation.hpp"
#include "metrics/expression.hpp"
#include "metrics/metrics.hpp"
#include "report/outcome.hpp"

namespace lean {

// ml-validate --predictions: the metrics computed from a predictions file (and per slice).
struct PredictionMetrics {
  std::string path;
  Task task = Task::binary;
  Evaluation evaluation;  // the whole file; slices under metrics["slices"][column][value]
  std::map<std::string, Evaluation> slices;
  std::map<std::string, std::size_t> slice_rows;
  std::string slice_column;
  nlohmann::ordered_json document;  // what --write-metrics writes
  MetricSet metrics;
};

void declare_validate_prediction_options(boost::program_options::options_description& options);
// Reads, evaluates and (with --write-metrics) writes the metrics.
PredictionMetrics evaluate_predictions_option(const boost::program_options::variables_map& vm);
// The value a requirement checks: nullopt when the metric is undefined and --allow-missing;
// an input error naming the metric and why otherwise.
std::optional<double> prediction_metric(const PredictionMetrics& run, const Evaluation& evaluation,
                                        const std::string& metric, bool allow_missing, const std::string& where);
// The --require-slices checks, added to an outcome built from the --require checks.
void add_slice_checks(const PredictionMetrics& run, const boost::program_options::variables_map& vm, bool allow_missing,
                      Outcome& outcome);

}  // namespace lean
