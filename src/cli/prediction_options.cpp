#include "cli/prediction_options.hpp"

#include <cmath>

#include "core/error.hpp"

namespace lean {

namespace po = boost::program_options;

void declare_prediction_column_options(po::options_description& options) {
  options.add_options()
      ("task", po::value<std::string>()->default_value("auto")->value_name("TASK"),
       "auto, binary, multiclass or regression")
      ("label-column", po::value<std::string>()->default_value("y_true")->value_name("COL"), "the true labels or values")
      ("prediction-column", po::value<std::string>()->default_value("y_pred")->value_name("COL"),
       "the predicted labels or values (optional when scores exist)")
      ("score-column", po::value<std::string>()->value_name("COL"),
       "binary: the positive class's probability or score (default y_score)")
      ("score-prefix", po::value<std::string>()->value_name("PREFIX"),
       "multiclass: class-probability columns PREFIX<label> (default proba_)")
      ("weight-column", po::value<std::string>()->value_name("COL"), "sample weights (>= 0)")
      ("pos-label", po::value<std::string>()->value_name("L"),
       "binary: the positive label (default 1 for 0/1 and -1/1, true for booleans)")
      ("decision-threshold", po::value<double>()->default_value(0.5, "0.5")->value_name("X"),
       "binary without a prediction column: predict positive when the score >= X")
      ("average", po::value<std::string>()->value_name("AVG"),
       "precision/recall/f1: binary, macro, micro or weighted (default binary for two labels, macro above)");
}

PredictionColumns prediction_columns(const po::variables_map& vm) {
  PredictionColumns columns;
  const std::string task = vm["task"].as<std::string>();
  if (task == "auto") columns.task = Task::automatic;
  else if (task == "binary") columns.task = Task::binary;
  else if (task == "multiclass") columns.task = Task::multiclass;
  else if (task == "regression") columns.task = Task::regression;
  else throw_usage("--task must be auto, binary, multiclass or regression, not \"" + task + "\"");
  columns.label = vm["label-column"].as<std::string>();
  columns.prediction = vm["prediction-column"].as<std::string>();
  columns.prediction_named = !vm["prediction-column"].defaulted();
  if (vm.count("score-column") && vm.count("score-prefix")) throw_usage("give --score-column or --score-prefix, not both");
  if (vm.count("score-column")) {
    columns.score = vm["score-column"].as<std::string>();
    columns.score_named = true;
  }
  if (vm.count("score-prefix")) {
    columns.score_prefix = vm["score-prefix"].as<std::string>();
    columns.prefix_named = true;
    if (columns.score_prefix.empty()) throw_usage("--score-prefix cannot be empty");
  }
  if (vm.count("weight-column")) columns.weight = vm["weight-column"].as<std::string>();
  if (vm.count("pos-label")) columns.pos_label = vm["pos-label"].as<std::string>();
  columns.decision_threshold = vm["decision-threshold"].as<double>();
  if (!std::isfinite(columns.decision_threshold)) throw_usage("--decision-threshold must be a finite number");
  return columns;
}

}  // namespace lean
