#include "cli/prediction_options.hpp"

#include "cli/options.hpp"
#include "core/error.hpp"

namespace lean {

namespace po = boost::program_options;

void declare_prediction_column_options(po::options_description& options) {
  options.add_options()("task", po::value<std::string>()->default_value("auto")->value_name("TASK"),
                        "auto, binary, multiclass or regression")(
      "label-column", po::value<std::string>()->default_value("y_true")->value_name("COL"),
      "the true labels or values")("prediction-column",
                                   po::value<std::string>()->default_value("y_pred")->value_name("COL"),
                                   "the predicted labels or values (optional when scores exist)")(
      "score-column", po::value<std::string>()->value_name("COL"),
      "binary: the positive class's probability or score (default y_score)")(
      "score-prefix", po::value<std::string>()->value_name("PREFIX"),
      "multiclass: class-probability columns PREFIX<label> (default proba_)")(
      "weight-column", po::value<std::string>()->value_name("COL"), "sample weights (>= 0)")(
      "pos-label", po::value<std::string>()->value_name("L"),
      "binary: the positive label (default 1 for 0/1 and -1/1, True for booleans, in any case)")(
      "decision-threshold", po::value<std::string>()->default_value("0.5")->value_name("X"),
      "binary without a prediction column: predict positive when the score >= X")(
      "average", po::value<std::string>()->value_name("AVG"),
      "precision/recall/f1: binary, macro, micro or weighted (default binary for two labels, macro above)");
}

PredictionColumns prediction_columns(const po::variables_map& vm) {
  PredictionColumns columns;
  const std::string task = *choice_option(vm, "task", {"auto", "binary", "multiclass", "regression"});
  columns.task = task == "binary"       ? Task::binary
                 : task == "multiclass" ? Task::multiclass
                 : task == "regression" ? Task::regression
                                        : Task::automatic;
  columns.label = *string_option(vm, "label-column");
  columns.prediction = *string_option(vm, "prediction-column");
  columns.prediction_named = !vm["prediction-column"].defaulted();
  const std::optional<std::string> score = string_option(vm, "score-column");
  const std::optional<std::string> prefix = string_option(vm, "score-prefix");
  if (score && prefix) throw_usage("give --score-column or --score-prefix, not both");
  if (score) {
    columns.score = *score;
    columns.score_named = true;
  }
  if (prefix) {
    columns.score_prefix = *prefix;
    columns.prefix_named = true;
    if (columns.score_prefix.empty()) throw_usage("--score-prefix cannot be empty");
  }
  columns.weight = string_option_or(vm, "weight-column");
  if (const std::optional<std::string> label = string_option(vm, "pos-label")) columns.pos_label = *label;
  columns.decision_threshold = *number_option(vm, "decision-threshold");
  columns.threshold_named = !vm["decision-threshold"].defaulted();
  return columns;
}

void refuse_prediction_column_options(const po::variables_map& vm, const std::string& needs) {
  for (const char* option : {"task", "label-column", "prediction-column", "score-column", "score-prefix",
                             "weight-column", "pos-label", "decision-threshold", "average"}) {
    if (vm.count(option) && !vm[option].defaulted()) {
      throw_usage("--" + std::string(option) + " reads predictions files: " + needs);
    }
  }
}

}  // namespace lean
