#pragma once

#include <optional>
#include <string>
#include <vector>

#include "evaluate/paired.hpp"
#include "evaluate/predictions.hpp"
#include "gates/compare_common.hpp"
#include "metrics/direction.hpp"
#include "storage/open_storage.hpp"

namespace lean {

// ml-compare's decision, apart from its command line (cli/compare.cpp) and its renderings
// (gates/compare_report.hpp): is the candidate better than the baseline by the margin, do
// the guards hold, and (predictions files with a significance level) is the gain significant.

// A baseline taken from the version a registry channel points to.
struct RegistryBaselineSource {
  std::string url, model, channel;
  RegistryOptions connection;
  std::string predictions_file;  // predictions mode: the version's file to compare with
};

// Both models' predictions files, evaluated and paired row by row.
struct PredictionsInput {
  std::string candidate;
  std::string baseline;  // empty: the registry's predictions_file
  PredictionColumns columns;
  std::string average;                              // --average; empty: the evaluator's default
  std::optional<SignificanceOptions> significance;  // --significance given (its direction set by compare())
};

struct CompareInput {
  std::string metric;
  std::optional<Direction> direction;  // --lower-is-better / --higher-is-better; none: from the name
  Margin margin;
  std::vector<Guard> guards;
  std::string if_no_baseline;  // "promote", "fail" or "" (the default of the baseline's kind)
  std::optional<RegistryBaselineSource> registry;
  // Metrics files (a file, "-", an s3:// object or an MLflow run folder); baseline empty: the registry.
  std::string candidate, baseline;
  std::optional<PredictionsInput> predictions;  // instead of metrics files
};

// What the report names of a registry baseline.
struct RegistryBaselineFacts {
  std::string registry, model, channel;     // registry: the storage as it describes itself
  std::optional<std::string> version;       // none: no such model or channel yet
  std::optional<std::string> file;          // predictions mode: --baseline-predictions-file
  std::optional<std::string> label_sha256;  // predictions mode: recorded with the version
};

struct GuardResult {
  Guard guard;
  Direction direction;
  double baseline = 0, candidate = 0;
  GuardCheck check;
  std::optional<Significance> test;  // predictions mode with --significance: tested for "worse"
  bool significantly_worse = false;
  bool passed = false;
};

struct CompareResult {
  bool predictions = false;                   // which mode: the two word their facts differently
  std::string candidate_path, baseline_path;  // baseline_path empty: from the registry
  std::optional<RegistryBaselineFacts> registry;
  std::string metric;
  Direction direction;
  Margin margin;
  double candidate = 0;
  // No baseline yet: why (e.g. "'prod.json' does not exist"), and the rule that decided.
  std::optional<std::string> absent;
  std::string if_no_baseline;
  // With a baseline:
  double baseline = 0;
  double required = 0;            // the value the candidate must reach
  bool relative_to_zero = false;  // metrics mode: a relative margin against 0 asks for any strict gain
  bool meets_margin = false;
  std::optional<Significance> significance;
  bool primary_passed = false;
  std::vector<GuardResult> guards;
  bool promote = false;

  std::vector<std::string> regressed() const;  // the guards that failed
};

// --if-no-baseline, or its default for the baseline's kind: "promote" for a file, "fail" for
// a registry.
std::string no_baseline_rule(const CompareResult& result);

// Reads both sides (files, s3:// objects, a registry), evaluates and decides. Input, remote
// and configuration errors are thrown as lean::Error.
CompareResult compare(const CompareInput& input);

// The metrics a predictions file yields that improve downwards (some lack a loss-like word).
Direction prediction_metric_direction(const std::string& metric);

}  // namespace lean
