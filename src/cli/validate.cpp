#include "cli/validate.hpp"

#include <algorithm>
#include <ctime>
#include <limits>

#include "cli/options.hpp"
#include "cli/prediction_options.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/limits.hpp"
#include "core/suggest.hpp"
#include "core/timestamp.hpp"
#include "gates/validate_report.hpp"
#include "metrics/metrics_formats.hpp"

namespace lean {
namespace {

// The expressions of a repeatable option (--require, --require-slices).
std::vector<Requirement> requirements_option(const po::variables_map& vm, const char* name) {
  std::vector<Requirement> out;
  for (const auto& text : strings_option(vm, name)) {
    try {
      out.push_back(parse_requirement(text));
    } catch (const ExpressionError& e) {
      throw_usage("invalid --" + std::string(name) + " \"" + text + "\": " + e.what());
    }
  }
  return out;
}

std::vector<Requirement> requirements_from_policy(const std::string& path) {
  std::string text;
  try {
    text = read_text_file(path);
  } catch (const Error& e) {
    throw_config(path, e.what());  // a policy is configuration: exit 2, not 3
  }
  if (json_nesting_depth(text) > limits::kJsonDepth) {
    throw_config(
        path, "nests deeper than " + std::to_string(limits::kJsonDepth) + " levels (the limit; see docs/hardening.md)");
  }
  nlohmann::json policy;
  try {
    policy = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {  // also out_of_range: a number like 1e999
    throw_config(path, "malformed JSON; a policy is {\"require\": [\"accuracy>=0.85\", ...]}");
  }
  if (!policy.is_object()) throw_config(path, "a policy is a JSON object: {\"require\": [\"accuracy>=0.85\", ...]}");
  for (const auto& [key, value] : policy.items()) {
    if (key == "require") continue;
    std::string message = "unknown policy key \"" + key + "\"";
    message += did_you_mean(key, {"require"});
    throw_config(path, message);
  }
  if (!policy.contains("require") || !policy["require"].is_array()) {
    throw_config(path, "\"require\" must be a list of expressions such as \"accuracy>=0.85\"");
  }
  std::vector<Requirement> out;
  for (const auto& item : policy["require"]) {
    if (!item.is_string()) throw_config(path, "\"require\" holds " + item.dump() + ", not an expression string");
    try {
      out.push_back(parse_requirement(item.get<std::string>()));
    } catch (const ExpressionError& e) {
      throw_config(path, "invalid requirement \"" + item.get<std::string>() + "\": " + e.what());
    }
  }
  return out;
}

std::vector<Requirement> slice_requirements(const po::variables_map& vm) {
  std::vector<Requirement> out = requirements_option(vm, "require-slices");
  for (const auto& req : out) {
    if (req.aggregate != Aggregate::none)
      throw_usage("\"" + req.text + "\" aggregates a history; --require-slices checks metrics");
  }
  return out;
}

void refuse_aggregates(const std::vector<Requirement>& requirements) {
  for (const auto& req : requirements) {
    if (req.aggregate != Aggregate::none) throw_usage("\"" + req.text + "\" aggregates a history; give --history FILE");
  }
}

// --window and --min-count: whole numbers of at least 1 ("-1" is an error, not 2^64 - 1).
std::size_t count_option(const po::variables_map& vm, const char* option, std::size_t fallback) {
  return whole_number_option(vm, option, 1, std::numeric_limits<std::uint64_t>::max()).value_or(fallback);
}

// --prometheus: each --query is a metric, evaluated now (or --at), or over --range.
void parse_prometheus_options(const po::variables_map& vm, ValidateOptions& options) {
  if (vm.count("metrics") || vm.count("history")) throw_usage("give metrics files, --history or --prometheus, not two");
  if (vm.count("window") || vm.count("min-count")) throw_usage("--window and --min-count need --history FILE");
  refuse_prediction_column_options(vm, "give --predictions FILE");
  if (!vm.count("query")) throw_usage("--prometheus needs at least one --query NAME=PROMQL");
  options.source = MetricsSource::prometheus;
  prometheus::GateRequest& request = options.prometheus;
  request.url = *string_option(vm, "prometheus");
  request.allow_missing = options.allow_missing;
  request.http.ca_bundle = ca_bundle_option(vm);
  for (const auto& text : strings_option(vm, "query")) {
    request.queries.push_back(prometheus::parse_gate_query(text));
    for (std::size_t i = 0; i + 1 < request.queries.size(); ++i) {
      if (request.queries[i].name == request.queries.back().name) {
        throw_usage("--query " + request.queries.back().name + " is given twice");
      }
    }
  }
  const auto duration = [&](const char* name) {
    const std::string text = *string_option(vm, name);
    const auto seconds = prometheus::parse_duration(text);
    if (!seconds)
      throw_usage("invalid --" + std::string(name) + " \"" + text + "\": a duration such as 90s, 5m, 24h, 1h30m");
    return *seconds;
  };
  if (const std::optional<std::string> text = string_option(vm, "at")) {
    const auto at = parse_timestamp(*text);
    if (!at) throw_usage("invalid --at \"" + *text + "\": use 2026-11-24T09:00Z or Unix seconds");
    request.at = *at;
  } else {
    request.at = static_cast<double>(std::time(nullptr));
  }
  if (vm.count("range")) {
    request.range = duration("range");
    if (vm.count("step")) request.step = duration("step");
    if (vm.count("max-gap")) request.max_gap = duration("max-gap");
    if (request.step > *request.range) throw_usage("--step is longer than --range");
  } else if (vm.count("step") || vm.count("max-gap") || vm.count("require-complete")) {
    throw_usage("--step, --max-gap and --require-complete need --range DURATION");
  }
  options.require_complete = flag_option(vm, "require-complete");
  std::vector<std::string> names;
  for (const auto& query : request.queries) names.push_back(query.name);
  for (const auto& req : options.requirements) {
    if (std::find(names.begin(), names.end(), req.metric) == names.end()) {
      std::string message = "\"" + req.text + "\" checks " + req.metric + ", which no --query names";
      message += did_you_mean(req.metric, names);
      throw_usage(message + " (queries: " + join_limited(names, 10) + ")");
    }
    if (req.aggregate != Aggregate::none && !request.range) {
      throw_usage("\"" + req.text + "\" aggregates over time; give --range DURATION");
    }
  }
  options.write_metrics = string_option_or(vm, "write-metrics");
}

// --predictions FILE with its column and slice options.
void parse_predictions_options(const po::variables_map& vm, ValidateOptions& options) {
  if (!options.files.empty() || vm.count("history"))
    throw_usage("give metrics files, --history or --predictions, not more than one");
  if (vm.count("window") || vm.count("min-count")) throw_usage("--window and --min-count need --history FILE");
  refuse_aggregates(options.requirements);
  options.source = MetricsSource::predictions;
  PredictionsRun& run = options.predictions;
  run.min_slice_size = *whole_number_option(vm, "min-slice-size", 0, std::numeric_limits<std::uint64_t>::max());
  run.columns = prediction_columns(vm);
  run.columns.slice = string_option_or(vm, "slice-by");
  if (vm.count("require-slices") && !vm.count("slice-by")) throw_usage("--require-slices needs --slice-by COL");
  run.path = *string_option(vm, "predictions");
  run.average = string_option_or(vm, "average");
  if (!run.columns.slice.empty()) run.slice_requirements = slice_requirements(vm);
  options.write_metrics = string_option_or(vm, "write-metrics");
}

// The files the run reads, which no output flag may name (ToolSpec::inputs).
std::vector<std::string> validate_input_files(const po::variables_map& vm) {
  std::vector<std::string> inputs;
  std::vector<std::string> metrics = strings_option(vm, "metrics");
  for (auto& run : strings_option(vm, "mlflow-run")) metrics.push_back(std::move(run));
  for (const auto& path : metrics) {
    for (auto& file : metrics_input_files(path)) inputs.push_back(std::move(file));
  }
  for (const char* option : {"policy", "history", "predictions"}) {
    if (const std::optional<std::string> path = string_option(vm, option)) inputs.push_back(*path);
  }
  return inputs;
}

}  // namespace

ValidateOptions parse_validate_options(const po::variables_map& vm) {
  ValidateOptions options;
  options.requirements = requirements_option(vm, "require");
  if (const std::optional<std::string> policy = string_option(vm, "policy")) {
    auto from_policy = requirements_from_policy(*policy);
    options.requirements.insert(options.requirements.end(), from_policy.begin(), from_policy.end());
  }
  if (options.requirements.empty() && !vm.count("require-slices") && !vm.count("write-metrics")) {
    throw_usage("nothing to check: give --require EXPR or --policy FILE");
  }
  options.allow_missing = flag_option(vm, "allow-missing");
  if (vm.count("prometheus")) {
    parse_prometheus_options(vm, options);
    return options;
  }
  for (const char* name : {"query", "at", "range", "step", "max-gap", "require-complete"}) {
    if (vm.count(name)) throw_usage("--" + std::string(name) + " needs --prometheus URL");
  }
  options.files = strings_option(vm, "metrics");
  if (std::count(options.files.begin(), options.files.end(), "-") > 1) {
    throw_usage("\"-\" (standard input) can be given only once");
  }
  for (auto& run : strings_option(vm, "mlflow-run")) options.files.push_back(std::move(run));
  if (vm.count("predictions")) {
    parse_predictions_options(vm, options);
    return options;
  }
  refuse_prediction_column_options(vm, "give --predictions FILE");
  if (vm.count("require-slices") || vm.count("slice-by") || vm.count("write-metrics")) {
    throw_usage(
        "--slice-by, --require-slices and --write-metrics need --predictions FILE (or --prometheus URL for "
        "--write-metrics)");
  }
  if (vm.count("history")) {
    if (!options.files.empty()) throw_usage("give metrics files or --history, not both");
    options.source = MetricsSource::history;
    options.history.window = count_option(vm, "window", 0);
    options.history.min_count = count_option(vm, "min-count", options.history.window ? options.history.window : 1);
    if (options.history.window && options.history.min_count > options.history.window) {
      throw_usage("--min-count cannot exceed --window");
    }
    options.history.path = *string_option(vm, "history");
    return options;
  }
  if (vm.count("window") || vm.count("min-count")) throw_usage("--window and --min-count need --history FILE");
  if (options.files.empty()) throw_usage("no metrics file given");
  refuse_aggregates(options.requirements);
  return options;
}

ToolSpec validate_tool() {
  ToolSpec spec;
  spec.name = "ml-validate";
  spec.synopsis =
      "ml-validate METRICS.json [MORE.json ...] --require EXPR [--require EXPR ...] [--policy FILE]\n"
      "       ml-validate --history FILE.jsonl [--window N] [--min-count N] --require 'mean(accuracy)>=0.85'\n"
      "       ml-validate --predictions PRED.csv [column options] [--slice-by COL --require-slices EXPR]\n"
      "                   [--write-metrics FILE] --require EXPR ...\n"
      "       ml-validate --prometheus URL --query NAME=PROMQL [--query ...] [--at TIME]\n"
      "                   [--range 24h [--step 5m] [--max-gap D] [--require-complete]] --require 'max(NAME)<0.05'";
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()(
        "metrics", po::value<std::vector<std::string>>()->composing()->value_name("FILE"),
        "metrics JSON file(s), merged; the same as the positional METRICS.json (\"-\": standard input)")(
        "require,r", po::value<std::vector<std::string>>()->composing()->value_name("EXPR"),
        "a check: PATH OP NUMBER, OP one of >= > <= < == != (repeatable)")(
        "policy", po::value<std::string>()->value_name("FILE"), "JSON file {\"require\": [EXPR, ...]}")(
        "allow-missing", "skip a check whose metric is missing instead of failing with exit 3")(
        "history", po::value<std::string>()->value_name("FILE"),
        "JSON Lines file, one metrics object per line (\"-\": standard input)")(
        "window", po::value<std::string>()->value_name("N"), "with --history: only the last N records count")(
        "min-count", po::value<std::string>()->value_name("N"),
        "with --history: fewest records accepted (default: the window)")(
        "prometheus", po::value<std::string>()->value_name("URL"),
        "a Prometheus query API (Prometheus, Thanos, Mimir, VictoriaMetrics): the metrics are --query results")(
        "query", po::value<std::vector<std::string>>()->composing()->value_name("NAME=PROMQL"),
        "with --prometheus: a PromQL query whose value is metric NAME (repeatable)")(
        "at", po::value<std::string>()->value_name("TIME"),
        "with --prometheus: evaluate at TIME (RFC 3339 or Unix seconds; default: now), the end of a --range")(
        "range", po::value<std::string>()->value_name("DURATION"),
        "with --prometheus: evaluate over the last DURATION (24h); checks aggregate: max(NAME) < 0.05")(
        "step", po::value<std::string>()->value_name("DURATION"), "with --range: the resolution (default: 5m)")(
        "max-gap", po::value<std::string>()->value_name("DURATION"),
        "with --range: missing points up to this long are not reported as a gap (default: 0)")(
        "require-complete", "with --range: a gap in the data fails the gate")(
        "ca-bundle", po::value<std::string>()->value_name("FILE"),
        "with --prometheus or s3:// inputs: PEM file of the CAs to trust for https");
    declare_s3_options(options, false);
    options.add_options()("mlflow-run", po::value<std::vector<std::string>>()->composing()->value_name("DIR"),
                          "an MLflow file-store run folder (mlruns/<experiment>/<run_id>) as a metrics file");
    options.add_options()(
        "predictions", po::value<std::string>()->value_name("FILE"),
        "compute the metrics from a predictions CSV/TSV (plain or gzip) instead of reading a metrics file");
    declare_prediction_column_options(options);
    options.add_options()("slice-by", po::value<std::string>()->value_name("COL"),
                          "also compute every metric per value of COL")(
        "min-slice-size", po::value<std::string>()->default_value("30")->value_name("N"),
        "--require-slices checks only slices of at least N rows")(
        "require-slices", po::value<std::vector<std::string>>()->composing()->value_name("EXPR"),
        "a check every slice must pass (repeatable)")(
        "write-metrics", po::value<std::string>()->value_name("FILE"),
        "with --predictions or --prometheus: write the computed or queried metrics as a metrics JSON");
    positional.add("metrics", -1);
  };
  spec.run = [](const po::variables_map& vm) { return validate_outcome(validate(parse_validate_options(vm))); };
  spec.inputs = validate_input_files;
  return spec;
}

int validate_main(int argc, const char* const* argv) { return run_tool(validate_tool(), argc, argv); }

}  // namespace lean
