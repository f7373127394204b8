#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "evaluate/predictions.hpp"
#include "gates/validate_predictions.hpp"
#include "metrics/expression.hpp"
#include "prometheus/gate.hpp"

namespace lean {

// ml-validate's decision, apart from its command line (cli/validate.cpp) and its renderings
// (gates/validate_report.hpp): does every requirement hold on the metrics of one source.

enum class MetricsSource { files, history, predictions, prometheus };

struct ValidateInput {
  std::vector<Requirement> requirements;  // --require, then the --policy file's
  bool allow_missing = false;             // a missing metric skips its check
  MetricsSource source = MetricsSource::files;
  std::vector<std::string> files;  // metrics files ("-": stdin) and MLflow run folders, merged in order
  struct History {
    std::string path;
    std::size_t window = 0;  // 0: every record
    std::size_t min_count = 1;
  } history;
  PredictionsRun predictions;  // --predictions
  prometheus::GateRequest prometheus;
  bool require_complete = false;  // --range: a gap fails the gate
  std::string write_metrics;      // --predictions or --prometheus: where the metrics go (empty: nowhere)
};

// One requirement checked on the source's metrics.
struct RequirementResult {
  Requirement requirement;
  std::optional<double> value;  // none: the metric is missing, allowed by allow_missing (skipped)
  bool passed = false;
  std::string undefined;  // predictions, skipped: why the metric is undefined (empty: it is missing)
};

struct ValidateResult {
  std::vector<RequirementResult> checks;
  std::vector<std::string> sources;  // the report's "sources": files ("stdin" for "-"), the history or URL
  // --history: the file and how many of its records the window held.
  struct HistoryFacts {
    std::string path;
    std::size_t records = 0, records_in_file = 0;
  };
  std::optional<HistoryFacts> history;
  std::optional<PredictionsResult> predictions;  // --predictions: the file, its task and its slice checks
  // --prometheus: the URL as shown and every query's answer.
  std::optional<std::vector<prometheus::GateSeries>> prometheus;
  std::optional<double> prometheus_range;
  bool require_complete = false;
};

// Reads the source, computes the metrics (and writes them with write_metrics) and checks
// every requirement. Input, remote and configuration errors are thrown as lean::Error.
ValidateResult validate(const ValidateInput& input);

}  // namespace lean
