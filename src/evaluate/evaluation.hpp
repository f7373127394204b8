#pragma once

#include <array>
#include <mutex>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "evaluate/predictions.hpp"

namespace lean {

// Metrics of a predictions table, as scikit-learn 1.2 defines them (docs/metrics.md).
struct Evaluation {
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();  // nested: per_class.<label>.f1
  std::map<std::string, std::string> undefined;                       // metric -> why it is undefined on these rows
  std::map<std::string, std::uint64_t> undefined_lines;  // metric -> the line that makes it so, if one does

  // The subject of the error naming undefined `metric`: the file, or file:line.
  std::string where_undefined(const std::string& path, const std::string& metric) const;
};

// The weighted confusion matrix of one model, k x k, [true label][predicted label], with the
// labels that occur at all (sklearn's unique_labels of y_true and y_pred).
struct Confusion {
  std::size_t k = 0;
  std::vector<double> cells;
  std::vector<bool> present;
  double at(std::size_t truth, std::size_t predicted) const { return cells[truth * k + predicted]; }
};

// The metrics that depend on the confusion matrix only (a paired bootstrap can resample the
// matrix's cells instead of rows).
bool is_confusion_metric(const std::string& metric);
// The metrics that are means of a per-row loss (a paired t-test applies).
bool is_mean_loss_metric(const std::string& metric);

// The confusion-matrix metrics as numbers: the metrics JSON is built from them, and a
// bootstrap resample reads the one it tests without building the JSON (docs/metrics.md).
struct ConfusionValues {
  bool defined = false;  // the rows weigh more than 0
  double accuracy = 0, balanced_accuracy = 0;
  double chosen[3] = {0, 0, 0};  // precision, recall, f1 by the evaluator's --average
  double averaged[3][3] = {};    // [precision, recall, f1][macro, micro, weighted]
  double mcc = 0;
  std::optional<double> kappa;                         // undefined when the expected disagreement is 0
  std::vector<std::size_t> present;                    // labels in y_true or y_pred
  std::vector<double> precision, recall, f1, support;  // per label
  std::array<double, 4> counts{};                      // binary: tp, fp, tn, fn
  std::vector<long double> tp, pred_sum, true_sum;     // per label: kept so a reused object allocates once
};

// A confusion-matrix metric's name, resolved once (Evaluator::confusion_metric_named).
struct ConfusionMetric {
  enum class Kind { unknown, accuracy, balanced_accuracy, chosen, averaged, mcc, kappa, count, per_class };
  Kind kind = Kind::unknown;
  std::size_t field = 0;    // precision, recall, f1 (chosen, averaged, per_class); tp fp tn fn (count)
  std::size_t average = 0;  // macro, micro, weighted (averaged)
  std::size_t label = 0;    // per_class
};

class Evaluator {
 public:
  // `average`: binary, macro, micro or weighted; empty for the default (binary for two
  // labels, macro above).
  Evaluator(const PredictionTable& table, std::string average);

  // Every metric. `multiplicity`: how often each row counts (a bootstrap resample); empty:
  // each row once.
  Evaluation all(std::span<const double> multiplicity = {}) const;
  // One metric (dotted name), nullopt when undefined on these rows or unknown.
  std::optional<double> metric(const std::string& name, std::span<const double> multiplicity = {}) const;
  // The confusion-matrix metric `which` of a matrix (nullopt when undefined or unknown): the
  // value metric(name) has on rows with this matrix.
  ConfusionMetric confusion_metric_named(const std::string& name) const;
  // `scratch` is reused from call to call (a bootstrap's resamples), so nothing is allocated.
  std::optional<double> confusion_metric(const Confusion& confusion, const ConfusionMetric& which,
                                         ConfusionValues& scratch) const;
  // Per-row losses whose weighted mean is the metric (mae: |e|; mse, rmse: e^2; log_loss; brier_score).
  std::vector<double> row_losses(const std::string& metric) const;
  // Whether `name` is a metric this table has at all (undefined ones included).
  bool knows(const std::string& name) const;

  const PredictionTable& table() const { return table_; }
  const std::string& average() const { return average_; }

 private:
  void classification(Evaluation& out, std::span<const double> multiplicity) const;
  void regression(Evaluation& out, std::span<const double> multiplicity) const;
  void confusion_metrics(const Confusion& confusion, Evaluation& out) const;
  void confusion_values(const Confusion& confusion, ConfusionValues& out) const;

  // Rows by descending score: the binary score, or each class's probability (multiclass).
  const std::vector<std::vector<std::uint32_t>>& score_orders() const;

  const PredictionTable& table_;
  std::string average_;
  mutable std::once_flag orders_built_;
  mutable std::vector<std::vector<std::uint32_t>> score_orders_;
};

// The input error for a metric `evaluator` has no value of: "NAME is undefined: why", or for
// a name it does not compute at all, ml-validate's "no metric" line with a did-you-mean and
// the metrics available.
[[noreturn]] void throw_unavailable_metric(const Evaluator& evaluator, const std::string& name);

// The metrics JSON --write-metrics writes: the evaluation, then its provenance.
nlohmann::ordered_json metrics_document(const Evaluation& evaluation, const PredictionTable& table);

}  // namespace lean
