#include "cli/drift.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <thread>
#include <tuple>

#include "cli/drift_profile.hpp"
#include "cli/options.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/redact.hpp"
#include "core/suggest.hpp"
#include "csv/cells.hpp"
#include "drift/html.hpp"
#include "drift/openmetrics.hpp"
#include "drift/pushgateway.hpp"
#include "drift/trigger.hpp"
#include "profile/profile.hpp"
#include "profile/profile_schema.hpp"
#include "registry/registry.hpp"

namespace lean {
namespace {

constexpr unsigned kMaxThreads = 256;

Method method_option(const po::variables_map& vm, const char* option, bool categorical) {
  const std::string text = string_option_or(vm, option);
  if (text.empty()) return Method::automatic;
  auto method = parse_method(text);
  if (!method) {
    throw_usage("unknown --" + std::string(option) + " \"" + text + "\"" + did_you_mean(text, method_names()) +
                " (one of " + join_limited(method_names(), 10) + ")");
  }
  if (categorical && (*method == Method::ks || *method == Method::wasserstein)) {
    throw_usage("--categorical-method " + text + " needs numbers; use auto, chi2, jensenshannon, psi or ztest");
  }
  return *method;
}

// Thresholds and shares are read as the data's cells are (parse_finite_number: "1e-400" is
// 0, as in Python), and a bad one is named with what it must be.
double positive_number(const std::string& text, const std::string& option) {
  const std::optional<double> value = parse_finite_number(text);
  if (!value || *value <= 0) throw_usage(option + " must be a positive number, not \"" + text + "\"");
  return *value;
}
// A p-value threshold is a probability: drift when p < t, so t >= 1 flags every column.
void require_p_value_threshold(double value, const std::string& spelled) {
  if (value >= 1) throw_usage("--threshold " + spelled + ": a p-value threshold must be between 0 and 1");
}

// --threshold 0.01 (every method), or per method and per column: ks=0.01,psi=0.25,age=0.001.
// A key that names a method is the method; any other key is a column of the reference
// (checked by require_threshold_columns once the header is known).
void threshold_option(const std::string& text, DriftSettings& settings) {
  if (text.empty()) return;
  if (text.find('=') == std::string::npos) {
    const double value = positive_number(text, "--threshold");
    require_p_value_threshold(value, text + " (it applies to ks, chi2 and ztest too; give METHOD=X for one method)");
    for (const auto& name : method_names()) {
      if (auto method = parse_method(name); method && *method != Method::automatic)
        settings.thresholds[*method] = value;
    }
    return;
  }
  std::set<std::string> seen;
  for (const auto& item : split_list(text)) {
    const auto equals = item.find('=');
    const std::string name = item.substr(0, equals);
    if (equals == std::string::npos || name.empty() || name == "auto") {
      throw_usage("--threshold \"" + item + "\" is not METHOD=NUMBER or COLUMN=NUMBER" +
                  did_you_mean(name, method_names()));
    }
    if (!seen.insert(name).second) throw_usage("--threshold names \"" + name + "\" twice");
    const double value = positive_number(item.substr(equals + 1), "--threshold " + name);
    if (auto method = parse_method(name)) {
      if (gives_p_value(*method)) require_p_value_threshold(value, item);
      settings.thresholds[*method] = value;
    } else {
      settings.column_thresholds[name] = value;
    }
  }
}

// --delimiter: nullopt when not given (each file's name decides).
std::optional<char> delimiter_option(const po::variables_map& vm) {
  const std::string text = string_option_or(vm, "delimiter");
  if (text.empty()) return std::nullopt;
  if (text == "tab" || text == "\\t" || text == "\t") return '\t';
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r") {
    throw_usage("--delimiter must be one character (or \"tab\"), not \"" + text + "\"");
  }
  return text[0];
}

unsigned threads_option(const po::variables_map& vm) {
  const std::optional<std::uint64_t> threads = whole_number_option(vm, "threads", 1, kMaxThreads);
  return threads ? static_cast<unsigned>(*threads) : std::max(1u, std::thread::hardware_concurrency());
}

std::optional<std::size_t> max_categories_option(const po::variables_map& vm) {
  const std::optional<std::string> text = string_option(vm, "max-categories");
  if (!text) return std::nullopt;
  if (text->starts_with('-') && parse_number(*text, "--max-categories") != 0) {
    throw_usage("--max-categories must be 0 or more");
  }
  return parse_whole_number(*text, "max-categories", 0, std::numeric_limits<int>::max());
}

std::vector<std::string> list_option(const po::variables_map& vm, const char* option) {
  return split_list(string_option_or(vm, option));
}

// A per-column option that may be given more than once (`--unique id --unique ts`), each value
// a comma list: all items, in order, so a column named twice is still caught.
std::vector<std::string> repeated_list_option(const po::variables_map& vm, const char* option) {
  std::vector<std::string> items;
  for (const auto& value : strings_option(vm, option)) {
    for (auto& item : split_list(value)) items.push_back(std::move(item));
  }
  return items;
}

// --columns or --exclude, and --numeric and --categorical, checked against each other here
// and against the header by the run.
ColumnChoice column_choice(const po::variables_map& vm) {
  ColumnChoice choice;
  choice.only = list_option(vm, "columns");
  choice.excluded = list_option(vm, "exclude");
  if (!choice.only.empty() && !choice.excluded.empty()) throw_usage("give --columns or --exclude, not both");
  choice.numeric = list_option(vm, "numeric");
  choice.categorical = list_option(vm, "categorical");
  for (const auto& name : choice.numeric) {
    if (std::find(choice.categorical.begin(), choice.categorical.end(), name) != choice.categorical.end()) {
      throw_usage("column \"" + name + "\" is in both --numeric and --categorical");
    }
  }
  return choice;
}

DriftSettings settings_from(const po::variables_map& vm) {
  DriftSettings settings;
  settings.numeric_method = method_option(vm, "numeric-method", false);
  settings.categorical_method = method_option(vm, "categorical-method", true);
  threshold_option(string_option_or(vm, "threshold"), settings);
  if (const auto text = string_option(vm, "drift-share")) {
    settings.drift_share = positive_number(*text, "--drift-share");
    if (settings.drift_share > 1) throw_usage("--drift-share must be at most 1, not \"" + *text + "\"");
  }
  if (const auto correction_text = string_option(vm, "correction")) {
    const std::string& text = *correction_text;
    auto correction = parse_correction(text);
    if (!correction) {
      throw_usage("unknown --correction \"" + text + "\"" + did_you_mean(text, {"none", "bonferroni", "fdr"}) +
                  " (one of none, bonferroni, fdr)");
    }
    settings.correction = *correction;
  }
  return settings;
}

double share_value(const std::string& text, const std::string& option) {
  const std::optional<double> value = parse_finite_number(text);
  if (!value || !(*value >= 0 && *value <= 1))
    throw_usage(option + " must be a share between 0 and 1, not \"" + text + "\"");
  return *value;
}

double share_option(const po::variables_map& vm, const char* option, double fallback) {
  const std::optional<std::string> text = string_option(vm, option);
  return text ? share_value(*text, "--" + std::string(option)) : fallback;
}

QualitySettings quality_settings_from(const po::variables_map& vm) {
  QualitySettings quality;
  quality.enabled = flag_option(vm, "quality") || vm.count("schema");
  quality.fail_on_new_columns = flag_option(vm, "fail-on-new-columns");
  quality.max_missing_increase = share_option(vm, "max-missing-increase", quality.max_missing_increase);
  quality.max_out_of_range = share_option(vm, "max-out-of-range", quality.max_out_of_range);
  quality.max_new_categories = share_option(vm, "max-new-categories", quality.max_new_categories);
  quality.max_duplicate_increase = share_option(vm, "max-duplicate-increase", quality.max_duplicate_increase);
  for (const auto& item : repeated_list_option(vm, "max-missing")) {
    const auto equals = item.find('=');
    if (equals == std::string::npos || equals == 0) throw_usage("--max-missing \"" + item + "\" is not COLUMN=SHARE");
    const std::string name = item.substr(0, equals);
    // Two limits for one column: which one was meant is a guess, so neither is taken.
    if (quality.max_missing.count(name)) throw_usage("--max-missing names \"" + name + "\" twice");
    quality.max_missing[name] = share_value(item.substr(equals + 1), "--max-missing " + name);
  }
  if (const auto rows_ratio = string_option(vm, "rows-ratio")) {
    const std::string& text = *rows_ratio;
    const auto colon = text.find(':');
    double low = -1, high = -1;
    if (colon != std::string::npos) {
      const auto parsed_low = parse_finite_number(std::string_view(text).substr(0, colon));
      const auto parsed_high = parse_finite_number(std::string_view(text).substr(colon + 1));
      if (parsed_low && parsed_high) std::tie(low, high) = std::pair(*parsed_low, *parsed_high);
    }
    if (!(low >= 0 && high >= low && std::isfinite(high))) {
      throw_usage("--rows-ratio must be MIN:MAX with 0 <= MIN <= MAX, not \"" + text + "\"");
    }
    quality.rows_ratio = std::make_pair(low, high);
  }
  quality.unique = repeated_list_option(vm, "unique");
  for (std::size_t i = 0; i < quality.unique.size(); ++i) {
    if (std::find(quality.unique.begin(), quality.unique.begin() + i, quality.unique[i]) !=
        quality.unique.begin() + i) {
      throw_usage("--unique names \"" + quality.unique[i] + "\" twice");
    }
  }
  const bool tuned = vm.count("fail-on-new-columns") || vm.count("max-missing-increase") || vm.count("max-missing") ||
                     vm.count("max-out-of-range") || vm.count("max-new-categories") || vm.count("rows-ratio") ||
                     vm.count("max-duplicate-increase") || vm.count("unique");
  if (tuned && !quality.enabled) throw_usage("the data-quality options go with --quality or --schema");
  return quality;
}

// `ml-drift schema`: its own options (and the column choice, delimiter and threads of a CSV).
void parse_schema_options(const po::variables_map& vm, DriftOptions& options) {
  const std::string reference_path = string_option_or(vm, "reference"), output = string_option_or(vm, "output");
  const std::string profile_path = string_option_or(vm, "reference-profile");
  if ((reference_path.empty() && profile_path.empty()) || output.empty()) {
    throw_usage(
        "ml-drift schema needs --reference REF.csv (or --reference-profile REF.profile) and --output SCHEMA.json");
  }
  if (!reference_path.empty() && !profile_path.empty())
    throw_usage("give --reference or --reference-profile, not both");
  if (vm.count("current") || vm.count("schema") || vm.count("current-profile")) {
    throw_usage("ml-drift schema reads only --reference; give --current when checking");
  }
  options.output = output;
  if (const std::optional<std::size_t> max_categories = max_categories_option(vm)) {
    options.schema.max_categories = *max_categories;
  }
  if (!profile_path.empty()) {
    options.schema_from_profile = profile_path;
    return;
  }
  options.schema.reference_path = reference_path;
  options.schema.threads = threads_option(vm);
  options.schema.delimiter = delimiter_option(vm);
  options.schema.columns = column_choice(vm);
}

// Against a reference profile: a profile holds no rows, so no data-quality check, and the
// current data is profiled exactly, so nothing but the columns to compare.
void parse_profile_drift_options(const po::variables_map& vm, DriftOptions& options) {
  for (const char* option :
       {"quality", "schema", "fail-on-new-columns", "max-missing-increase", "max-missing", "max-out-of-range",
        "max-new-categories", "rows-ratio", "max-duplicate-increase", "unique"}) {
    if (vm.count(option)) {
      throw_usage(std::string("--") + option + " checks the reference's rows: it does not go with a reference profile");
    }
  }
  ProfileDriftInput& input = options.profiles;
  input.settings = settings_from(vm);
  if (vm.count("reference-profile") && vm.count("reference-registry")) {
    throw_usage("give --reference-profile or --reference-registry, not both");
  }
  if (!vm.count("reference-profile") && !vm.count("reference-registry")) {
    throw_usage("--current-profile goes with --reference-profile REF.profile");
  }
  // Messages name the reference option the user gave.
  const std::string given = vm.count("reference-registry") ? "--reference-registry" : "--reference-profile";
  if (vm.count("reference")) throw_usage("give --reference or " + given + ", not both");
  if (vm.count("current") == vm.count("current-profile")) {
    throw_usage("give --current CUR.csv or --current-profile CUR.profile with " + given);
  }
  for (const char* option : {"html", "openmetrics", "pushgateway", "changed", "numeric", "categorical"}) {
    if (vm.count(option)) throw_usage("--" + std::string(option) + " does not go with " + given);
  }
  const std::string on_undecided = string_option_or(vm, "on-undecided", "drift");
  if (on_undecided != "drift" && on_undecided != "pass" && on_undecided != "error") {
    throw_usage("--on-undecided must be drift, pass or error, not \"" + on_undecided + "\"");
  }
  options.on_undecided = on_undecided == "pass"    ? OnUndecided::pass
                         : on_undecided == "error" ? OnUndecided::error
                                                   : OnUndecided::drift;
  if (const auto url = string_option(vm, "reference-registry")) {
    RegistryProfile registry;
    registry.url = *url;
    registry.model = string_option_or(vm, "model");
    registry.channel = string_option_or(vm, "channel");
    if (registry.model.empty() || registry.channel.empty()) {
      throw_usage("--reference-registry needs --model NAME and --channel CH");
    }
    check_name("model", registry.model);
    check_name("channel", registry.channel);
    registry.options = registry_read_options(vm);
    input.registry = std::move(registry);
  } else {
    input.reference_profile = string_option_or(vm, "reference-profile");
  }
  input.current_profile = string_option_or(vm, "current-profile");
  input.current = string_option_or(vm, "current");
  input.columns = column_choice(vm);
  input.delimiter = string_option_or(vm, "delimiter");
}

// Raw data against raw data or a schema, with the data-quality checks.
void parse_check_options(const po::variables_map& vm, DriftOptions& options) {
  DriftCheckInput& input = options.check;
  input.reference_path = string_option_or(vm, "reference");
  input.current_path = string_option_or(vm, "current");
  input.schema_path = string_option_or(vm, "schema");
  if (input.current_path.empty() || (input.reference_path.empty() && input.schema_path.empty())) {
    throw_usage("give --reference REF.csv and --current CUR.csv (or --changed FILE... --state STATE.json)");
  }
  if (vm.count("state")) throw_usage("--state goes with --changed FILE...");
  input.settings = settings_from(vm);
  input.quality = quality_settings_from(vm);
  input.threads = threads_option(vm);
  input.delimiter = delimiter_option(vm);
  input.columns = column_choice(vm);
  options.html = string_option_or(vm, "html");
  options.openmetrics = string_option_or(vm, "openmetrics");
  options.pushgateway = string_option_or(vm, "pushgateway");
  if (!options.pushgateway.empty()) options.ca_bundle = ca_bundle_option(vm);
}

// `ml-drift schema`: the schema file written, and the report's account of it.
Outcome schema_written(const std::string& source, const std::string& output, const ExpectedDataset& schema) {
  write_file_atomically(output, schema_json(schema).dump(2) + "\n");
  Outcome outcome;
  outcome.fields["reference"] = source;
  outcome.fields["schema"] = output;
  outcome.fields["columns"] = schema.columns.size();
  outcome.headline = "schema of " + std::to_string(schema.columns.size()) + " columns written to " + output;
  outcome.console = "ml-drift: " + outcome.headline + "\n";
  return outcome;
}

Outcome run_drift(const DriftOptions& options) {
  switch (options.mode) {
    case DriftOptions::Mode::changed: return check_changed_files(options.changed, options.state);
    case DriftOptions::Mode::schema:
      if (!options.schema_from_profile.empty()) {
        return schema_written(
            options.schema_from_profile, options.output,
            schema_from_profile(read_profile(options.schema_from_profile), options.schema.max_categories));
      }
      return schema_written(options.schema.reference_path, options.output, infer_schema(options.schema));
    case DriftOptions::Mode::profiles:
      return profile_drift_outcome(profile_drift(options.profiles), options.on_undecided);
    case DriftOptions::Mode::check: break;
  }
  const DriftRun run = check_drift(options.check);
  Outcome outcome = drift_outcome(run);
  // Redacted whole like every other output (core/redact.hpp); each outside text was also
  // redacted before it was escaped.
  if (!options.html.empty()) write_file_atomically(options.html, redact(render_drift_html(run)));
  if (!options.openmetrics.empty()) write_file_atomically(options.openmetrics, redact(render_openmetrics(run)));
  if (!options.pushgateway.empty())
    push_to_gateway(options.pushgateway, render_prometheus_text(run), options.ca_bundle);
  return outcome;
}

}  // namespace

DriftOptions parse_drift_options(const po::variables_map& vm) {
  // Checked in every mode, also where it has no use for them (as when Boost read them): a
  // typo is an error, not a silently ignored value.
  threads_option(vm);
  max_categories_option(vm);
  DriftOptions options;
  if (vm.count("changed")) {
    if (vm.count("reference") || vm.count("current"))
      throw_usage("--changed checks files; give it without --reference/--current");
    if (!vm.count("state")) throw_usage("--changed needs --state STATE.json to remember the files' hashes");
    options.mode = DriftOptions::Mode::changed;
    options.changed = strings_option(vm, "changed");
    options.state = string_option_or(vm, "state");
    return options;
  }
  if (const auto command = string_option(vm, "command")) {
    if (*command != "schema") {
      throw_usage("unknown command \"" + *command + "\" (ml-drift schema writes a schema; checks take options only)");
    }
    options.mode = DriftOptions::Mode::schema;
    parse_schema_options(vm, options);
    return options;
  }
  if (vm.count("output")) throw_usage("--output goes with ml-drift schema");
  if (vm.count("reference-profile") || vm.count("current-profile") || vm.count("reference-registry")) {
    options.mode = DriftOptions::Mode::profiles;
    parse_profile_drift_options(vm, options);
    return options;
  }
  options.mode = DriftOptions::Mode::check;
  parse_check_options(vm, options);
  return options;
}

ToolSpec drift_tool() {
  ToolSpec spec;
  spec.name = "ml-drift";
  spec.synopsis =
      "ml-drift --reference REF.csv --current CUR.csv [--columns a,b | --exclude id,ts] [--categorical c,...]\n"
      "                [--numeric c,...] [--numeric-method M] [--categorical-method M] [--threshold X]\n"
      "                [--drift-share S] [--correction none|bonferroni|fdr] [--threads N] [--html FILE]\n"
      "                [--quality] [--schema SCHEMA.json] [quality options]\n"
      "       ml-drift --schema SCHEMA.json --current CUR.csv [quality options]\n"
      "       ml-drift schema (--reference REF.csv | --reference-profile REF.profile) --output SCHEMA.json\n"
      "                [--max-categories N]\n"
      "       ml-drift (--reference-profile REF.profile | --reference-registry URL --model M --channel CH)\n"
      "                (--current CUR.csv | --current-profile CUR.profile)\n"
      "                [--on-undecided drift|pass|error] [options as above]\n"
      "       ml-drift profile DATA... --output FILE.profile (see ml-drift profile --help)\n"
      "       ml-drift --changed FILE... --state STATE.json";
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()("reference", po::value<std::string>()->value_name("FILE"),
                          "reference data: CSV, TSV (optionally gzipped), or Parquet (a file or a folder of files)")(
        "current", po::value<std::string>()->value_name("FILE"), "current data to compare with the reference")(
        "columns", po::value<std::string>()->value_name("a,b"), "compare only these columns")(
        "exclude", po::value<std::string>()->value_name("a,b"), "compare every column but these")(
        "categorical", po::value<std::string>()->value_name("a,b"), "treat these columns as categories")(
        "numeric", po::value<std::string>()->value_name("a,b"), "treat these columns as numbers")(
        "numeric-method", po::value<std::string>()->value_name("M"),
        "auto (default), ks, wasserstein, psi, jensenshannon, chi2, ztest")(
        "categorical-method", po::value<std::string>()->value_name("M"),
        "auto (default), chi2, jensenshannon, psi, ztest")(
        "threshold", po::value<std::string>()->value_name("X"),
        "drift threshold for every method, or per method and column: ks=0.01,psi=0.25,age=0.001 (defaults: "
        "p-values 0.05, psi 0.2, other distances 0.1)")("drift-share", po::value<std::string>()->value_name("S"),
                                                        "dataset drift when this share of tested columns drift (0.5)")(
        "correction", po::value<std::string>()->value_name("C"),
        "p-value correction across columns: none, bonferroni, fdr")(
        "threads", po::value<std::string>()->value_name("N"), "threads to use (default: every core)")(
        "delimiter", po::value<std::string>()->value_name("C"), "field delimiter (default: tab for .tsv, else comma)")(
        "html", po::value<std::string>()->value_name("FILE"), "write a self-contained HTML report to FILE")(
        "openmetrics", po::value<std::string>()->value_name("FILE"), "write the scores as OpenMetrics text to FILE")(
        "pushgateway", po::value<std::string>()->value_name("URL"), "push the scores to a Prometheus Pushgateway")(
        "ca-bundle", po::value<std::string>()->value_name("FILE"),
        "with --pushgateway or s3:// inputs: PEM file of the CAs to trust for https (certificates are always "
        "verified)")("changed", po::value<std::vector<std::string>>()->multitoken()->value_name("FILE..."),
                     "exit 1 when any file's SHA-256 differs from the one in --state (and record it)")(
        "state", po::value<std::string>()->value_name("FILE"), "JSON file of recorded hashes for --changed")(
        "quality", "also run the data-quality checks against the reference (a failed check fails the gate)")(
        "schema", po::value<std::string>()->value_name("FILE"),
        "check the current data against this schema (implies the data-quality checks; --reference optional)")(
        "fail-on-new-columns", "a column of the current data missing from the reference fails")(
        "max-missing-increase", po::value<std::string>()->value_name("X"),
        "fail when a column's missing share exceeds the reference's by more than X (0.05)")(
        "max-missing", po::value<std::vector<std::string>>()->value_name("a=X,..."),
        "fail when a named column's missing share exceeds X (repeatable)")(
        "max-out-of-range", po::value<std::string>()->value_name("X"),
        "fail when more than this share of a column's values is outside the reference's [min, max] (0.01)")(
        "max-new-categories", po::value<std::string>()->value_name("X"),
        "fail when more than this share of a column's values are categories the reference lacks (0.01)")(
        "rows-ratio", po::value<std::string>()->value_name("MIN:MAX"),
        "fail when current rows / reference rows is outside MIN:MAX")(
        "max-duplicate-increase", po::value<std::string>()->value_name("X"),
        "fail when the share of duplicated rows exceeds the reference's by more than X (0.01)")(
        "unique", po::value<std::vector<std::string>>()->value_name("a,b"),
        "these columns must have no duplicate values (repeatable)")(
        "output", po::value<std::string>()->value_name("FILE"), "ml-drift schema: write the schema to FILE")(
        "max-categories", po::value<std::string>()->value_name("N"),
        "ml-drift schema: list a column's categories when it has at most N distinct values (1000)")(
        "command", po::value<std::string>()->value_name("schema"), "schema: infer a schema from --reference")(
        "reference-profile", po::value<std::string>()->value_name("FILE"),
        "compare with a profile (ml-drift profile) instead of --reference; ml-drift schema: derive the schema from it")(
        "current-profile", po::value<std::string>()->value_name("FILE"),
        "with --reference-profile: the current data as a profile")(
        "reference-registry", po::value<std::string>()->value_name("URL"),
        "compare with the profile published with the version --channel points to (ml-release publish --profile)")(
        "model", po::value<std::string>()->value_name("NAME"), "with --reference-registry: the model")(
        "channel", po::value<std::string>()->value_name("CH"),
        "with --reference-registry: the channel, e.g. production")(
        "on-undecided", po::value<std::string>()->value_name("X"),
        "with profiles: the exit when sketch error leaves the verdict open: drift (default, exit 1), pass, error (exit "
        "3)");
    declare_s3_options(options, false);
    positional.add("command", 1);
  };
  spec.run = [](const po::variables_map& vm) { return run_drift(parse_drift_options(vm)); };
  spec.inputs = input_options({"reference", "current", "schema", "reference-profile", "current-profile", "changed"});
  return spec;
}

int drift_main(int argc, const char* const* argv) {
  if (argc > 1 && std::string(argv[1]) == "profile") return profile_main(argc - 1, argv + 1);
  return run_tool(drift_tool(), argc, argv);
}

}  // namespace lean
