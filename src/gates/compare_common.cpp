#include "gates/compare_common.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/printable.hpp"
#include "core/suggest.hpp"
#include "metrics/tolerance.hpp"
#include "storage/open_storage.hpp"
#include "registry/registry.hpp"
#include "report/markdown.hpp"
#include "storage/local_storage.hpp"

namespace lean {
namespace {

namespace po = boost::program_options;
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


}  // namespace

Margin margin_option(const po::variables_map& vm) {
  if (vm.count("min-delta") && vm.count("min-rel-delta")) throw_usage("give --min-delta or --min-rel-delta, not both");
  Margin margin;
  margin.relative = vm.count("min-rel-delta") > 0;
  margin.value = margin.relative ? vm["min-rel-delta"].as<double>() : vm.count("min-delta") ? vm["min-delta"].as<double>() : 0.0;
  if (!std::isfinite(margin.value) || margin.value < 0) {
    throw_usage(std::string(margin.relative ? "--min-rel-delta" : "--min-delta") + " must be a finite number >= 0");
  }
  // A fraction of |baseline|: above 1 a lower-is-better metric would have to change sign,
  // and "--min-rel-delta 2" is more likely meant as 2 % (MLflow's range is the same).
  if (margin.relative && margin.value > 1) throw_usage("--min-rel-delta must be a fraction between 0 and 1 (0.02 is 2 %)");
  return margin;
}

Direction primary_direction(const po::variables_map& vm, const std::string& metric, Direction (*by_name)(const std::string&)) {
  if (vm.count("lower-is-better") && vm.count("higher-is-better")) {
    throw_usage("give --lower-is-better or --higher-is-better, not both");
  }
  if (vm.count("lower-is-better")) return {true, "--lower-is-better"};
  if (vm.count("higher-is-better")) return {false, "--higher-is-better"};
  return by_name(metric);
}

std::vector<Guard> guard_options(const po::variables_map& vm) {
  std::vector<Guard> guards;
  if (vm.count("guard")) {
    for (const auto& text : vm["guard"].as<std::vector<std::string>>()) guards.push_back(parse_guard(text));
  }
  return guards;
}

Direction guard_direction(const Guard& guard, Direction (*by_name)(const std::string&)) {
  if (!guard.lower_is_better) return by_name(guard.metric);
  return {*guard.lower_is_better, *guard.lower_is_better ? "--guard ...:lower" : "--guard ...:higher"};
}

GuardCheck check_guard(const Guard& guard, const Direction& direction, double baseline, double candidate) {
  const double sign = direction.lower_is_better ? -1.0 : 1.0;
  const double allowed = guard.relative ? guard.tolerance * std::fabs(baseline) : guard.tolerance;
  GuardCheck check;
  check.bound = baseline - sign * allowed;
  check.within = at_least(sign * candidate, sign * check.bound);
  return check;
}

ordered_json guard_json(const Guard& guard, const Direction& direction, double baseline, double candidate,
                        const GuardCheck& check, bool passed, bool with_direction_reason) {
  ordered_json report;
  report["metric"] = guard.metric;
  report["baseline"] = baseline;
  report["candidate"] = candidate;
  report["delta"] = candidate - baseline;
  report["tolerance"] = guard.spelled;
  report["bound"] = check.bound;
  report["direction"] = direction.lower_is_better ? "lower" : "higher";
  if (with_direction_reason) report["direction_reason"] = direction.reason;
  report["passed"] = passed;
  return report;
}

std::string guard_verdict_cell(const Guard& guard, bool passed, bool significantly_worse) {
  return passed ? "✅ within " + guard.spelled : significantly_worse ? "❌ significantly worse" : "❌ regressed beyond " + guard.spelled;
}

std::string check_line(bool passed, const std::string& message) {
  return std::string(passed ? "PASS  " : "FAIL  ") + printable(message) + "\n";
}

std::string if_no_baseline_option(const po::variables_map& vm) {
  const std::string rule = vm.count("if-no-baseline") ? vm["if-no-baseline"].as<std::string>() : "";
  if (vm.count("if-no-baseline") && rule != "promote" && rule != "fail") {
    throw_usage("--if-no-baseline must be promote or fail, not \"" + rule + "\"");
  }
  return rule;
}

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
    return "no model \"" + model + "\" in the registry" + did_you_mean(model, models) + " (models: " +
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
  return "model " + model + " has no channel \"" + channel + "\"" + did_you_mean(channel, channels) +
         (channels.empty() ? std::string(" (no channel yet)") : " (channels: " + join_limited(channels, 10) + ")");
}

Outcome no_baseline_outcome(Outcome outcome, ordered_json primary, double candidate_value, const std::string& absent,
                            const std::string& if_no_baseline, bool from_registry) {
  // A missing file is how a project's first run looks; a registry that lacks the model
  // or channel is as likely a typo, so there promoting must be asked for.
  const std::string metric = primary["metric"].get<std::string>();
  const std::string rule = !if_no_baseline.empty() ? if_no_baseline : from_registry ? "fail" : "promote";
  const std::string rule_origin = !if_no_baseline.empty() ? ""
                                  : from_registry         ? " (the default for a registry baseline)"
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
  const std::string reason = "no baseline (" + absent + "); --if-no-baseline " + rule + rule_origin;
  outcome.fields["reason"] = reason;
  outcome.fields["primary"] = primary;
  outcome.fields["guards"] = ordered_json::array();
  outcome.headline = promote ? "promote without a comparison" : "keep";
  // Promoted without a comparison: a skipped check, so JUnit shows the reason too.
  outcome.checks.push_back({metric + " beats the baseline", promote, reason, promote});
  MarkdownTable table({"Metric", "Baseline", "Candidate", "Change", "Verdict"});
  table.add_row({markdown_code(metric), "—", format_human(candidate_value), "—", promote ? "✅ first model" : "❌ no baseline"});
  outcome.markdown_body = table.render() + "\n" + (promote ? "Promoted without a comparison: " : "Kept: ") + markdown_text(reason) + "\n";
  outcome.console = "ml-compare: " + printable(outcome.headline + ": " + reason) + "\n";
  outcome.dotenv = {{"DECISION", outcome.fields["decision"].get<std::string>()}};
  return outcome;
}

void decide(Outcome& outcome, bool primary_passed, const std::string& primary_reason, const std::vector<std::string>& regressed,
            const std::string& keep_word, ordered_json primary, const ordered_json* significance, ordered_json guards) {
  const bool promote = primary_passed && regressed.empty();
  outcome.status = promote ? ExitStatus::pass : ExitStatus::gate_failed;
  std::string reason = primary_reason;
  if (primary_passed && !regressed.empty()) {
    reason = "guard regressed: ";
    for (std::size_t i = 0; i < regressed.size(); ++i) reason += (i ? ", " : "") + regressed[i];
  }
  outcome.fields["decision"] = promote ? "promote" : "keep";
  outcome.fields["reason"] = reason;
  outcome.fields["primary"] = std::move(primary);
  if (significance) outcome.fields["significance"] = *significance;
  outcome.fields["guards"] = std::move(guards);
  outcome.headline = (promote ? std::string("promote") : keep_word) + ": " + reason;
  outcome.console += "ml-compare: " + printable(outcome.headline) + "\n";
  outcome.dotenv = {{"DECISION", promote ? "promote" : "keep"}};
}

}  // namespace lean
