#include "cli/compare.hpp"

#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/printable.hpp"
#include "gates/compare_common.hpp"
#include "gates/compare_predictions.hpp"
#include "input/s3_input.hpp"
#include "metrics/direction.hpp"
#include "metrics/metrics.hpp"
#include "metrics/metrics_formats.hpp"
#include "metrics/tolerance.hpp"
#include "cli/tool.hpp"
#include "storage/open_storage.hpp"
#include "registry/registry.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

// "+0.019 (+2.18%)" for the markdown table; "+0.019, +2.18%" inside a sentence's parentheses.
std::string change_text(double baseline, double candidate, bool in_parentheses = false) {
  std::string text = format_signed(candidate - baseline);
  if (baseline == 0) return text;
  const std::string percent = format_percent((candidate - baseline) / std::fabs(baseline));
  return in_parentheses ? text + ", " + percent : text + " (" + percent + ")";
}

const char* direction_word(const Direction& direction) { return direction.lower_is_better ? "lower" : "higher"; }

// The baseline's metrics, from a file or from the version a registry channel points to.
struct Baseline {
  std::optional<MetricSet> metrics;  // none: no baseline yet (the --if-no-baseline rule)
  std::string absent;                // why there is none: "'prod.json' does not exist"
  bool from_registry = false;
  ordered_json file = nullptr;       // the report's baseline_file
  ordered_json registry = nullptr;   // the report's baseline_registry
};

// An option's text; an empty one (an unset CI variable) is a usage error, never "no baseline".
std::string non_empty(const po::variables_map& vm, const char* option) {
  std::string value = vm[option].as<std::string>();
  if (value.empty()) throw_usage(std::string("--") + option + " is empty (an unset variable?)");
  return value;
}

Baseline load_baseline(const po::variables_map& vm) {
  Baseline baseline;
  if (!vm.count("baseline-registry") && !vm.count("model") && !vm.count("channel")) {
    if (!vm.count("baseline")) throw_usage("missing --baseline FILE or --baseline-registry URL");
    const std::string path = non_empty(vm, "baseline");
    baseline.file = path;
    std::error_code ec;
    if (path == "-" || input::is_s3_url(path) || std::filesystem::exists(path, ec)) baseline.metrics = MetricSet::load(path);
    else baseline.absent = "'" + path + "' does not exist";
    return baseline;
  }
  if (vm.count("baseline")) {
    // Named after what was given: "--baseline base.json --model churn" mixes the two forms.
    throw_usage(vm.count("baseline-registry")
                    ? "give --baseline FILE or --baseline-registry URL, not both"
                    : "--model and --channel go with --baseline-registry URL, not with --baseline FILE");
  }
  if (!vm.count("baseline-registry") || !vm.count("model") || !vm.count("channel")) {
    throw_usage("a registry baseline needs --baseline-registry URL, --model NAME and --channel CH");
  }
  baseline.from_registry = true;
  const std::string url = non_empty(vm, "baseline-registry");
  const std::string model = non_empty(vm, "model"), channel = non_empty(vm, "channel");
  check_name("model", model);
  check_name("channel", channel);
  std::unique_ptr<Storage> storage = open_storage(url, registry_read_options(vm));
  Registry registry(*storage);
  baseline.registry = {{"registry", storage->describe()}, {"model", model}, {"channel", channel}, {"version", nullptr}};
  const bool promote_without_baseline = vm.count("if-no-baseline") && vm["if-no-baseline"].as<std::string>() == "promote";
  if (std::optional<std::string> gap = registry_gap(*storage, url, model, channel, promote_without_baseline)) {
    baseline.absent = *gap;
  } else if (auto found = registry.channel_metrics(model, channel)) {
    baseline.registry["version"] = found->version;
    baseline.metrics = MetricSet::parse(found->metrics_json, found->source);
  } else {
    baseline.absent = "model " + model + " has no channel \"" + channel + "\"";
  }
  return baseline;
}

}  // namespace

namespace {

// Every name, metric and rule an option gives ends up in the report's JSON: it must be
// UTF-8 (exit 2, ml-release's wording), before any file is read. The output files' paths
// are the shared options' business.
void check_utf8_options(const po::variables_map& vm) {
  static const std::set<std::string> kOutputs = {"report", "markdown", "junit", "dotenv"};
  for (const auto& [name, value] : vm) {
    if (kOutputs.count(name)) continue;
    if (const auto* text = boost::any_cast<std::string>(&value.value()); text && !is_utf8(*text)) {
      throw_usage("--" + name + " is not valid UTF-8");
    }
    if (const auto* items = boost::any_cast<std::vector<std::string>>(&value.value())) {
      for (const auto& item : *items) {
        if (!is_utf8(item)) throw_usage("--" + name + " is not valid UTF-8");
      }
    }
  }
}

Outcome run_compare(const po::variables_map& vm) {
  check_utf8_options(vm);
  if (wants_prediction_compare(vm)) return run_compare_predictions(vm);
  // A metrics file holds one number, no rows to test: a significance option would be ignored.
  for (const char* option : {"significance", "test", "bootstrap-samples", "seed", "id-column"}) {
    if (vm.count(option) && !vm[option].defaulted()) {
      throw_usage(std::string("--") + option +
                  " compares predictions: give --candidate-predictions and --baseline-predictions, not metrics files");
    }
  }
  if (!vm.count("candidate")) throw_usage("the option '--candidate' is required but missing");
  const std::string candidate_path = vm["candidate"].as<std::string>();
  const std::string metric = vm["metric"].as<std::string>();
  const Direction direction = primary_direction(vm, metric, infer_direction);
  const Margin margin = margin_option(vm);
  const bool relative = margin.relative;
  const std::string if_no_baseline = if_no_baseline_option(vm);
  const std::vector<Guard> guards = guard_options(vm);
  if (candidate_path == "-" && vm.count("baseline") && vm["baseline"].as<std::string>() == "-") {
    throw_usage("\"-\" (standard input) can be given only once");
  }
  const MetricSet candidate = MetricSet::load(candidate_path);
  const double candidate_value = candidate.number(metric);
  const Baseline source = load_baseline(vm);

  Outcome outcome;
  outcome.fields["candidate_file"] = candidate_path;
  outcome.fields["baseline_file"] = source.file;
  if (!source.registry.is_null()) outcome.fields["baseline_registry"] = source.registry;
  ordered_json primary;
  primary["metric"] = metric;
  primary["direction"] = direction_word(direction);
  primary["direction_reason"] = direction.reason;
  primary[relative ? "min_rel_delta" : "min_delta"] = margin.value;
  if (!source.metrics) {
    return no_baseline_outcome(std::move(outcome), std::move(primary), candidate_value, source.absent, if_no_baseline,
                               source.from_registry);
  }
  MarkdownTable table({"Metric", "Baseline", "Candidate", "Change", "Verdict"});

  const MetricSet& baseline = *source.metrics;
  const double baseline_value = baseline.number(metric);
  const double delta = candidate_value - baseline_value;
  const double sign = direction.lower_is_better ? -1.0 : 1.0;
  const double margin_abs = relative ? margin.value * std::fabs(baseline_value) : margin.value;
  const double required = baseline_value + sign * margin_abs;
  bool primary_passed;
  std::string rule;
  const auto [candidate_text, required_text] = distinct_texts(candidate_value, required);
  const std::string baseline_text = distinct_texts(candidate_value, baseline_value).second;
  if (relative && baseline_value == 0 && margin.value > 0) {
    // No relative change can be measured against 0: any strict improvement counts.
    primary_passed = sign * candidate_value > 0;
    rule = std::string("strictly ") + (direction.lower_is_better ? "< 0" : "> 0") + " (relative margin against a baseline of 0)";
  } else {
    primary_passed = at_least(sign * candidate_value, sign * required);
    rule = std::string(direction.lower_is_better ? "<= " : ">= ") + required_text;
  }
  primary["baseline"] = baseline_value;
  primary["candidate"] = candidate_value;
  primary["delta"] = delta;
  primary["rel_delta"] = baseline_value != 0 ? ordered_json(delta / std::fabs(baseline_value)) : ordered_json(nullptr);
  primary["required"] = required;
  primary["passed"] = primary_passed;

  const std::string primary_message = metric + " is " + candidate_text + " against " +
                                      baseline_text + " (" + change_text(baseline_value, candidate_value, true) +
                                      "), required " + rule + ", " + direction_word(direction) + " is better (" +
                                      direction.reason + ")";
  outcome.checks.push_back({metric + " beats the baseline", primary_passed, primary_message});
  const auto [baseline_cell, candidate_cell] = distinct_texts(baseline_value, candidate_value);
  table.add_row({markdown_code(metric), baseline_cell, candidate_cell,
                 change_text(baseline_value, candidate_value),
                 primary_passed ? "✅ better" : "❌ needs " + rule});
  outcome.console += check_line(primary_passed, primary_message);

  ordered_json guard_reports = ordered_json::array();
  std::vector<std::string> regressed;
  for (const auto& guard : guards) {
    const Direction guard_dir = guard_direction(guard, infer_direction);
    const double b = baseline.number(guard.metric);
    const double c = candidate.number(guard.metric);
    const GuardCheck check = check_guard(guard, guard_dir, b, c);
    const bool passed = check.within;
    if (!passed) regressed.push_back(guard.metric);
    guard_reports.push_back(guard_json(guard, guard_dir, b, c, check, passed, true));
    const auto [c_text, bound_number] = distinct_texts(c, check.bound);
    const std::string bound_text = std::string(guard_dir.lower_is_better ? "<= " : ">= ") + bound_number;
    const std::string message = "guard " + guard.metric + " is " + c_text + " against " + distinct_texts(c, b).second +
                                " (" + change_text(b, c, true) + "), allowed " + bound_text + " (tolerance " +
                                guard.spelled + "), " + direction_word(guard_dir) + " is better (" +
                                guard_dir.reason + ")";
    outcome.checks.push_back({"guard " + guard.metric, passed, message});
    const auto [b_cell, c_cell] = distinct_texts(b, c);
    table.add_row({markdown_code(guard.metric) + " (guard)", b_cell, c_cell, change_text(b, c), guard_verdict_cell(guard, passed, false)});
    outcome.console += check_line(passed, message);
  }

  const std::string reason = metric + " " + candidate_text + (primary_passed ? " meets " : " does not meet ") + rule;
  decide(outcome, primary_passed, reason, regressed, "keep the baseline", std::move(primary), nullptr, std::move(guard_reports));
  outcome.markdown_body = table.render();
  return outcome;
}

}  // namespace

ToolSpec compare_tool() {
  ToolSpec spec;
  spec.name = "ml-compare";
  spec.synopsis =
      "ml-compare --candidate NEW.json --baseline PROD.json --metric PATH [--min-delta X | --min-rel-delta X]\n"
      "                  [--lower-is-better | --higher-is-better] [--guard PATH[:TOL][:DIR]]... "
      "[--if-no-baseline promote|fail]\n"
      "       ml-compare --candidate NEW.json --baseline-registry URL --model NAME --channel CH --metric PATH ...\n"
      "       ml-compare --candidate-predictions NEW.csv --baseline-predictions PROD.csv --metric M\n"
      "                  [--significance ALPHA] [--test auto|mcnemar|delong|paired-t|bootstrap] [column options] ...";
  spec.declare_options = [](po::options_description& options, po::positional_options_description&) {
    options.add_options()
        ("candidate", po::value<std::string>()->value_name("FILE"), "metrics of the new model")
        ("baseline", po::value<std::string>()->value_name("FILE"), "metrics of the model in production")
        ("baseline-registry", po::value<std::string>()->value_name("URL"),
         "instead of --baseline: the metrics published with the version --channel points to")
        ("model", po::value<std::string>()->value_name("NAME"), "with --baseline-registry: the model")
        ("channel", po::value<std::string>()->value_name("CH"), "with --baseline-registry: the channel, e.g. production")
        ("metric", po::value<std::string>()->required()->value_name("PATH"), "the primary metric")
        ("min-delta", po::value<double>()->value_name("X"), "promote when candidate >= baseline + X (default 0)")
        ("min-rel-delta", po::value<double>()->value_name("X"), "promote when candidate >= baseline + X * |baseline|, X between 0 and 1")
        ("lower-is-better", "the primary metric improves downwards")
        ("higher-is-better", "the primary metric improves upwards (overrides a loss-like name)")
        ("guard", po::value<std::vector<std::string>>()->composing()->value_name("PATH[:TOL][:DIR]"),
         "a metric that may regress by at most TOL (absolute, or N%); DIR higher or lower overrides the name; repeatable")
        ("if-no-baseline", po::value<std::string>()->value_name("RULE"),
         "promote or fail when there is no baseline yet: no file (default promote), no model or channel in the "
         "registry (default fail)");
    declare_compare_prediction_options(options);
    declare_s3_options(options, true);
  };
  spec.run = run_compare;
  spec.inputs = [](const po::variables_map& vm) {
    std::vector<std::string> inputs;
    for (const char* option : {"candidate", "baseline"}) {  // a metrics file or an MLflow run folder
      if (!vm.count(option)) continue;
      for (auto& file : metrics_input_files(vm[option].as<std::string>())) inputs.push_back(std::move(file));
    }
    for (const char* option : {"candidate-predictions", "baseline-predictions"}) {
      if (vm.count(option)) inputs.push_back(vm[option].as<std::string>());
    }
    return inputs;
  };
  return spec;
}

int compare_main(int argc, const char* const* argv) { return run_tool(compare_tool(), argc, argv); }

}  // namespace lean
