#include "gates/compare.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/printable.hpp"
#include "gates/compare_predictions.hpp"
#include "core/suggest.hpp"
#include "metrics/direction.hpp"
#include "metrics/metrics.hpp"
#include "metrics/metrics_formats.hpp"
#include "metrics/tolerance.hpp"
#include "registry/open_registry.hpp"
#include "registry/registry.hpp"
#include "report/markdown.hpp"
#include "storage/local_storage.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

double parse_number(const std::string& text, const std::string& what) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    throw_usage(what + ": \"" + text + "\" is not a finite number");
  }
  return value;
}

struct Guard {
  std::string metric;
  double tolerance = 0;
  bool relative = false;  // tolerance given as a percentage of |baseline|
  std::string spelled;    // "0.01" or "5%"
  std::optional<bool> lower_is_better;  // :lower or :higher; none: from the name
};

// PATH[:TOL][:higher|lower], read from the right: a metric name may itself hold ":".
Guard parse_guard(const std::string& text) {
  Guard guard;
  guard.metric = text;
  auto take_last = [&guard]() -> std::optional<std::string> {
    const auto colon = guard.metric.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string part = guard.metric.substr(colon + 1);
    guard.metric.erase(colon);
    return part;
  };
  std::optional<std::string> part = take_last();
  if (part && (*part == "lower" || *part == "higher")) {
    guard.lower_is_better = *part == "lower";
    part = take_last();
  }
  if (part) {
    guard.spelled = *part;
    std::string number = guard.spelled;
    if (!number.empty() && number.back() == '%') {
      guard.relative = true;
      number.pop_back();
    }
    if (!number.empty() && std::isalpha(static_cast<unsigned char>(number[0]))) {
      // A misspelt direction ("lowr") would otherwise read as a tolerance that is no number.
      if (auto guess = closest_match(number, {"higher", "lower"})) {
        throw_usage("invalid --guard \"" + text + "\": \"" + number + "\" is not a direction; did you mean \"" + *guess +
                    "\"?");
      }
      // A word is not a number that failed: say what the place takes.
      throw_usage("invalid --guard \"" + text + "\": \"" + number +
                  "\" is neither a tolerance (a number, or N%) nor a direction (higher or lower)");
    }
    guard.tolerance = parse_number(number, "invalid --guard \"" + text + "\"");
    if (guard.relative) guard.tolerance /= 100.0;
    if (guard.tolerance < 0) throw_usage("invalid --guard \"" + text + "\": the tolerance cannot be negative");
  }
  if (guard.metric.empty()) throw_usage("invalid --guard \"" + text + "\": expected PATH[:TOL][:higher|lower]");
  if (guard.spelled.empty()) guard.spelled = "0";
  return guard;
}

// "+0.019 (+2.18%)" for the markdown table; "+0.019, +2.18%" inside a sentence's parentheses.
std::string change_text(double baseline, double candidate, bool in_parentheses = false) {
  std::string text = format_signed(candidate - baseline);
  if (baseline == 0) return text;
  const std::string percent = format_percent((candidate - baseline) / std::fabs(baseline));
  return in_parentheses ? text + ", " + percent : text + " (" + percent + ")";
}

const char* direction_word(const Direction& direction) { return direction.lower_is_better ? "lower" : "higher"; }

Direction primary_direction(const po::variables_map& vm, const std::string& metric) {
  if (vm.count("lower-is-better") && vm.count("higher-is-better")) {
    throw_usage("give --lower-is-better or --higher-is-better, not both");
  }
  if (vm.count("lower-is-better")) return {true, "--lower-is-better"};
  if (vm.count("higher-is-better")) return {false, "--higher-is-better"};
  return infer_direction(metric);
}

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

std::string suggestion(const std::string& word, const std::vector<std::string>& known) {
  if (auto guess = closest_match(word, known)) return "; did you mean \"" + *guess + "\"?";
  return "";
}

// Why a registry has no baseline for MODEL/CHANNEL, or nullopt when the channel exists.
// "No baseline yet" needs a registry that exists: a missing or foreign folder is a
// configuration error (unless `--if-no-baseline promote` was given: a project's first run,
// before its first publish), and a misspelt model or channel is named with its likely spelling.
std::optional<std::string> registry_gap(Storage& storage, const std::string& url, const std::string& model,
                                        const std::string& channel, bool promote_without_baseline) {
  if (dynamic_cast<LocalStorage*>(&storage)) {
    const std::string folder = local_path_of(url);
    std::error_code ec;
    if (!std::filesystem::exists(folder, ec)) {
      if (promote_without_baseline) return "the registry folder does not exist yet";
      throw_config(folder, "--baseline-registry: the registry folder does not exist");
    }
    if (!std::filesystem::is_directory(folder, ec)) throw_config(folder, "--baseline-registry: not a folder");
  }
  Registry registry(storage);
  if (registry.channel(model, channel)) return std::nullopt;
  const std::vector<std::string> models = registry.models();
  if (std::find(models.begin(), models.end(), model) == models.end()) {
    if (models.empty() && !storage.list("").empty()) {
      throw_config(storage.describe(), "--baseline-registry: not a registry (no MODEL/versions or MODEL/channels in it)");
    }
    if (models.empty()) return "the registry holds no model yet (a new registry, or a wrong URL or prefix)";
    return "no model \"" + model + "\" in the registry" + suggestion(model, models) + " (models: " +
           join_limited(models, 10) + ")";
  }
  const std::string prefix = channel_key(model, "");
  const std::string folder = prefix.substr(0, prefix.rfind('/') + 1);
  std::vector<std::string> channels;
  for (const auto& key : storage.list(folder)) {
    const std::string name = key.substr(folder.size());
    if (name.size() > 5 && name.find('/') == std::string::npos && name.ends_with(".json")) {
      channels.push_back(name.substr(0, name.size() - 5));
    }
  }
  return "model " + model + " has no channel \"" + channel + "\"" + suggestion(channel, channels) +
         (channels.empty() ? std::string(" (no channel yet)") : " (channels: " + join_limited(channels, 10) + ")");
}

Baseline load_baseline(const po::variables_map& vm) {
  Baseline baseline;
  if (!vm.count("baseline-registry") && !vm.count("model") && !vm.count("channel")) {
    if (!vm.count("baseline")) throw_usage("missing --baseline FILE or --baseline-registry URL");
    const std::string path = non_empty(vm, "baseline");
    baseline.file = path;
    std::error_code ec;
    if (path == "-" || std::filesystem::exists(path, ec)) baseline.metrics = MetricSet::load(path);
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
  std::unique_ptr<Storage> storage = open_storage(url, RegistryOptions{});
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
  if (!vm.count("candidate")) throw_usage("the option '--candidate' is required but missing");
  const std::string candidate_path = vm["candidate"].as<std::string>();
  const std::string metric = vm["metric"].as<std::string>();
  const Direction direction = primary_direction(vm, metric);
  if (vm.count("min-delta") && vm.count("min-rel-delta")) throw_usage("give --min-delta or --min-rel-delta, not both");
  const bool relative = vm.count("min-rel-delta") > 0;
  const double margin = relative ? vm["min-rel-delta"].as<double>() : vm.count("min-delta") ? vm["min-delta"].as<double>() : 0.0;
  if (!std::isfinite(margin) || margin < 0) {
    throw_usage(std::string(relative ? "--min-rel-delta" : "--min-delta") + " must be a finite number >= 0");
  }
  // A fraction of |baseline|: above 1 a lower-is-better metric would have to change sign,
  // and "--min-rel-delta 2" is more likely meant as 2 % (MLflow's range is the same).
  if (relative && margin > 1) throw_usage("--min-rel-delta must be a fraction between 0 and 1 (0.02 is 2 %)");
  const std::string if_no_baseline = vm.count("if-no-baseline") ? vm["if-no-baseline"].as<std::string>() : "";
  if (vm.count("if-no-baseline") && if_no_baseline != "promote" && if_no_baseline != "fail") {
    throw_usage("--if-no-baseline must be promote or fail, not \"" + if_no_baseline + "\"");
  }
  std::vector<Guard> guards;
  if (vm.count("guard")) {
    for (const auto& text : vm["guard"].as<std::vector<std::string>>()) guards.push_back(parse_guard(text));
  }
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
  primary[relative ? "min_rel_delta" : "min_delta"] = margin;
  MarkdownTable table({"Metric", "Baseline", "Candidate", "Change", "Verdict"});

  if (!source.metrics) {
    // A missing file is how a project's first run looks; a registry that lacks the model
    // or channel is as likely a typo, so there promoting must be asked for.
    const std::string rule = !if_no_baseline.empty() ? if_no_baseline : source.from_registry ? "fail" : "promote";
    const std::string rule_origin = !if_no_baseline.empty() ? ""
                                    : source.from_registry ? " (the default for a registry baseline)"
                                                           : " (the default for a baseline file)";
    const bool promote = rule == "promote";
    outcome.status = promote ? ExitStatus::pass : ExitStatus::gate_failed;
    primary["baseline"] = nullptr;
    primary["candidate"] = candidate_value;
    primary["delta"] = nullptr;
    primary["rel_delta"] = nullptr;
    primary["required"] = nullptr;
    primary["passed"] = promote;
    outcome.fields["decision"] = promote ? "promote" : "keep";
    const std::string reason = "no baseline (" + source.absent + "); --if-no-baseline " + rule + rule_origin;
    outcome.fields["reason"] = reason;
    outcome.fields["primary"] = primary;
    outcome.fields["guards"] = ordered_json::array();
    outcome.headline = promote ? "promote without a comparison" : "keep";
    // Promoted without a comparison: a skipped check, so JUnit shows the reason too.
    outcome.checks.push_back({metric + " beats the baseline", promote, reason, promote});
    table.add_row({"`" + metric + "`", "—", format_human(candidate_value), "—", promote ? "✅ first model" : "❌ no baseline"});
    outcome.markdown_body = table.render() + "\n" + (promote ? "Promoted without a comparison: " : "Kept: ") + reason + "\n";
    outcome.console = "ml-compare: " + printable(outcome.headline + ": " + reason) + "\n";
    outcome.dotenv = {{"DECISION", outcome.fields["decision"].get<std::string>()}};
    return outcome;
  }

  const MetricSet& baseline = *source.metrics;
  const double baseline_value = baseline.number(metric);
  const double delta = candidate_value - baseline_value;
  const double sign = direction.lower_is_better ? -1.0 : 1.0;
  const double margin_abs = relative ? margin * std::fabs(baseline_value) : margin;
  const double required = baseline_value + sign * margin_abs;
  bool primary_passed;
  std::string rule;
  const auto [candidate_text, required_text] = distinct_texts(candidate_value, required);
  const std::string baseline_text = distinct_texts(candidate_value, baseline_value).second;
  if (relative && baseline_value == 0 && margin > 0) {
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
  table.add_row({"`" + metric + "`", baseline_cell, candidate_cell,
                 change_text(baseline_value, candidate_value),
                 primary_passed ? "✅ better" : "❌ needs " + rule});
  outcome.console += std::string(primary_passed ? "PASS  " : "FAIL  ") + printable(primary_message) + "\n";

  ordered_json guard_reports = ordered_json::array();
  std::vector<std::string> regressed;
  for (const auto& guard : guards) {
    const Direction guard_direction =
        guard.lower_is_better ? Direction{*guard.lower_is_better, *guard.lower_is_better ? "--guard ...:lower" : "--guard ...:higher"}
                              : infer_direction(guard.metric);
    const double guard_sign = guard_direction.lower_is_better ? -1.0 : 1.0;
    const double b = baseline.number(guard.metric);
    const double c = candidate.number(guard.metric);
    const double allowed = guard.relative ? guard.tolerance * std::fabs(b) : guard.tolerance;
    const double bound = b - guard_sign * allowed;
    const bool passed = at_least(guard_sign * c, guard_sign * bound);
    if (!passed) regressed.push_back(guard.metric);
    ordered_json report;
    report["metric"] = guard.metric;
    report["baseline"] = b;
    report["candidate"] = c;
    report["delta"] = c - b;
    report["tolerance"] = guard.spelled;
    report["bound"] = bound;
    report["direction"] = direction_word(guard_direction);
    report["direction_reason"] = guard_direction.reason;
    report["passed"] = passed;
    guard_reports.push_back(report);
    const auto [c_text, bound_number] = distinct_texts(c, bound);
    const std::string bound_text = std::string(guard_direction.lower_is_better ? "<= " : ">= ") + bound_number;
    const std::string message = "guard " + guard.metric + " is " + c_text + " against " + distinct_texts(c, b).second +
                                " (" + change_text(b, c, true) + "), allowed " + bound_text + " (tolerance " +
                                guard.spelled + "), " + direction_word(guard_direction) + " is better (" +
                                guard_direction.reason + ")";
    outcome.checks.push_back({"guard " + guard.metric, passed, message});
    const auto [b_cell, c_cell] = distinct_texts(b, c);
    table.add_row({"`" + guard.metric + "` (guard)", b_cell, c_cell, change_text(b, c),
                   passed ? "✅ within " + guard.spelled : "❌ regressed beyond " + guard.spelled});
    outcome.console += std::string(passed ? "PASS  " : "FAIL  ") + printable(message) + "\n";
  }

  const bool promote = primary_passed && regressed.empty();
  outcome.status = promote ? ExitStatus::pass : ExitStatus::gate_failed;
  std::string reason;
  if (!primary_passed) {
    reason = metric + " " + candidate_text + " does not meet " + rule;
  } else if (!regressed.empty()) {
    reason = "guard regressed: ";
    for (std::size_t i = 0; i < regressed.size(); ++i) reason += (i ? ", " : "") + regressed[i];
  } else {
    reason = metric + " " + candidate_text + " meets " + rule;
  }
  outcome.fields["decision"] = promote ? "promote" : "keep";
  outcome.fields["reason"] = reason;
  outcome.fields["primary"] = primary;
  outcome.fields["guards"] = guard_reports;
  outcome.headline = std::string(promote ? "promote" : "keep the baseline") + ": " + reason;
  outcome.console += "ml-compare: " + printable(outcome.headline) + "\n";
  outcome.markdown_body = table.render();
  outcome.dotenv = {{"DECISION", promote ? "promote" : "keep"}};
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
