#include "gates/compare_predictions.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "core/error.hpp"
#include "evaluate/evaluation.hpp"
#include "evaluate/paired.hpp"
#include "input/s3_input.hpp"
#include "metrics/tolerance.hpp"
#include "registry/registry.hpp"

namespace lean {
namespace {

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
  std::string shown;  // how messages name it: REGISTRY/MODEL@VERSION/NAME, never the scratch path
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The baseline's table, read from the scratch folder for a registry baseline: then every error
// and the table name the file as the registry holds it.
PredictionTable read_baseline(const std::string& path, const std::optional<RegistryBaseline>& registry,
                              const PredictionColumns& columns) {
  if (!registry) return read_predictions(path, columns);
  try {
    PredictionTable table = read_predictions(path, columns);
    table.path = registry->shown;
    return table;
  } catch (const Error& e) {
    throw Error(e.status(), replace_all(e.subject(), path, registry->shown),
                replace_all(e.what(), path, registry->shown));
  }
}

// No baseline yet (the --if-no-baseline rule): `absent` says why.
RegistryBaseline fetch_registry_baseline(const CompareInput& input, const ScratchFolder& scratch, CompareResult& result,
                                         std::string& absent) {
  const RegistryBaselineSource& source = *input.registry;
  const std::string& name = source.predictions_file;
  std::unique_ptr<Storage> storage = open_storage(source.url, source.connection);
  Registry registry(*storage);
  RegistryBaseline out;
  result.registry =
      RegistryBaselineFacts{storage->describe(), source.model, source.channel, std::nullopt, name, std::nullopt};
  const bool promote_without_baseline = input.if_no_baseline == "promote";
  if (std::optional<std::string> gap =
          registry_gap(*storage, source.url, source.model, source.channel, promote_without_baseline)) {
    absent = *gap;
    return out;
  }
  auto [version, manifest] = registry.resolve(source.model, Selector{std::nullopt, source.channel});
  bool found = false;
  for (const auto& file : manifest.files) found = found || file.name == name;
  if (!found)
    throw_input(storage->describe(), "version " + version + " of " + source.model + " has no file \"" + name + "\"");
  registry.fetch(source.model, version, manifest, scratch.path());  // every file checked against the manifest
  out.path = scratch.path() + "/" + name;
  out.version = version;
  out.shown = storage->describe() + "/" + source.model + "@" + version + "/" + name;
  const auto& metrics = manifest.doc.contains("metrics") ? manifest.doc["metrics"] : nlohmann::ordered_json(nullptr);
  if (metrics.is_object() && metrics.contains("predictions") && metrics["predictions"].is_object() &&
      metrics["predictions"].contains("label_sha256") && metrics["predictions"]["label_sha256"].is_string()) {
    out.recorded_label_sha256 = metrics["predictions"]["label_sha256"].get<std::string>();
  }
  result.registry->version = version;
  if (!out.recorded_label_sha256.empty()) result.registry->label_sha256 = out.recorded_label_sha256;
  return out;
}

double value_of(const Evaluator& evaluator, const std::string& name) {
  if (auto value = evaluator.metric(name)) {
    // As ml-validate --predictions: JSON has no infinity, and no test is meaningful on it.
    if (!std::isfinite(*value)) {
      throw_input(
          evaluator.table().path,
          "metric \"" + name + "\" overflows: it is not a finite number (the values are too large for a double)");
    }
    return *value;
  }
  throw_unavailable_metric(evaluator, name);
}

}  // namespace

CompareResult compare_predictions(const CompareInput& input) {
  const PredictionsInput& files = *input.predictions;
  CompareResult result;
  result.predictions = true;
  result.metric = input.metric;
  result.direction = input.direction ? *input.direction : prediction_metric_direction(input.metric);
  result.margin = input.margin;
  result.if_no_baseline = input.if_no_baseline;
  result.candidate_path = files.candidate;
  result.baseline_path = files.baseline;
  const ScratchFolder scratch;
  std::optional<RegistryBaseline> registry_baseline;
  std::string absent;  // why there is no baseline yet
  if (input.registry) registry_baseline = fetch_registry_baseline(input, scratch, result, absent);
  const std::string baseline_path = input.registry ? registry_baseline->path : files.baseline;
  if (!input.registry) {
    std::error_code ec;
    // An s3:// object is read (a missing one is exit 3, as for --baseline), never "no baseline".
    if (!input::is_s3_url(baseline_path) && !std::filesystem::exists(baseline_path, ec)) {
      absent = "'" + baseline_path + "' does not exist";
    }
  }
  const PredictionTable candidate_table = read_predictions(files.candidate, files.columns);
  if (!absent.empty()) {
    result.candidate = value_of(Evaluator(candidate_table, files.average), input.metric);
    result.absent = absent;
    result.promote = no_baseline_rule(result) == "promote";
    result.primary_passed = result.promote;
    return result;
  }

  if (registry_baseline && !registry_baseline->recorded_label_sha256.empty() && files.columns.id.empty() &&
      registry_baseline->recorded_label_sha256 != candidate_table.label_sha256) {
    throw_input(files.candidate,
                "the baseline was evaluated on a different test set (the label column's SHA-256 differs "
                "from the one recorded with version " +
                    registry_baseline->version + ")");
  }
  const PredictionTable baseline_table =
      pair_baseline(candidate_table, read_baseline(baseline_path, registry_baseline, files.columns));
  const Evaluator candidate(candidate_table, files.average), baseline(baseline_table, files.average);

  result.candidate = value_of(candidate, input.metric);
  result.baseline = value_of(baseline, input.metric);
  const double sign = result.direction.lower_is_better ? -1.0 : 1.0;
  result.required = result.baseline + sign * (input.margin.relative ? input.margin.value * std::fabs(result.baseline)
                                                                    : input.margin.value);
  result.meets_margin = at_least(sign * result.candidate, sign * result.required);
  if (files.significance) {
    SignificanceOptions options = *files.significance;
    options.lower_is_better = result.direction.lower_is_better;
    result.significance = test_improvement(candidate, baseline, input.metric, options);
  }
  result.primary_passed = result.meets_margin && (!result.significance || result.significance->significant());

  for (const auto& guard : input.guards) {
    GuardResult g;
    g.guard = guard;
    g.direction = guard_direction(guard, prediction_metric_direction);
    g.candidate = value_of(candidate, guard.metric);  // errors name the candidate first
    g.baseline = value_of(baseline, guard.metric);
    g.check = check_guard(guard, g.direction, g.baseline, g.candidate);
    // A guard is tested as the primary metric is, for "worse" (docs/ml-compare.md, Significance).
    if (files.significance) {
      SignificanceOptions options = *files.significance;
      options.test = TestKind::automatic;
      options.lower_is_better = g.direction.lower_is_better;
      g.test = test_improvement(candidate, baseline, guard.metric, options);
    }
    g.significantly_worse = g.test && g.test->significantly_worse();
    g.passed = g.check.within && !g.significantly_worse;
    result.guards.push_back(std::move(g));
  }
  result.promote = result.primary_passed && result.regressed().empty();
  return result;
}

}  // namespace lean
