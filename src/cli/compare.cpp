#include "cli/compare.hpp"

#include <cctype>
#include <limits>
#include <set>

#include "cli/options.hpp"
#include "cli/prediction_options.hpp"
#include "core/error.hpp"
#include "core/printable.hpp"
#include "core/suggest.hpp"
#include "gates/compare_report.hpp"
#include "metrics/metrics_formats.hpp"
#include "registry/registry.hpp"

namespace lean {
namespace {

// Bounded: each resample keeps its delta, and a count that cannot be held (or would run for
// days) is a usage error, never an allocation failure.
constexpr std::uint64_t kMaxBootstrapSamples = 1000000;

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

// Given on the command line, not a declared default (--test auto, --seed ...).
bool given(const po::variables_map& vm, const char* name) { return vm.count(name) && !vm[name].defaulted(); }

// An option's text; an empty one (an unset CI variable) is a usage error, never "no baseline".
std::string non_empty(const po::variables_map& vm, const char* name) {
  std::string value = string_option_or(vm, name);
  if (value.empty()) throw_usage(std::string("--") + name + " is empty (an unset variable?)");
  return value;
}

Margin margin_option(const po::variables_map& vm) {
  const std::optional<double> absolute = number_option(vm, "min-delta");
  const std::optional<double> relative = number_option(vm, "min-rel-delta");
  if (absolute && relative) throw_usage("give --min-delta or --min-rel-delta, not both");
  Margin margin;
  margin.relative = relative.has_value();
  margin.value = relative ? *relative : absolute.value_or(0.0);
  if (margin.value < 0)
    throw_usage(std::string(margin.relative ? "--min-rel-delta" : "--min-delta") + " must be a finite number >= 0");
  // A fraction of |baseline|: above 1 a lower-is-better metric would have to change sign,
  // and "--min-rel-delta 2" is more likely meant as 2 % (MLflow's range is the same).
  if (margin.relative && margin.value > 1)
    throw_usage("--min-rel-delta must be a fraction between 0 and 1 (0.02 is 2 %)");
  return margin;
}

// --lower-is-better or --higher-is-better; none: the decision infers it from the name.
std::optional<Direction> direction_option(const po::variables_map& vm) {
  const bool lower = flag_option(vm, "lower-is-better"), higher = flag_option(vm, "higher-is-better");
  if (lower && higher) throw_usage("give --lower-is-better or --higher-is-better, not both");
  if (lower) return Direction{true, "--lower-is-better"};
  if (higher) return Direction{false, "--higher-is-better"};
  return std::nullopt;
}

SignificanceOptions significance_option(const po::variables_map& vm) {
  SignificanceOptions options;
  if (const std::optional<double> alpha = number_option(vm, "significance")) {
    options.alpha = *alpha;
    if (!(options.alpha > 0 && options.alpha < 0.5))
      throw_usage("--significance must be between 0 and 0.5 (exclusive)");
  }
  options.test = parse_test_kind(vm["test"].as<std::string>());
  options.bootstrap_samples = *whole_number_option(vm, "bootstrap-samples", 100, kMaxBootstrapSamples);
  options.seed = *whole_number_option(vm, "seed", 0, std::numeric_limits<std::uint64_t>::max());
  return options;
}

std::vector<Guard> guard_options(const po::variables_map& vm) {
  std::vector<Guard> guards;
  for (const auto& text : strings_option(vm, "guard")) guards.push_back(parse_guard(text));
  return guards;
}

// --candidate-predictions with --baseline-predictions, or --baseline-predictions-file from a registry.
void parse_predictions_options(const po::variables_map& vm, CompareOptions& options) {
  const bool from_registry = flag_option(vm, "baseline-predictions-file");
  if (!flag_option(vm, "candidate-predictions") || flag_option(vm, "baseline-predictions") == from_registry) {
    throw_usage(
        "give --candidate-predictions FILE and one of --baseline-predictions FILE or --baseline-predictions-file NAME");
  }
  if (flag_option(vm, "candidate") || flag_option(vm, "baseline") ||
      (flag_option(vm, "baseline-registry") && !from_registry)) {
    throw_usage("give metrics files (--candidate, --baseline) or predictions files, not both");
  }
  options.metric = *string_option(vm, "metric");
  options.margin = margin_option(vm);
  options.direction = direction_option(vm);
  options.if_no_baseline = choice_option(vm, "if-no-baseline", {"promote", "fail"}).value_or("");
  PredictionsInput predictions;
  const SignificanceOptions significance = significance_option(vm);
  if (flag_option(vm, "significance")) predictions.significance = significance;
  options.guards = guard_options(vm);
  predictions.columns = prediction_columns(vm);
  predictions.columns.id = string_option_or(vm, "id-column");
  predictions.candidate = *string_option(vm, "candidate-predictions");
  predictions.average = string_option_or(vm, "average");
  if (from_registry) {
    if (!flag_option(vm, "baseline-registry") || !flag_option(vm, "model") || !flag_option(vm, "channel")) {
      throw_usage("--baseline-predictions-file needs --baseline-registry URL, --model NAME and --channel CH");
    }
    options.registry = RegistryBaselineSource{*string_option(vm, "baseline-registry"), *string_option(vm, "model"),
                                              *string_option(vm, "channel"), registry_read_options(vm),
                                              *string_option(vm, "baseline-predictions-file")};
  } else {
    // An empty value (an unset CI variable) is a usage error, never "no baseline".
    predictions.baseline = non_empty(vm, "baseline-predictions");
  }
  options.predictions = std::move(predictions);
}

// --candidate with --baseline, or --baseline-registry, --model and --channel.
void parse_metrics_options(const po::variables_map& vm, CompareOptions& options) {
  // A metrics file holds one number, no rows to test: a significance option would be ignored.
  for (const char* option : {"significance", "test", "bootstrap-samples", "seed", "id-column"}) {
    if (given(vm, option)) {
      throw_usage(std::string("--") + option +
                  " compares predictions: give --candidate-predictions and --baseline-predictions, not metrics files");
    }
  }
  refuse_prediction_column_options(vm, "give --candidate-predictions and --baseline-predictions, not metrics files");
  if (!flag_option(vm, "candidate")) throw_usage("the option '--candidate' is required but missing");
  options.candidate = *string_option(vm, "candidate");
  options.metric = *string_option(vm, "metric");
  options.direction = direction_option(vm);
  options.margin = margin_option(vm);
  options.if_no_baseline = choice_option(vm, "if-no-baseline", {"promote", "fail"}).value_or("");
  options.guards = guard_options(vm);
  if (options.candidate == "-" && string_option(vm, "baseline") == "-") {
    throw_usage("\"-\" (standard input) can be given only once");
  }
  const bool registry = flag_option(vm, "baseline-registry"), model = flag_option(vm, "model"),
             channel = flag_option(vm, "channel");
  if (!registry && !model && !channel) {
    if (!flag_option(vm, "baseline")) throw_usage("missing --baseline FILE or --baseline-registry URL");
    options.baseline = non_empty(vm, "baseline");
    return;
  }
  if (flag_option(vm, "baseline")) {
    // Named after what was given: "--baseline base.json --model churn" mixes the two forms.
    throw_usage(registry ? "give --baseline FILE or --baseline-registry URL, not both"
                         : "--model and --channel go with --baseline-registry URL, not with --baseline FILE");
  }
  if (!registry || !model || !channel) {
    throw_usage("a registry baseline needs --baseline-registry URL, --model NAME and --channel CH");
  }
  RegistryBaselineSource source;
  source.url = non_empty(vm, "baseline-registry");
  source.model = non_empty(vm, "model");
  source.channel = non_empty(vm, "channel");
  check_name("model", source.model);
  check_name("channel", source.channel);
  source.connection = registry_read_options(vm);
  options.registry = std::move(source);
}

// The files the run reads, which no output flag may name (ToolSpec::inputs).
std::vector<std::string> compare_input_files(const po::variables_map& vm) {
  std::vector<std::string> inputs;
  for (const char* option : {"candidate", "baseline"}) {  // a metrics file or an MLflow run folder
    if (const std::optional<std::string> path = string_option(vm, option)) {
      for (auto& file : metrics_input_files(*path)) inputs.push_back(std::move(file));
    }
  }
  for (const char* option : {"candidate-predictions", "baseline-predictions"}) {
    if (const std::optional<std::string> path = string_option(vm, option)) inputs.push_back(*path);
  }
  return inputs;
}

void declare_compare_prediction_options(po::options_description& options) {
  options.add_options()("candidate-predictions", po::value<std::string>()->value_name("FILE"),
                        "instead of --candidate: the new model's predictions (CSV/TSV, plain or gzip)")(
      "baseline-predictions", po::value<std::string>()->value_name("FILE"),
      "the production model's predictions on the same examples")(
      "id-column", po::value<std::string>()->value_name("COL"),
      "pair the two files' rows by this column (default: by order)")(
      "significance", po::value<std::string>()->value_name("ALPHA"),
      "promote only when the one-sided test of \"the candidate is better\" gives p < ALPHA (0 < ALPHA < 0.5)")(
      "test", po::value<std::string>()->default_value("auto")->value_name("TEST"),
      "auto, mcnemar, delong, paired-t or bootstrap")
      // Signed, so that -1 is refused rather than wrapped to 2^64 - 1 resamples.
      ("bootstrap-samples", po::value<std::string>()->default_value("10000")->value_name("N"),
       "resamples of the paired bootstrap (100 to 1000000)")(
          "seed", po::value<std::string>()->default_value("20240601")->value_name("S"), "the bootstrap's random seed")(
          "baseline-predictions-file", po::value<std::string>()->value_name("NAME"),
          "instead of --baseline-predictions: this file of the version --baseline-registry's --channel points to");
  declare_prediction_column_options(options);
}

}  // namespace

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
        throw_usage("invalid --guard \"" + text + "\": \"" + number + "\" is not a direction; did you mean \"" +
                    *guess + "\"?");
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

CompareOptions parse_compare_options(const po::variables_map& vm) {
  check_utf8_options(vm);
  CompareOptions options;
  if (flag_option(vm, "candidate-predictions") || flag_option(vm, "baseline-predictions") ||
      flag_option(vm, "baseline-predictions-file")) {
    parse_predictions_options(vm, options);
  } else {
    parse_metrics_options(vm, options);
  }
  return options;
}

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
    options.add_options()("candidate", po::value<std::string>()->value_name("FILE"), "metrics of the new model")(
        "baseline", po::value<std::string>()->value_name("FILE"), "metrics of the model in production")(
        "baseline-registry", po::value<std::string>()->value_name("URL"),
        "instead of --baseline: the metrics published with the version --channel points to")(
        "model", po::value<std::string>()->value_name("NAME"), "with --baseline-registry: the model")(
        "channel", po::value<std::string>()->value_name("CH"),
        "with --baseline-registry: the channel, e.g. production")(
        "metric", po::value<std::string>()->required()->value_name("PATH"), "the primary metric")(
        "min-delta", po::value<std::string>()->value_name("X"), "promote when candidate >= baseline + X (default 0)")(
        "min-rel-delta", po::value<std::string>()->value_name("X"),
        "promote when candidate >= baseline + X * |baseline|, X between 0 and 1")(
        "lower-is-better", "the primary metric improves downwards")(
        "higher-is-better", "the primary metric improves upwards (overrides a loss-like name)")(
        "guard", po::value<std::vector<std::string>>()->composing()->value_name("PATH[:TOL][:DIR]"),
        "a metric that may regress by at most TOL (absolute, or N%); DIR higher or lower overrides the name; "
        "repeatable")(
        "if-no-baseline", po::value<std::string>()->value_name("RULE"),
        "promote or fail when there is no baseline yet: no file (default promote), no model or channel in the "
        "registry (default fail)");
    declare_compare_prediction_options(options);
    declare_s3_options(options, true);
  };
  spec.run = [](const po::variables_map& vm) { return compare_outcome(compare(parse_compare_options(vm))); };
  spec.inputs = compare_input_files;
  return spec;
}

int compare_main(int argc, const char* const* argv) { return run_tool(compare_tool(), argc, argv); }

}  // namespace lean
