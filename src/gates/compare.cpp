#include "gates/compare.hpp"

#include <cmath>
#include <filesystem>

#include "gates/compare_predictions.hpp"
#include "input/s3_input.hpp"
#include "metrics/metrics.hpp"
#include "metrics/tolerance.hpp"
#include "registry/registry.hpp"

namespace lean {
namespace {

// The baseline's metrics, from a file or from the version a registry channel points to.
struct Baseline {
  std::optional<MetricSet> metrics;  // none: no baseline yet (the --if-no-baseline rule)
  std::string absent;                // why there is none: "'prod.json' does not exist"
};

Baseline load_baseline(const CompareInput& input, CompareResult& result) {
  Baseline baseline;
  if (!input.registry) {
    std::error_code ec;
    const std::string& path = input.baseline;
    if (path == "-" || input::is_s3_url(path) || std::filesystem::exists(path, ec))
      baseline.metrics = MetricSet::load(path);
    else baseline.absent = "'" + path + "' does not exist";
    return baseline;
  }
  const RegistryBaselineSource& source = *input.registry;
  std::unique_ptr<Storage> storage = open_storage(source.url, source.connection);
  Registry registry(*storage);
  result.registry = RegistryBaselineFacts{storage->describe(), source.model, source.channel,
                                          std::nullopt,        std::nullopt, std::nullopt};
  const bool promote_without_baseline = input.if_no_baseline == "promote";
  if (std::optional<std::string> gap =
          registry_gap(*storage, source.url, source.model, source.channel, promote_without_baseline)) {
    baseline.absent = *gap;
  } else if (auto found = registry.channel_metrics(source.model, source.channel)) {
    result.registry->version = found->version;
    baseline.metrics = MetricSet::parse(found->metrics_json, found->source);
  } else {
    baseline.absent = "model " + source.model + " has no channel \"" + source.channel + "\"";
  }
  return baseline;
}

CompareResult compare_metrics_files(const CompareInput& input) {
  CompareResult result;
  result.candidate_path = input.candidate;
  result.baseline_path = input.registry ? "" : input.baseline;
  result.metric = input.metric;
  result.direction = input.direction ? *input.direction : infer_direction(input.metric);
  result.margin = input.margin;
  result.if_no_baseline = input.if_no_baseline;
  const MetricSet candidate = MetricSet::load(input.candidate);
  result.candidate = candidate.number(input.metric);
  const Baseline source = load_baseline(input, result);
  if (!source.metrics) {
    result.absent = source.absent;
    result.promote = no_baseline_rule(result) == "promote";
    result.primary_passed = result.promote;
    return result;
  }
  const MetricSet& baseline = *source.metrics;
  result.baseline = baseline.number(input.metric);
  const double sign = result.direction.lower_is_better ? -1.0 : 1.0;
  const double margin_abs =
      input.margin.relative ? input.margin.value * std::fabs(result.baseline) : input.margin.value;
  result.required = result.baseline + sign * margin_abs;
  // No relative change can be measured against 0: any strict improvement counts.
  result.relative_to_zero = input.margin.relative && result.baseline == 0 && input.margin.value > 0;
  result.meets_margin =
      result.relative_to_zero ? sign * result.candidate > 0 : at_least(sign * result.candidate, sign * result.required);
  result.primary_passed = result.meets_margin;
  for (const auto& guard : input.guards) {
    GuardResult g;
    g.guard = guard;
    g.direction = guard_direction(guard, infer_direction);
    g.baseline = baseline.number(guard.metric);
    g.candidate = candidate.number(guard.metric);
    g.check = check_guard(guard, g.direction, g.baseline, g.candidate);
    g.passed = g.check.within;
    result.guards.push_back(std::move(g));
  }
  result.promote = result.primary_passed && result.regressed().empty();
  return result;
}

}  // namespace

std::vector<std::string> CompareResult::regressed() const {
  std::vector<std::string> names;
  for (const auto& guard : guards) {
    if (!guard.passed) names.push_back(guard.guard.metric);
  }
  return names;
}

std::string no_baseline_rule(const CompareResult& result) {
  // A missing file is how a project's first run looks; a registry that lacks the model
  // or channel is as likely a typo, so there promoting must be asked for.
  if (!result.if_no_baseline.empty()) return result.if_no_baseline;
  return result.registry ? "fail" : "promote";
}

CompareResult compare(const CompareInput& input) {
  return input.predictions ? compare_predictions(input) : compare_metrics_files(input);
}

Direction prediction_metric_direction(const std::string& metric) {
  for (const char* name :
       {"mae", "mse", "rmse", "log_loss", "brier_score", "mape", "median_absolute_error", "max_error", "fp", "fn"}) {
    if (metric == name) return {true, "\"" + metric + "\" is a loss"};
  }
  return infer_direction(metric);
}

}  // namespace lean
