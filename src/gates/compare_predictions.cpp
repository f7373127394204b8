#include "gates/compare_predictions.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/format.hpp"
#include "evaluate/options.hpp"
#include "evaluate/paired.hpp"
#include "metrics/direction.hpp"
#include "registry/open_registry.hpp"
#include "registry/registry.hpp"
#include "report/markdown.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace lean {
namespace {

namespace po = boost::program_options;
using ordered_json = nlohmann::ordered_json;

// The metrics a predictions file yields that improve downwards (some lack a loss-like word).
Direction prediction_metric_direction(const std::string& metric) {
  for (const char* name : {"mae", "mse", "rmse", "log_loss", "brier_score", "mape", "median_absolute_error", "max_error",
                           "fp", "fn"}) {
    if (metric == name) return {true, "\"" + metric + "\" is a loss"};
  }
  return infer_direction(metric);
}

bool at_least(double value, double bound) {  // as ml-compare's point rule: inclusive, with a relative slack
  const double slack = 1e-12 * std::max({1.0, std::fabs(value), std::fabs(bound)});
  return value >= bound - slack;
}

// Three decimals for a sentence: "0.871", "+0.018".
std::string short_number(double value, bool sign = false) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, sign ? "%+.3f" : "%.3f", value == 0 ? 0.0 : value);
  return buffer;
}

std::string p_text(double p) {
  char buffer[64];
  if (p < 0.001) return "p < 0.001";
  std::snprintf(buffer, sizeof buffer, p < 0.01 ? "p = %.3f" : "p = %.2f", p);
  return buffer;
}

// The markdown p column: the number of p_text, and "< 0.001" as the console says it.
std::string p_cell(double p) { return p < 0.001 ? "< 0.001" : p_text(p).substr(4); }

std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

ordered_json significance_json(const Significance& s) {
  ordered_json out;
  out["test"] = test_kind_name(s.test);
  out["description"] = s.description;
  out["alpha"] = s.alpha;
  out["p_value"] = s.p_value;
  out["p_value_worse"] = s.p_worse;
  out["statistic"] = s.statistic;
  out["n"] = s.n;
  out["delta"] = s.delta;
  out["interval"] = {{"low", s.interval_low}, {"high", s.interval_high}, {"level", 1 - 2 * s.alpha},
                     {"method", s.interval_method}};
  if (s.b) out["b"] = *s.b;
  if (s.c) out["c"] = *s.c;
  if (s.test == TestKind::bootstrap) out["bootstrap_samples"] = s.bootstrap_samples;
  out["min_detectable_delta"] = s.min_detectable_delta;
  out["significant"] = s.significant();
  out["significantly_worse"] = s.significantly_worse();
  return out;
}

struct Guard {
  std::string metric;
  double tolerance = 0;
  bool relative = false;
  std::string spelled;
};

Guard parse_guard(const std::string& text) {
  Guard guard;
  guard.metric = text;
  guard.spelled = "0";
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    guard.metric = text.substr(0, colon);
    guard.spelled = text.substr(colon + 1);
    std::string number = guard.spelled;
    if (!number.empty() && number.back() == '%') {
      guard.relative = true;
      number.pop_back();
    }
    const char* end = number.data() + number.size();
    auto [ptr, ec] = std::from_chars(number.data(), end, guard.tolerance);
    if (number.empty() || ec != std::errc() || ptr != end || !std::isfinite(guard.tolerance) || guard.tolerance < 0) {
      throw_usage("invalid --guard \"" + text + "\": expected PATH[:TOL] with TOL a number >= 0 or N%");
    }
    if (guard.relative) guard.tolerance /= 100.0;
  }
  if (guard.metric.empty()) throw_usage("invalid --guard \"" + text + "\": expected PATH[:TOL]");
  return guard;
}

// A scratch folder for the registry's baseline predictions, removed when done.
class ScratchFolder {
 public:
  ScratchFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/lean-baseline-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw_input(pattern, "cannot create a temporary folder");
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// --baseline-predictions-file NAME: the file of the version the channel points to, fetched
// and verified into `scratch`; `recorded_label_sha256` is what --write-metrics recorded in the
// version's metrics (empty when it was published without one).
struct RegistryBaseline {
  std::string path, version, recorded_label_sha256;
  ordered_json report;
};

RegistryBaseline fetch_registry_baseline(const po::variables_map& vm, const ScratchFolder& scratch) {
  if (!vm.count("baseline-registry") || !vm.count("model") || !vm.count("channel")) {
    throw_usage("--baseline-predictions-file needs --baseline-registry URL, --model NAME and --channel CH");
  }
  const std::string name = vm["baseline-predictions-file"].as<std::string>();
  const std::string model = vm["model"].as<std::string>(), channel = vm["channel"].as<std::string>();
  std::unique_ptr<Storage> storage = open_storage(vm["baseline-registry"].as<std::string>(), RegistryOptions{});
  Registry registry(*storage);
  if (!registry.channel(model, channel)) throw_input(storage->describe(), "channel " + channel + " of " + model + " does not exist yet");
  auto [version, manifest] = registry.resolve(model, Selector{std::nullopt, channel});
  bool found = false;
  for (const auto& file : manifest.files) found = found || file.name == name;
  if (!found) throw_input(storage->describe(), "version " + version + " of " + model + " has no file \"" + name + "\"");
  registry.fetch(model, version, manifest, scratch.path());  // every file checked against the manifest
  RegistryBaseline out;
  out.path = scratch.path() + "/" + name;
  out.version = version;
  const auto& metrics = manifest.doc.contains("metrics") ? manifest.doc["metrics"] : ordered_json(nullptr);
  if (metrics.is_object() && metrics.contains("predictions") && metrics["predictions"].is_object() &&
      metrics["predictions"].contains("label_sha256") && metrics["predictions"]["label_sha256"].is_string()) {
    out.recorded_label_sha256 = metrics["predictions"]["label_sha256"].get<std::string>();
  }
  out.report = {{"registry", storage->describe()}, {"model", model}, {"channel", channel}, {"version", version},
                {"file", name}, {"label_sha256", out.recorded_label_sha256.empty() ? ordered_json(nullptr)
                                                                                : ordered_json(out.recorded_label_sha256)}};
  return out;
}

}  // namespace

void declare_compare_prediction_options(po::options_description& options) {
  options.add_options()
      ("candidate-predictions", po::value<std::string>()->value_name("FILE"),
       "instead of --candidate: the new model's predictions (CSV/TSV, plain or gzip)")
      ("baseline-predictions", po::value<std::string>()->value_name("FILE"),
       "the production model's predictions on the same examples")
      ("id-column", po::value<std::string>()->value_name("COL"), "pair the two files' rows by this column (default: by order)")
      ("significance", po::value<double>()->value_name("ALPHA"),
       "promote only when the one-sided test of \"the candidate is better\" gives p < ALPHA (0 < ALPHA < 0.5)")
      ("test", po::value<std::string>()->default_value("auto")->value_name("TEST"),
       "auto, mcnemar, delong, paired-t or bootstrap")
      ("bootstrap-samples", po::value<std::size_t>()->default_value(10000)->value_name("N"), "resamples of the paired bootstrap")
      ("seed", po::value<std::uint64_t>()->default_value(20240601)->value_name("S"), "the bootstrap's random seed")
      ("baseline-predictions-file", po::value<std::string>()->value_name("NAME"),
       "instead of --baseline-predictions: this file of the version --baseline-registry's --channel points to");
  declare_prediction_column_options(options);
}

bool wants_prediction_compare(const po::variables_map& vm) {
  return vm.count("candidate-predictions") || vm.count("baseline-predictions") || vm.count("baseline-predictions-file");
}

Outcome run_compare_predictions(const po::variables_map& vm) {
  const bool from_registry = vm.count("baseline-predictions-file") > 0;
  if (!vm.count("candidate-predictions") || (vm.count("baseline-predictions") == from_registry)) {
    throw_usage("give --candidate-predictions FILE and one of --baseline-predictions FILE or --baseline-predictions-file NAME");
  }
  if (vm.count("candidate") || vm.count("baseline") || (vm.count("baseline-registry") && !from_registry)) {
    throw_usage("give metrics files (--candidate, --baseline) or predictions files, not both");
  }
  const std::string metric = vm["metric"].as<std::string>();
  if (vm.count("min-delta") && vm.count("min-rel-delta")) throw_usage("give --min-delta or --min-rel-delta, not both");
  const bool relative = vm.count("min-rel-delta") > 0;
  const double margin = relative ? vm["min-rel-delta"].as<double>() : vm.count("min-delta") ? vm["min-delta"].as<double>() : 0.0;
  if (!std::isfinite(margin) || margin < 0) {
    throw_usage(std::string(relative ? "--min-rel-delta" : "--min-delta") + " must be a finite number >= 0");
  }
  if (vm.count("lower-is-better") && vm.count("higher-is-better")) {
    throw_usage("give --lower-is-better or --higher-is-better, not both");
  }
  const Direction direction = vm.count("lower-is-better")    ? Direction{true, "--lower-is-better"}
                              : vm.count("higher-is-better") ? Direction{false, "--higher-is-better"}
                                                             : prediction_metric_direction(metric);
  SignificanceOptions options;
  const bool tested = vm.count("significance") > 0;
  if (tested) {
    options.alpha = vm["significance"].as<double>();
    if (!(options.alpha > 0 && options.alpha < 0.5)) throw_usage("--significance must be between 0 and 0.5 (exclusive)");
  }
  options.test = parse_test_kind(vm["test"].as<std::string>());
  options.bootstrap_samples = vm["bootstrap-samples"].as<std::size_t>();
  if (options.bootstrap_samples < 100) throw_usage("--bootstrap-samples must be at least 100");
  options.seed = vm["seed"].as<std::uint64_t>();
  options.lower_is_better = direction.lower_is_better;
  std::vector<Guard> guards;
  if (vm.count("guard")) {
    for (const auto& text : vm["guard"].as<std::vector<std::string>>()) guards.push_back(parse_guard(text));
  }

  PredictionColumns columns = prediction_columns(vm);
  if (vm.count("id-column")) columns.id = vm["id-column"].as<std::string>();
  const std::string candidate_path = vm["candidate-predictions"].as<std::string>();
  const ScratchFolder scratch;
  std::optional<RegistryBaseline> registry_baseline;
  if (from_registry) registry_baseline = fetch_registry_baseline(vm, scratch);
  const std::string baseline_path = from_registry ? registry_baseline->path : vm["baseline-predictions"].as<std::string>();
  const PredictionTable candidate_table = read_predictions(candidate_path, columns);
  if (registry_baseline && !registry_baseline->recorded_label_sha256.empty() && columns.id.empty() &&
      registry_baseline->recorded_label_sha256 != candidate_table.label_sha256) {
    throw_input(candidate_path, "the baseline was evaluated on a different test set (the label column's SHA-256 differs "
                                "from the one recorded with version " + registry_baseline->version + ")");
  }
  const PredictionTable baseline_table = pair_baseline(candidate_table, read_predictions(baseline_path, columns));
  const std::string average = vm.count("average") ? vm["average"].as<std::string>() : "";
  const Evaluator candidate(candidate_table, average), baseline(baseline_table, average);

  auto value_of = [](const Evaluator& evaluator, const std::string& name) {
    if (auto value = evaluator.metric(name)) return *value;
    const Evaluation all = evaluator.all();
    auto why = all.undefined.find(name);
    throw_input(evaluator.table().path,
                why != all.undefined.end() ? name + " is undefined: " + why->second : "no metric \"" + name + "\"");
  };
  const double candidate_value = value_of(candidate, metric), baseline_value = value_of(baseline, metric);
  const double delta = candidate_value - baseline_value;
  const double sign = direction.lower_is_better ? -1.0 : 1.0;
  const double required = baseline_value + sign * (relative ? margin * std::fabs(baseline_value) : margin);
  const bool meets_margin = at_least(sign * candidate_value, sign * required);
  std::optional<Significance> significance;
  if (tested) significance = test_improvement(candidate, baseline, metric, options);
  const bool primary_passed = meets_margin && (!significance || significance->significant());

  Outcome outcome;
  outcome.fields["candidate_predictions"] = candidate_path;
  outcome.fields["baseline_predictions"] = from_registry ? ordered_json(nullptr) : ordered_json(baseline_path);
  if (registry_baseline) outcome.fields["baseline_registry"] = registry_baseline->report;
  ordered_json primary;
  primary["metric"] = metric;
  primary["direction"] = direction.lower_is_better ? "lower" : "higher";
  primary["direction_reason"] = direction.reason;
  primary[relative ? "min_rel_delta" : "min_delta"] = margin;
  primary["baseline"] = baseline_value;
  primary["candidate"] = candidate_value;
  primary["delta"] = delta;
  primary["rel_delta"] = baseline_value != 0 ? ordered_json(delta / std::fabs(baseline_value)) : ordered_json(nullptr);
  primary["required"] = required;
  primary["meets_margin"] = meets_margin;
  primary["passed"] = primary_passed;

  // The sentence every output shares.
  const std::string change = metric + " " + short_number(delta, true) + " (" + short_number(baseline_value) + " → " +
                             short_number(candidate_value) + ")";
  std::string sentence;
  if (significance && significance->significantly_worse()) {
    sentence = change + " is significantly worse: " + p_text(significance->p_worse) + " (" + significance->description + ", " +
               with_thousands(significance->n) + " paired rows)";
  } else if (!meets_margin) {
    sentence = change + " does not meet the margin (" + (direction.lower_is_better ? "<= " : ">= ") + format_human(required) + ")";
  } else if (!significance) {
    sentence = change + " meets the margin (" + (direction.lower_is_better ? "<= " : ">= ") + format_human(required) + ")";
  } else if (significance->significant()) {
    sentence = change + ", significant: " + p_text(significance->p_value) + " (" + significance->description + ", " +
               with_thousands(significance->n) + " paired rows)";
  } else {
    char alpha[32];
    std::snprintf(alpha, sizeof alpha, "%g", significance->alpha);
    sentence = metric + " " + short_number(delta, true) + " meets the margin but is not significant (" +
               p_text(significance->p_value) + " ≥ " + alpha + "; with " + with_thousands(significance->n) +
               " rows only " + (direction.lower_is_better ? "drops below " : "gains above ") +
               short_number(significance->min_detectable_delta * sign, true) + " are detectable)";
  }
  // JUnit shows a passed check by its name only: the name carries the sentence.
  outcome.checks.push_back({metric + " beats the baseline: " + sentence, primary_passed, sentence});
  MarkdownTable table({"Metric", "Baseline", "Candidate", "Change", "p", "Verdict"});
  table.add_row({"`" + metric + "`", format_human(baseline_value), format_human(candidate_value), format_signed(delta),
                 // A significantly worse candidate: the p of "worse", as the sentence gives it.
                 !significance ? "—"
                 : significance->significantly_worse() ? p_cell(significance->p_worse)
                                                       : p_cell(significance->p_value),
                 primary_passed ? "✅ better"
                 : significance && significance->significantly_worse() ? "❌ significantly worse"
                 : meets_margin ? "❌ not significant"
                                : "❌ below the margin"});

  ordered_json guard_reports = ordered_json::array();
  std::vector<std::string> regressed;
  for (const auto& guard : guards) {
    const Direction guard_direction = prediction_metric_direction(guard.metric);
    const double guard_sign = guard_direction.lower_is_better ? -1.0 : 1.0;
    const double b = value_of(baseline, guard.metric), c = value_of(candidate, guard.metric);
    const double bound = b - guard_sign * (guard.relative ? guard.tolerance * std::fabs(b) : guard.tolerance);
    const bool within = at_least(guard_sign * c, guard_sign * bound);
    std::optional<Significance> guard_test;
    if (tested) {
      SignificanceOptions guard_options = options;
      guard_options.test = TestKind::automatic;
      guard_options.lower_is_better = guard_direction.lower_is_better;
      guard_test = test_improvement(candidate, baseline, guard.metric, guard_options);
    }
    const bool worse = guard_test && guard_test->significantly_worse();
    const bool passed = within && !worse;
    if (!passed) regressed.push_back(guard.metric);
    ordered_json report;
    report["metric"] = guard.metric;
    report["baseline"] = b;
    report["candidate"] = c;
    report["delta"] = c - b;
    report["tolerance"] = guard.spelled;
    report["bound"] = bound;
    report["direction"] = guard_direction.lower_is_better ? "lower" : "higher";
    report["passed"] = passed;
    if (guard_test) report["significance"] = significance_json(*guard_test);
    guard_reports.push_back(report);
    std::string message = "guard " + guard.metric + " " + short_number(c - b, true) + " (" + short_number(b) + " → " +
                          short_number(c) + "), allowed " + (guard_direction.lower_is_better ? "<= " : ">= ") +
                          format_human(bound) + " (tolerance " + guard.spelled + ")";
    if (worse) {
      message += ", significantly worse: " + p_text(guard_test->p_worse) + " (" + guard_test->description + ")";
    }
    outcome.checks.push_back({"guard " + guard.metric, passed, message});
    table.add_row({"`" + guard.metric + "` (guard)", format_human(b), format_human(c), format_signed(c - b),
                   guard_test ? p_cell(guard_test->p_worse) : "—",
                   passed ? "✅ within " + guard.spelled : worse ? "❌ significantly worse" : "❌ regressed beyond " + guard.spelled});
    outcome.console += std::string(passed ? "PASS  " : "FAIL  ") + message + "\n";
  }

  const bool promote = primary_passed && regressed.empty();
  outcome.status = promote ? ExitStatus::pass : ExitStatus::gate_failed;
  std::string reason = sentence;
  if (primary_passed && !regressed.empty()) {
    reason = "guard regressed: ";
    for (std::size_t i = 0; i < regressed.size(); ++i) reason += (i ? ", " : "") + regressed[i];
  }
  outcome.fields["decision"] = promote ? "promote" : "keep";
  outcome.fields["reason"] = reason;
  outcome.fields["primary"] = primary;
  outcome.fields["significance"] = significance ? significance_json(*significance) : ordered_json(nullptr);
  outcome.fields["guards"] = guard_reports;
  outcome.headline = std::string(promote ? "promote" : "keep") + ": " + reason;
  outcome.console = std::string(primary_passed ? "PASS  " : "FAIL  ") + sentence + "\n" + outcome.console;
  outcome.console += "ml-compare: " + outcome.headline + "\n";
  outcome.markdown_body = "**" + std::string(promote ? "promote" : "keep") + ":** " + escape_markdown_cell(sentence) + "\n\n" +
                          table.render();
  outcome.dotenv = {{"DECISION", promote ? "promote" : "keep"}};
  if (significance) {
    outcome.dotenv.emplace_back("P_VALUE", format_number(significance->p_value));
  }
  return outcome;
}

}  // namespace lean
