#include "gates/validate.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/files.hpp"
#include "metrics/history.hpp"
#include "metrics/metrics.hpp"

namespace lean {
namespace {

RequirementResult check(const Requirement& requirement, std::optional<double> value) {
  return {requirement, value, value ? compare(*value, requirement.op, requirement.threshold) : true, ""};
}

void validate_prometheus(const ValidateInput& input, ValidateResult& result) {
  const std::vector<prometheus::GateSeries> series = prometheus::query_for_gate(input.prometheus);
  for (const auto& req : input.requirements) {
    const auto& s = *std::find_if(series.begin(), series.end(), [&](const auto& x) { return x.name == req.metric; });
    std::optional<double> value;
    if (!s.missing) value = aggregate_values(req.aggregate, s.values);
    result.checks.push_back(check(req, value));
  }
  result.sources = {prometheus::shown_url(input.prometheus.url)};
  if (!input.write_metrics.empty()) {
    write_file_atomically(input.write_metrics,
                          prometheus::gate_metrics_json(series, input.prometheus.range.has_value()).dump(2) + "\n");
  }
  result.prometheus = series;
  result.prometheus_range = input.prometheus.range;
  result.require_complete = input.require_complete;
}

void validate_predictions(const ValidateInput& input, ValidateResult& result) {
  const PredictionMetrics run = evaluate_predictions(input.predictions, input.write_metrics);
  for (const auto& req : input.requirements) {
    const PredictionMetricValue metric = prediction_metric(run, run.evaluation, req.metric, input.allow_missing, "");
    RequirementResult checked = check(req, metric.value);
    checked.undefined = metric.undefined;
    result.checks.push_back(std::move(checked));
  }
  result.sources = {run.path};
  result.predictions = check_slices(run, input.predictions, input.allow_missing);
}

void validate_history(const ValidateInput& input, ValidateResult& result) {
  std::vector<std::string> checked;
  for (const auto& req : input.requirements) checked.push_back(req.metric);
  const History history = load_history(input.history.path, input.history.window, input.history.min_count, checked);
  for (const auto& req : input.requirements) {
    // count() and last() look only at the records that have the metric: a metric logged
    // every few records is still counted, and its latest value is the last one.
    const bool sparse =
        req.aggregate == Aggregate::count || req.aggregate == Aggregate::last || req.aggregate == Aggregate::none;
    std::vector<double> values = history.values(req.metric, input.allow_missing || sparse);
    std::optional<double> value;
    if (!values.empty() || req.aggregate == Aggregate::count) value = aggregate_values(req.aggregate, values);
    else if (!input.allow_missing) history.records.back().metrics.number(req.metric);  // the usual "no metric" error
    if (value && !std::isfinite(*value)) {
      throw_input(history.path, std::string(aggregate_name(req.aggregate)) + "(" + req.metric + ") over " +
                                    history.describe_window() +
                                    " is not a finite number (the values overflow a double)");
    }
    result.checks.push_back(check(req, value));
  }
  result.sources = {history.path};
  result.history = ValidateResult::HistoryFacts{history.path, history.records.size(), history.total_records};
}

void validate_files(const ValidateInput& input, ValidateResult& result) {
  MetricSet metrics = MetricSet::load(input.files.front());
  for (std::size_t i = 1; i < input.files.size(); ++i) metrics.merge(MetricSet::load(input.files[i]));
  for (const auto& req : input.requirements) {
    result.checks.push_back(
        check(req, input.allow_missing ? metrics.find_number(req.metric) : metrics.number(req.metric)));
  }
  for (const auto& file : input.files) result.sources.push_back(file == "-" ? "stdin" : file);
}

}  // namespace

ValidateResult validate(const ValidateInput& input) {
  ValidateResult result;
  switch (input.source) {
    case MetricsSource::prometheus: validate_prometheus(input, result); break;
    case MetricsSource::predictions: validate_predictions(input, result); break;
    case MetricsSource::history: validate_history(input, result); break;
    case MetricsSource::files: validate_files(input, result); break;
  }
  return result;
}

}  // namespace lean
