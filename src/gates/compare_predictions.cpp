#include "gates/compare_predictions.hpp"

#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/format.hpp"
#include "cli/prediction_options.hpp"
#include "evaluate/paired.hpp"
#include "gates/compare_common.hpp"
#include "input/s3_input.hpp"
#include "metrics/direction.hpp"
#include "metrics/tolerance.hpp"
#include "cli/tool.hpp"
#include "storage/open_storage.hpp"
#include "registry/registry.hpp"
#include "report/markdown.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace lean {
namespace {

namespace po = boost::program_options;
using ordered_json = nlohmann::ordered_json;

constexpr long long kMaxBootstrapSamples = 1000000;

// The metrics a predictions file yields that improve downwards (some lack a loss-like word).
Direction prediction_metric_direction(const std::string& metric) {
  for (const char* name : {"mae", "mse", "rmse", "log_loss", "brier_score", "mape", "median_absolute_error", "max_error",
                           "fp", "fn"}) {
    if (metric == name) return {true, "\"" + metric + "\" is a loss"};
  }
  return infer_direction(metric);
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

// No baseline yet (the --if-no-baseline rule): `absent` says why.
RegistryBaseline fetch_registry_baseline(const po::variables_map& vm, const ScratchFolder& scratch, std::string& absent) {
  if (!vm.count("baseline-registry") || !vm.count("model") || !vm.count("channel")) {
    throw_usage("--baseline-predictions-file needs --baseline-registry URL, --model NAME and --channel CH");
  }
  const std::string name = vm["baseline-predictions-file"].as<std::string>();
  const std::string url = vm["baseline-registry"].as<std::string>();
  const std::string model = vm["model"].as<std::string>(), channel = vm["channel"].as<std::string>();
  std::unique_ptr<Storage> storage = open_storage(url, registry_read_options(vm));
  Registry registry(*storage);
  RegistryBaseline out;
  out.report = {{"registry", storage->describe()}, {"model", model}, {"channel", channel}, {"version", nullptr},
                {"file", name}, {"label_sha256", nullptr}};
  const bool promote_without_baseline = if_no_baseline_option(vm) == "promote";
  if (std::optional<std::string> gap = registry_gap(*storage, url, model, channel, promote_without_baseline)) {
    absent = *gap;
    return out;
  }
  auto [version, manifest] = registry.resolve(model, Selector{std::nullopt, channel});
  bool found = false;
  for (const auto& file : manifest.files) found = found || file.name == name;
  if (!found) throw_input(storage->describe(), "version " + version + " of " + model + " has no file \"" + name + "\"");
  registry.fetch(model, version, manifest, scratch.path());  // every file checked against the manifest
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
      // Signed, so that -1 is refused rather than wrapped to 2^64 - 1 resamples.
      ("bootstrap-samples", po::value<long long>()->default_value(10000)->value_name("N"),
       "resamples of the paired bootstrap (100 to 1000000)")
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
  const Margin margin = margin_option(vm);
  const bool relative = margin.relative;
  const Direction direction = primary_direction(vm, metric, prediction_metric_direction);
  const std::string if_no_baseline = if_no_baseline_option(vm);
  SignificanceOptions options;
  const bool tested = vm.count("significance") > 0;
  if (tested) {
    options.alpha = vm["significance"].as<double>();
    if (!(options.alpha > 0 && options.alpha < 0.5)) throw_usage("--significance must be between 0 and 0.5 (exclusive)");
  }
  options.test = parse_test_kind(vm["test"].as<std::string>());
  // Bounded: each resample keeps its delta, and a count that cannot be held (or would run
  // for days) is a usage error, never an allocation failure.
  const long long samples = vm["bootstrap-samples"].as<long long>();
  if (samples < 100 || samples > kMaxBootstrapSamples) {
    throw_usage("--bootstrap-samples must be a whole number from 100 to " + std::to_string(kMaxBootstrapSamples) + ", not " +
                std::to_string(samples));
  }
  options.bootstrap_samples = static_cast<std::size_t>(samples);
  options.seed = vm["seed"].as<std::uint64_t>();
  options.lower_is_better = direction.lower_is_better;
  const std::vector<Guard> guards = guard_options(vm);

  PredictionColumns columns = prediction_columns(vm);
  if (vm.count("id-column")) columns.id = vm["id-column"].as<std::string>();
  const std::string candidate_path = vm["candidate-predictions"].as<std::string>();
  const ScratchFolder scratch;
  std::optional<RegistryBaseline> registry_baseline;
  std::string absent;  // why there is no baseline yet
  if (from_registry) registry_baseline = fetch_registry_baseline(vm, scratch, absent);
  std::string baseline_path = from_registry ? registry_baseline->path : vm["baseline-predictions"].as<std::string>();
  if (!from_registry) {
    // An empty value (an unset CI variable) is a usage error, never "no baseline".
    if (baseline_path.empty()) throw_usage("--baseline-predictions is empty (an unset variable?)");
    std::error_code ec;
    // An s3:// object is read (a missing one is exit 3, as for --baseline), never "no baseline".
    if (!input::is_s3_url(baseline_path) && !std::filesystem::exists(baseline_path, ec)) {
      absent = "'" + baseline_path + "' does not exist";
    }
  }
  const PredictionTable candidate_table = read_predictions(candidate_path, columns);
  const std::string average = vm.count("average") ? vm["average"].as<std::string>() : "";
  auto value_of = [](const Evaluator& evaluator, const std::string& name) {
    if (auto value = evaluator.metric(name)) {
      // As ml-validate --predictions: JSON has no infinity, and no test is meaningful on it.
      if (!std::isfinite(*value)) {
        throw_input(evaluator.table().path,
                    "metric \"" + name + "\" overflows: it is not a finite number (the values are too large for a double)");
      }
      return *value;
    }
    throw_unavailable_metric(evaluator, name);
  };

  Outcome outcome;
  outcome.fields["candidate_predictions"] = candidate_path;
  outcome.fields["baseline_predictions"] = from_registry ? ordered_json(nullptr) : ordered_json(baseline_path);
  if (registry_baseline) outcome.fields["baseline_registry"] = registry_baseline->report;
  ordered_json primary;
  primary["metric"] = metric;
  primary["direction"] = direction.lower_is_better ? "lower" : "higher";
  primary["direction_reason"] = direction.reason;
  primary[relative ? "min_rel_delta" : "min_delta"] = margin.value;
  if (!absent.empty()) {
    const double candidate_value = value_of(Evaluator(candidate_table, average), metric);
    return no_baseline_outcome(std::move(outcome), std::move(primary), candidate_value, absent, if_no_baseline, from_registry);
  }

  if (registry_baseline && !registry_baseline->recorded_label_sha256.empty() && columns.id.empty() &&
      registry_baseline->recorded_label_sha256 != candidate_table.label_sha256) {
    throw_input(candidate_path, "the baseline was evaluated on a different test set (the label column's SHA-256 differs "
                                "from the one recorded with version " + registry_baseline->version + ")");
  }
  const PredictionTable baseline_table = pair_baseline(candidate_table, read_predictions(baseline_path, columns));
  const Evaluator candidate(candidate_table, average), baseline(baseline_table, average);

  const double candidate_value = value_of(candidate, metric), baseline_value = value_of(baseline, metric);
  const double delta = candidate_value - baseline_value;
  const double sign = direction.lower_is_better ? -1.0 : 1.0;
  const double required = baseline_value + sign * (relative ? margin.value * std::fabs(baseline_value) : margin.value);
  const bool meets_margin = at_least(sign * candidate_value, sign * required);
  std::optional<Significance> significance;
  if (tested) significance = test_improvement(candidate, baseline, metric, options);
  const bool primary_passed = meets_margin && (!significance || significance->significant());

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
  outcome.console += check_line(primary_passed, sentence);
  MarkdownTable table({"Metric", "Baseline", "Candidate", "Change", "p", "Verdict"});
  table.add_row({markdown_code(metric), format_human(baseline_value), format_human(candidate_value), format_signed(delta),
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
    const Direction guard_dir = guard_direction(guard, prediction_metric_direction);
    const double c = value_of(candidate, guard.metric), b = value_of(baseline, guard.metric);  // errors name the candidate first
    const GuardCheck check = check_guard(guard, guard_dir, b, c);
    // A guard is tested as the primary metric is, for "worse" (docs/ml-compare.md, Significance).
    std::optional<Significance> guard_test;
    if (tested) {
      SignificanceOptions guard_options = options;
      guard_options.test = TestKind::automatic;
      guard_options.lower_is_better = guard_dir.lower_is_better;
      guard_test = test_improvement(candidate, baseline, guard.metric, guard_options);
    }
    const bool worse = guard_test && guard_test->significantly_worse();
    const bool passed = check.within && !worse;
    if (!passed) regressed.push_back(guard.metric);
    ordered_json report = guard_json(guard, guard_dir, b, c, check, passed, false);
    if (guard_test) report["significance"] = significance_json(*guard_test);
    guard_reports.push_back(report);
    std::string message = "guard " + guard.metric + " " + short_number(c - b, true) + " (" + short_number(b) + " → " +
                          short_number(c) + "), allowed " + (guard_dir.lower_is_better ? "<= " : ">= ") +
                          format_human(check.bound) + " (tolerance " + guard.spelled + ")";
    if (worse) {
      message += ", significantly worse: " + p_text(guard_test->p_worse) + " (" + guard_test->description + ")";
    }
    outcome.checks.push_back({"guard " + guard.metric, passed, message});
    table.add_row({markdown_code(guard.metric) + " (guard)", format_human(b), format_human(c), format_signed(c - b),
                   guard_test ? p_cell(guard_test->p_worse) : "—", guard_verdict_cell(guard, passed, worse)});
    outcome.console += check_line(passed, message);
  }

  const ordered_json significance_report = significance ? significance_json(*significance) : ordered_json(nullptr);
  decide(outcome, primary_passed, sentence, regressed, "keep", std::move(primary), &significance_report,
         std::move(guard_reports));
  const bool promote = outcome.status == ExitStatus::pass;
  outcome.markdown_body = "**" + std::string(promote ? "promote" : "keep") + ":** " + markdown_text(sentence) + "\n\n" +
                          table.render();
  if (significance) outcome.dotenv.emplace_back("P_VALUE", format_number(significance->p_value));
  return outcome;
}

}  // namespace lean
