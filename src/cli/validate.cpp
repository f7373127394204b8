#include "cli/validate.hpp"

#include <algorithm>
#include <ctime>
#include <cmath>
#include <optional>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/printable.hpp"
#include "core/limits.hpp"
#include "core/suggest.hpp"
#include "core/timestamp.hpp"
#include "gates/validate_predictions.hpp"
#include "metrics/expression.hpp"
#include "metrics/history.hpp"
#include "metrics/metrics.hpp"
#include "metrics/metrics_formats.hpp"
#include "prometheus/gate.hpp"
#include "metrics/tolerance.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

std::vector<Requirement> requirements_from_flags(const std::vector<std::string>& texts) {
  std::vector<Requirement> out;
  for (const auto& text : texts) {
    try {
      out.push_back(parse_requirement(text));
    } catch (const ExpressionError& e) {
      throw_usage("invalid --require \"" + text + "\": " + e.what());
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
    throw_config(path, "nests deeper than " + std::to_string(limits::kJsonDepth) + " levels (the limit; see docs/hardening.md)");
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

struct CheckResult {
  const Requirement* requirement;
  std::optional<double> value;  // nullopt: metric missing and --allow-missing
  bool passed;
};

Outcome build_outcome(const std::vector<CheckResult>& results, const std::vector<std::string>& sources,
                      const std::optional<History>& history) {
  Outcome outcome;
  ordered_json checks = ordered_json::array();
  int passed = 0, failed = 0, skipped = 0;
  MarkdownTable table({"Check", "Value", "Result"});
  for (const auto& result : results) {
    const Requirement& req = *result.requirement;
    const std::string name = describe(req);
    ordered_json check;
    check["expr"] = req.text;
    check["metric"] = req.metric;
    if (req.aggregate != Aggregate::none) check["aggregate"] = aggregate_name(req.aggregate);
    check["op"] = comparison_text(req.op);
    check["threshold"] = req.threshold;
    check["value"] = result.value ? ordered_json(*result.value) : ordered_json(nullptr);
    check["passed"] = result.passed;
    std::string left = req.aggregate == Aggregate::none ? req.metric
                                                        : std::string(aggregate_name(req.aggregate)) + "(" + req.metric + ")";
    // As many digits as it takes to tell the value from the threshold.
    auto [value_text, threshold_text] = distinct_texts(result.value.value_or(0), req.threshold);
    if (!result.value) value_text = "missing";
    std::string message, verdict;
    if (!result.value) {
      ++skipped;
      check["skipped"] = true;
      check["skip_reason"] = "metric missing, allowed by --allow-missing";
      message = left + " is missing (allowed by --allow-missing)";
      verdict = "⚪ skipped";
    } else if (result.passed) {
      ++passed;
      message = left + " is " + value_text + " (" + comparison_text(req.op) + " " + threshold_text + ")";
      verdict = "✅ pass";
    } else {
      ++failed;
      message = left + " is " + value_text + ", required " + comparison_text(req.op) + " " + threshold_text;
      verdict = "❌ fail";
    }
    outcome.checks.push_back({name, result.passed, message, !result.value});
    table.add_row({markdown_code(name), value_text, verdict});
    outcome.console += std::string(!result.value ? "SKIP  " : result.passed ? "PASS  " : "FAIL  ") + printable(message) + "\n";
    checks.push_back(std::move(check));
  }
  outcome.status = failed ? ExitStatus::gate_failed : ExitStatus::pass;
  outcome.fields["sources"] = sources;
  if (history) {
    outcome.fields["history"] = {{"file", history->path},
                                 {"records", history->records.size()},
                                 {"records_in_file", history->total_records}};
  }
  outcome.fields["checks"] = std::move(checks);
  outcome.fields["passed"] = passed;
  outcome.fields["failed"] = failed;
  outcome.fields["skipped"] = skipped;
  const std::size_t total = results.size();
  outcome.headline = failed ? std::to_string(failed) + " of " + std::to_string(total) + " checks failed"
                            : std::to_string(passed) + " of " + std::to_string(total) + " checks passed";
  if (skipped) outcome.headline += ", " + std::to_string(skipped) + " skipped";
  outcome.console += "ml-validate: " + std::string(status_word(outcome.status)) + " (" + printable(outcome.headline) + ")\n";
  outcome.markdown_body = table.render();
  outcome.dotenv = {{"PASSED", std::to_string(passed)}, {"FAILED", std::to_string(failed)},
                    {"SKIPPED", std::to_string(skipped)}};
  return outcome;
}

// --prometheus: each --query is a metric, evaluated now (or --at), or over --range.
Outcome run_prometheus(const po::variables_map& vm, const std::vector<Requirement>& requirements, bool allow_missing) {
  if (vm.count("metrics") || vm.count("history")) throw_usage("give metrics files, --history or --prometheus, not two");
  if (vm.count("window") || vm.count("min-count")) throw_usage("--window and --min-count need --history FILE");
  if (!vm.count("query")) throw_usage("--prometheus needs at least one --query NAME=PROMQL");
  prometheus::GateRequest request;
  request.url = vm["prometheus"].as<std::string>();
  request.allow_missing = allow_missing;
  request.http.ca_bundle = ca_bundle_option(vm);
  for (const auto& text : vm["query"].as<std::vector<std::string>>()) {
    request.queries.push_back(prometheus::parse_gate_query(text));
    for (std::size_t i = 0; i + 1 < request.queries.size(); ++i) {
      if (request.queries[i].name == request.queries.back().name) {
        throw_usage("--query " + request.queries.back().name + " is given twice");
      }
    }
  }
  const auto duration = [&](const char* name) {
    const std::string text = vm[name].as<std::string>();
    const auto seconds = prometheus::parse_duration(text);
    if (!seconds) throw_usage("invalid --" + std::string(name) + " \"" + text + "\": a duration such as 90s, 5m, 24h, 1h30m");
    return *seconds;
  };
  if (vm.count("at")) {
    const auto at = parse_timestamp(vm["at"].as<std::string>());
    if (!at) throw_usage("invalid --at \"" + vm["at"].as<std::string>() + "\": use 2026-11-24T09:00Z or Unix seconds");
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
  std::vector<std::string> names;
  for (const auto& query : request.queries) names.push_back(query.name);
  for (const auto& req : requirements) {
    if (std::find(names.begin(), names.end(), req.metric) == names.end()) {
      std::string message = "\"" + req.text + "\" checks " + req.metric + ", which no --query names";
      message += did_you_mean(req.metric, names);
      throw_usage(message + " (queries: " + join_limited(names, 10) + ")");
    }
    if (req.aggregate != Aggregate::none && !request.range) {
      throw_usage("\"" + req.text + "\" aggregates over time; give --range DURATION");
    }
  }

  const std::vector<prometheus::GateSeries> series = prometheus::query_for_gate(request);
  std::vector<CheckResult> results;
  for (const auto& req : requirements) {
    const auto& s = *std::find_if(series.begin(), series.end(), [&](const auto& x) { return x.name == req.metric; });
    std::optional<double> value;
    if (!s.missing) value = aggregate_values(req.aggregate, s.values);
    results.push_back({&req, value, value ? compare(*value, req.op, req.threshold) : true});
  }
  const std::string url = prometheus::shown_url(request.url);
  Outcome outcome = build_outcome(results, {url}, std::nullopt);
  ordered_json queries = ordered_json::array();
  for (const auto& s : series) queries.push_back(s.report);
  ordered_json source = {{"url", url}};
  if (request.range) source["range"] = prometheus::format_duration(*request.range);
  source["queries"] = std::move(queries);
  outcome.fields["prometheus"] = std::move(source);
  if (request.range) prometheus::add_completeness(outcome, series, vm.count("require-complete") > 0);
  if (vm.count("write-metrics")) {
    write_file_atomically(vm["write-metrics"].as<std::string>(),
                          prometheus::gate_metrics_json(series, request.range.has_value()).dump(2) + "\n");
  }
  return outcome;
}

// --window and --min-count: read as signed numbers, so "-1" is an error, not 2^64 - 1.
std::size_t count_option(const po::variables_map& vm, const char* option, std::size_t fallback) {
  if (!vm.count(option)) return fallback;
  const long long value = vm[option].as<long long>();
  if (value < 1) throw_usage(std::string("--") + option + " must be at least 1, not " + std::to_string(value));
  return static_cast<std::size_t>(value);
}

Outcome run_validate(const po::variables_map& vm) {
  std::vector<Requirement> requirements;
  if (vm.count("require")) requirements = requirements_from_flags(vm["require"].as<std::vector<std::string>>());
  if (vm.count("policy")) {
    auto from_policy = requirements_from_policy(vm["policy"].as<std::string>());
    requirements.insert(requirements.end(), from_policy.begin(), from_policy.end());
  }
  if (requirements.empty() && !vm.count("require-slices") && !vm.count("write-metrics")) {
    throw_usage("nothing to check: give --require EXPR or --policy FILE");
  }

  const bool allow_missing = vm.count("allow-missing") > 0;
  if (vm.count("prometheus")) return run_prometheus(vm, requirements, allow_missing);
  for (const char* name : {"query", "at", "range", "step", "max-gap", "require-complete"}) {
    if (vm.count(name)) throw_usage("--" + std::string(name) + " needs --prometheus URL");
  }
  std::vector<std::string> files;
  if (vm.count("metrics")) files = vm["metrics"].as<std::vector<std::string>>();
  if (std::count(files.begin(), files.end(), "-") > 1) throw_usage("\"-\" (standard input) can be given only once");
  if (vm.count("mlflow-run")) {
    for (const auto& run : vm["mlflow-run"].as<std::vector<std::string>>()) files.push_back(run);
  }

  std::optional<History> history;
  if (vm.count("predictions")) {
    if (!files.empty() || vm.count("history")) throw_usage("give metrics files, --history or --predictions, not more than one");
    for (const auto& req : requirements) {
      if (req.aggregate != Aggregate::none) throw_usage("\"" + req.text + "\" aggregates a history; give --history FILE");
    }
    const PredictionMetrics run = evaluate_predictions_option(vm);
    std::vector<CheckResult> results;
    for (const auto& req : requirements) {
      std::optional<double> value = prediction_metric(run, run.evaluation, req.metric, allow_missing, "");
      results.push_back({&req, value, value ? compare(*value, req.op, req.threshold) : true});
    }
    Outcome outcome = build_outcome(results, {run.path}, std::nullopt);
    add_slice_checks(run, vm, allow_missing, outcome);
    return outcome;
  }
  if (vm.count("require-slices") || vm.count("slice-by") || vm.count("write-metrics")) {
    throw_usage("--slice-by, --require-slices and --write-metrics need --predictions FILE (or --prometheus URL for --write-metrics)");
  }
  if (vm.count("history")) {
    if (!files.empty()) throw_usage("give metrics files or --history, not both");
    const std::size_t window = count_option(vm, "window", 0);
    const std::size_t min_count = count_option(vm, "min-count", window ? window : 1);
    if (window && min_count > window) throw_usage("--min-count cannot exceed --window");
    std::vector<std::string> checked;
    for (const auto& req : requirements) checked.push_back(req.metric);
    history = load_history(vm["history"].as<std::string>(), window, min_count, checked);
  } else {
    if (vm.count("window") || vm.count("min-count")) throw_usage("--window and --min-count need --history FILE");
    if (files.empty()) throw_usage("no metrics file given");
    for (const auto& req : requirements) {
      if (req.aggregate != Aggregate::none) {
        throw_usage("\"" + req.text + "\" aggregates a history; give --history FILE");
      }
    }
  }

  std::vector<CheckResult> results;
  if (history) {
    for (const auto& req : requirements) {
      // count() and last() look only at the records that have the metric: a metric logged
      // every few records is still counted, and its latest value is the last one.
      const bool sparse = req.aggregate == Aggregate::count || req.aggregate == Aggregate::last ||
                          req.aggregate == Aggregate::none;
      std::vector<double> values = history->values(req.metric, allow_missing || sparse);
      std::optional<double> value;
      if (!values.empty() || req.aggregate == Aggregate::count) value = aggregate_values(req.aggregate, values);
      else if (!allow_missing) history->records.back().metrics.number(req.metric);  // the usual "no metric" error
      if (value && !std::isfinite(*value)) {
        throw_input(history->path, std::string(aggregate_name(req.aggregate)) + "(" + req.metric + ") over " +
                                       history->describe_window() +
                                       " is not a finite number (the values overflow a double)");
      }
      results.push_back({&req, value, value ? compare(*value, req.op, req.threshold) : true});
    }
    return build_outcome(results, {history->path}, history);
  }

  MetricSet metrics = MetricSet::load(files.front());
  for (std::size_t i = 1; i < files.size(); ++i) metrics.merge(MetricSet::load(files[i]));
  for (const auto& req : requirements) {
    std::optional<double> value = allow_missing ? metrics.find_number(req.metric) : metrics.number(req.metric);
    results.push_back({&req, value, value ? compare(*value, req.op, req.threshold) : true});
  }
  std::vector<std::string> sources;
  for (const auto& file : files) sources.push_back(file == "-" ? "stdin" : file);
  return build_outcome(results, sources, std::nullopt);
}

}  // namespace

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
    options.add_options()
        ("metrics", po::value<std::vector<std::string>>()->composing()->value_name("FILE"),
         "metrics JSON file(s), merged; the same as the positional METRICS.json (\"-\": standard input)")
        ("require,r", po::value<std::vector<std::string>>()->composing()->value_name("EXPR"),
         "a check: PATH OP NUMBER, OP one of >= > <= < == != (repeatable)")
        ("policy", po::value<std::string>()->value_name("FILE"), "JSON file {\"require\": [EXPR, ...]}")
        ("allow-missing", "skip a check whose metric is missing instead of failing with exit 3")
        ("history", po::value<std::string>()->value_name("FILE"),
         "JSON Lines file, one metrics object per line (\"-\": standard input)")
        ("window", po::value<long long>()->value_name("N"), "with --history: only the last N records count")
        ("min-count", po::value<long long>()->value_name("N"),
         "with --history: fewest records accepted (default: the window)")
        ("prometheus", po::value<std::string>()->value_name("URL"),
         "a Prometheus query API (Prometheus, Thanos, Mimir, VictoriaMetrics): the metrics are --query results")
        ("query", po::value<std::vector<std::string>>()->composing()->value_name("NAME=PROMQL"),
         "with --prometheus: a PromQL query whose value is metric NAME (repeatable)")
        ("at", po::value<std::string>()->value_name("TIME"),
         "with --prometheus: evaluate at TIME (RFC 3339 or Unix seconds; default: now), the end of a --range")
        ("range", po::value<std::string>()->value_name("DURATION"),
         "with --prometheus: evaluate over the last DURATION (24h); checks aggregate: max(NAME) < 0.05")
        ("step", po::value<std::string>()->value_name("DURATION"), "with --range: the resolution (default: 5m)")
        ("max-gap", po::value<std::string>()->value_name("DURATION"),
         "with --range: missing points up to this long are not reported as a gap (default: 0)")
        ("require-complete", "with --range: a gap in the data fails the gate")
        ("ca-bundle", po::value<std::string>()->value_name("FILE"),
         "with --prometheus or s3:// inputs: PEM file of the CAs to trust for https");
    declare_s3_options(options, false);
    options.add_options()("mlflow-run", po::value<std::vector<std::string>>()->composing()->value_name("DIR"),
                          "an MLflow file-store run folder (mlruns/<experiment>/<run_id>) as a metrics file");
    declare_validate_prediction_options(options);
    positional.add("metrics", -1);
  };
  spec.run = run_validate;
  spec.inputs = [](const po::variables_map& vm) {
    std::vector<std::string> inputs;
    std::vector<std::string> metrics;
    if (vm.count("metrics")) metrics = vm["metrics"].as<std::vector<std::string>>();
    if (vm.count("mlflow-run")) {
      for (const auto& run : vm["mlflow-run"].as<std::vector<std::string>>()) metrics.push_back(run);
    }
    for (const auto& path : metrics) {
      for (auto& file : metrics_input_files(path)) inputs.push_back(std::move(file));
    }
    for (const char* option : {"policy", "history", "predictions"}) {
      if (vm.count(option)) inputs.push_back(vm[option].as<std::string>());
    }
    return inputs;
  };
  return spec;
}

int validate_main(int argc, const char* const* argv) { return run_tool(validate_tool(), argc, argv); }

}  // namespace lean
