#include "gates/validate.hpp"

#include <optional>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/limits.hpp"
#include "core/suggest.hpp"
#include "gates/validate_predictions.hpp"
#include "metrics/expression.hpp"
#include "metrics/history.hpp"
#include "metrics/metrics.hpp"
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
    if (closest_match(key, {"require"})) message += "; did you mean \"require\"?";
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
    std::string message, verdict, value_text = result.value ? format_human(*result.value) : "missing";
    if (!result.value) {
      ++skipped;
      check["skipped"] = "metric missing, allowed by --allow-missing";
      message = left + " is missing (allowed by --allow-missing)";
      verdict = "⚪ skipped";
    } else if (result.passed) {
      ++passed;
      message = left + " is " + value_text + " (" + comparison_text(req.op) + " " + format_human(req.threshold) + ")";
      verdict = "✅ pass";
    } else {
      ++failed;
      message = left + " is " + value_text + ", required " + comparison_text(req.op) + " " + format_human(req.threshold);
      verdict = "❌ fail";
    }
    outcome.checks.push_back({name, result.passed, message});
    table.add_row({"`" + name + "`", value_text, verdict});
    outcome.console += std::string(!result.value ? "SKIP  " : result.passed ? "PASS  " : "FAIL  ") + message + "\n";
    checks.push_back(std::move(check));
  }
  outcome.status = failed ? ExitStatus::gate_failed : ExitStatus::pass;
  outcome.fields["sources"] = sources;
  if (history) {
    outcome.fields["history"] = {{"file", history->path}, {"records", history->records.size()}};
  }
  outcome.fields["checks"] = std::move(checks);
  outcome.fields["passed"] = passed;
  outcome.fields["failed"] = failed;
  outcome.fields["skipped"] = skipped;
  const std::size_t total = results.size();
  outcome.headline = failed ? std::to_string(failed) + " of " + std::to_string(total) + " checks failed"
                            : std::to_string(passed) + " of " + std::to_string(total) + " checks passed";
  if (skipped) outcome.headline += ", " + std::to_string(skipped) + " skipped";
  outcome.console += "ml-validate: " + std::string(status_word(outcome.status)) + " (" + outcome.headline + ")\n";
  outcome.markdown_body = table.render();
  outcome.dotenv = {{"PASSED", std::to_string(passed)}, {"FAILED", std::to_string(failed)}};
  return outcome;
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
  std::vector<std::string> files;
  if (vm.count("metrics")) files = vm["metrics"].as<std::vector<std::string>>();
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
    throw_usage("--slice-by, --require-slices and --write-metrics need --predictions FILE");
  }
  if (vm.count("history")) {
    if (!files.empty()) throw_usage("give metrics files or --history, not both");
    const std::size_t window = vm.count("window") ? vm["window"].as<std::size_t>() : 0;
    if (vm.count("window") && window == 0) throw_usage("--window must be at least 1");
    std::size_t min_count = vm.count("min-count") ? vm["min-count"].as<std::size_t>() : (window ? window : 1);
    if (min_count == 0) throw_usage("--min-count must be at least 1");
    if (window && min_count > window) throw_usage("--min-count cannot exceed --window");
    history = load_history(vm["history"].as<std::string>(), window, min_count);
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
      std::optional<double> value;
      std::vector<double> values = history->values(req.metric, allow_missing);
      if (!values.empty() || req.aggregate == Aggregate::count) value = aggregate_values(req.aggregate, values);
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
  return build_outcome(results, files, std::nullopt);
}

}  // namespace

ToolSpec validate_tool() {
  ToolSpec spec;
  spec.name = "ml-validate";
  spec.synopsis =
      "ml-validate METRICS.json [MORE.json ...] --require EXPR [--require EXPR ...] [--policy FILE]\n"
      "       ml-validate --history FILE.jsonl [--window N] [--min-count N] --require 'mean(accuracy)>=0.85'\n"
      "       ml-validate --predictions PRED.csv [column options] [--slice-by COL --require-slices EXPR]\n"
      "                   [--write-metrics FILE] --require EXPR ...";
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()
        ("metrics", po::value<std::vector<std::string>>()->composing(), "metrics JSON file(s), merged")
        ("require,r", po::value<std::vector<std::string>>()->composing()->value_name("EXPR"),
         "a check: PATH OP NUMBER, OP one of >= > <= < == != (repeatable)")
        ("policy", po::value<std::string>()->value_name("FILE"), "JSON file {\"require\": [EXPR, ...]}")
        ("allow-missing", "skip a check whose metric is missing instead of failing with exit 3")
        ("history", po::value<std::string>()->value_name("FILE"), "JSON Lines file, one metrics object per line")
        ("window", po::value<std::size_t>()->value_name("N"), "with --history: only the last N records count")
        ("min-count", po::value<std::size_t>()->value_name("N"),
         "with --history: fewest records accepted (default: the window)");
    options.add_options()("mlflow-run", po::value<std::vector<std::string>>()->composing()->value_name("DIR"),
                          "an MLflow file-store run folder (mlruns/<experiment>/<run_id>) as a metrics file");
    declare_validate_prediction_options(options);
    positional.add("metrics", -1);
  };
  spec.run = run_validate;
  return spec;
}

int validate_main(int argc, const char* const* argv) { return run_tool(validate_tool(), argc, argv); }

}  // namespace lean
