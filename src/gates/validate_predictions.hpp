#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "evaluate/evaluation.hpp"
#include "evaluate/predictions.hpp"
#include "metrics/expression.hpp"
#include "metrics/metrics.hpp"

namespace lean {

// ml-validate --predictions: what to read and which slices to check.
struct PredictionsRun {
  std::string path;
  PredictionColumns columns;  // columns.slice: --slice-by (empty: no slices)
  std::string average;        // --average; empty: the evaluator's default
  std::size_t min_slice_size = 30;
  std::vector<Requirement> slice_requirements;  // --require-slices
};

// The metrics computed from a predictions file (and per slice).
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

// Reads and evaluates the file; writes the metrics document to `write_metrics` unless empty.
PredictionMetrics evaluate_predictions(const PredictionsRun& run, const std::string& write_metrics);
// The value a requirement checks: none when the metric is undefined (or missing) and
// allow_missing, with why it is undefined; an input error naming the metric and why otherwise.
struct PredictionMetricValue {
  std::optional<double> value;
  std::string undefined;  // why the metric has no value on these rows; empty when missing or valued
};
PredictionMetricValue prediction_metric(const PredictionMetrics& run, const Evaluation& evaluation,
                                        const std::string& metric, bool allow_missing, const std::string& where);

// One --require-slices check on one slice.
struct SliceCheck {
  std::string slice;
  std::size_t n = 0;            // the slice's rows
  std::optional<double> value;  // none: missing, allowed by allow_missing (skipped)
  bool passed = false;
  std::string undefined;  // skipped: why the metric is undefined in the slice (empty: it is missing)
};
struct SliceRequirementResult {
  Requirement requirement;
  std::vector<SliceCheck> slices;  // worst first: the slices most likely to fail it
};
// What --predictions adds to ml-validate's result.
struct PredictionsResult {
  std::string path;
  Task task = Task::binary;
  std::string slice_column;  // empty: no --slice-by
  std::size_t min_slice_size = 0;
  std::size_t slices = 0;                                      // how many values the slice column holds
  std::vector<std::pair<std::string, std::size_t>> too_small;  // slices below min_slice_size, and their rows
  std::vector<SliceRequirementResult> slice_checks;
};
PredictionsResult check_slices(const PredictionMetrics& metrics, const PredictionsRun& run, bool allow_missing);

}  // namespace lean
