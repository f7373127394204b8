#include "gates/validate_predictions.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/files.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

// A computed metric that is not finite (mse of values near 1e200 overflows a double) is an
// input error naming it: JSON has no infinity, it would be written and checked as null.
void refuse_non_finite(const ordered_json& node, const std::string& name, const std::string& path,
                       const std::string& where) {
  if (node.is_object()) {
    for (const auto& [key, child] : node.items())
      refuse_non_finite(child, name.empty() ? key : name + "." + key, path, where);
  } else if (node.is_number_float() && !std::isfinite(node.get<double>())) {
    throw_input(path, "metric \"" + name + "\"" + where +
                          " overflows: it is not a finite number (the values are too large for a double)");
  }
}

// A lower value fails a >= or > check first: those slices are the worst.
bool lower_is_worse(Comparison op) { return op == Comparison::ge || op == Comparison::gt; }

}  // namespace

PredictionMetrics evaluate_predictions(const PredictionsRun& input, const std::string& write_metrics) {
  const PredictionColumns& columns = input.columns;
  PredictionMetrics run;
  run.path = input.path;
  const PredictionTable table = read_predictions_for_metrics(run.path, columns);
  run.task = table.task;
  const Evaluator evaluator(table, input.average);
  run.evaluation = evaluator.all();
  refuse_non_finite(run.evaluation.metrics, "", run.path, "");
  ordered_json document = metrics_document(run.evaluation, table);
  if (!columns.slice.empty()) {
    run.slice_column = columns.slice;
    std::map<std::string, std::vector<std::size_t>> rows_by_value;
    for (std::size_t row = 0; row < table.rows; ++row) rows_by_value[table.slice_values[row]].push_back(row);
    ordered_json slices = ordered_json::object();
    for (const auto& [value, rows] : rows_by_value) {
      const PredictionTable part = table.subset(rows);
      Evaluation evaluation = Evaluator(part, evaluator.average()).all();
      refuse_non_finite(evaluation.metrics, "", run.path, " in slice " + columns.slice + "=" + value);
      slices[value] = evaluation.metrics;
      run.slice_rows[value] = rows.size();
      run.slices.emplace(value, std::move(evaluation));
    }
    document["slices"] = {{columns.slice, slices}};
  }
  run.document = document;
  run.metrics = MetricSet::from_json(
      nlohmann::json::parse(document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), run.path);
  if (!write_metrics.empty())
    write_file_atomically(write_metrics, document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return run;
}

PredictionMetricValue prediction_metric(const PredictionMetrics& run, const Evaluation& evaluation,
                                        const std::string& metric, bool allow_missing, const std::string& where) {
  if (auto it = evaluation.undefined.find(metric); it != evaluation.undefined.end()) {
    if (allow_missing) return {std::nullopt, it->second};
    throw_input(evaluation.where_undefined(run.path, metric), metric + " is undefined" + where + ": " + it->second);
  }
  if (&evaluation == &run.evaluation)
    return {allow_missing ? run.metrics.find_number(metric) : run.metrics.number(metric), ""};
  // A slice's metric: its own set (a label absent from the slice has no per-class metrics).
  const MetricSet set = MetricSet::from_json(
      nlohmann::json::parse(evaluation.metrics.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
      run.path);
  return {allow_missing ? set.find_number(metric) : set.number(metric), ""};
}

PredictionsResult check_slices(const PredictionMetrics& run, const PredictionsRun& input, bool allow_missing) {
  PredictionsResult result;
  result.path = run.path;
  result.task = run.task;
  result.slice_column = run.slice_column;
  if (run.slice_column.empty()) return result;
  result.min_slice_size = input.min_slice_size;
  result.slices = run.slice_rows.size();
  for (const auto& [value, rows] : run.slice_rows) {
    if (rows < input.min_slice_size) result.too_small.emplace_back(value, rows);
  }
  for (const auto& req : input.slice_requirements) {
    SliceRequirementResult checked{req, {}};
    for (const auto& [value, evaluation] : run.slices) {
      const std::size_t rows = run.slice_rows.at(value);
      if (rows < input.min_slice_size) continue;
      const PredictionMetricValue metric =
          prediction_metric(run, evaluation, req.metric, allow_missing, " in slice " + run.slice_column + "=" + value);
      checked.slices.push_back({value, rows, metric.value,
                                metric.value ? compare(*metric.value, req.op, req.threshold) : true, metric.undefined});
    }
    // Worst first: the slices most likely to fail this check.
    std::stable_sort(checked.slices.begin(), checked.slices.end(), [&](const SliceCheck& a, const SliceCheck& b) {
      if (!a.value || !b.value) return a.value.has_value() && !b.value.has_value();
      return lower_is_worse(req.op) ? *a.value < *b.value : *a.value > *b.value;
    });
    result.slice_checks.push_back(std::move(checked));
  }
  return result;
}

}  // namespace lean
