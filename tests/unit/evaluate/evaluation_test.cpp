#include "evaluate/evaluation.hpp"

#include <doctest/doctest.h>

namespace {

lean::PredictionTable binary_table() {
  // y = [0, 0, 1, 1, 1, 0], scores with ties; predictions at 0.5.
  lean::PredictionTable t;
  t.path = "p.csv";
  t.task = lean::Task::binary;
  t.rows = 6;
  t.labels = {"0", "1"};
  t.positive = 1;
  t.truth = {0, 0, 1, 1, 1, 0};
  t.scores = {0.1, 0.4, 0.4, 0.8, 0.9, 0.8};
  for (double s : t.scores) t.predicted.push_back(s >= 0.5 ? 1 : 0);
  t.lines = {2, 3, 4, 5, 6, 7};
  return t;
}

}  // namespace

// Reference values: sklearn 1.2 on the same rows.
TEST_CASE("binary metrics with tied scores") {
  const lean::PredictionTable t = binary_table();
  const lean::Evaluator evaluator(t, "");
  const lean::Evaluation e = evaluator.all();
  CHECK(e.metrics["accuracy"].get<double>() == doctest::Approx(4.0 / 6));
  CHECK(e.metrics["roc_auc"].get<double>() == doctest::Approx(0.7777777777777778).epsilon(1e-15));
  CHECK(e.metrics["average_precision"].get<double>() == doctest::Approx(0.7555555555555555).epsilon(1e-15));
  CHECK(e.metrics["tp"].get<double>() == 2);
  CHECK(e.metrics["fp"].get<double>() == 1);
  CHECK(e.metrics["per_class"]["1"]["support"].get<double>() == 3);
  CHECK(lean::is_confusion_metric("f1"));
  CHECK(lean::is_confusion_metric("per_class.1.recall"));
  CHECK_FALSE(lean::is_confusion_metric("roc_auc"));
}

TEST_CASE("a bootstrap multiplicity counts rows as often as drawn") {
  const lean::PredictionTable t = binary_table();
  const lean::Evaluator evaluator(t, "");
  const std::vector<double> twice_the_first{2, 1, 1, 1, 1, 0};
  CHECK(evaluator.metric("n", twice_the_first) == 6);
  CHECK(*evaluator.metric("accuracy", twice_the_first) == doctest::Approx(5.0 / 6));
}

TEST_CASE("undefined metrics say why") {
  lean::PredictionTable t = binary_table();
  t.truth = {1, 1, 1, 1, 1, 1};
  const lean::Evaluation e = lean::Evaluator(t, "").all();
  CHECK(e.undefined.at("roc_auc") == "y_true holds one class only");
}

TEST_CASE("a class or a table whose rows weigh 0 leaves the score metrics undefined, not NaN") {
  lean::PredictionTable t = binary_table();
  t.weights = {0, 0, 1, 1, 1, 0};  // the negatives weigh 0
  const lean::Evaluation negatives = lean::Evaluator(t, "").all();
  CHECK(negatives.undefined.at("roc_auc") == "one class of y_true has zero weight");
  CHECK(negatives.metrics.contains("average_precision"));
  CHECK(negatives.metrics.contains("log_loss"));
  t.weights = {0, 0, 0, 0, 0, 0};
  const lean::Evaluation none = lean::Evaluator(t, "").all();
  for (const char* name : {"accuracy", "f1", "mcc", "roc_auc", "log_loss", "brier_score"}) {
    CHECK(!none.metrics.contains(name));
    CHECK(none.undefined.count(name) == 1);
  }
  CHECK(none.undefined.at("log_loss") == "the rows weigh 0 in total");
  CHECK(none.metrics["tp"].get<double>() == 0);
}

TEST_CASE("regression metrics") {
  lean::PredictionTable t;
  t.path = "r.csv";
  t.task = lean::Task::regression;
  t.rows = 4;
  t.true_values = {3, -0.5, 2, 7};
  t.predicted_values = {2.5, 0.0, 2, 8};
  const lean::Evaluation e = lean::Evaluator(t, "").all();
  // sklearn's documented examples for these rows.
  CHECK(e.metrics["mae"].get<double>() == doctest::Approx(0.5));
  CHECK(e.metrics["mse"].get<double>() == doctest::Approx(0.375));
  CHECK(e.metrics["r2"].get<double>() == doctest::Approx(0.9486081370449679).epsilon(1e-14));
  CHECK(e.metrics["explained_variance"].get<double>() == doctest::Approx(0.9571734475374732).epsilon(1e-14));
  CHECK(e.metrics["median_absolute_error"].get<double>() == doctest::Approx(0.5));
  CHECK(e.metrics["max_error"].get<double>() == 1);
}

// A binary table of `rows` rows whose scores take `distinct` values, with many ties and -0.0
// beside 0.0.
static lean::PredictionTable binary_table(int rows, int distinct) {
  lean::PredictionTable t;
  t.path = "p.csv";
  t.task = lean::Task::binary;
  t.labels = {"0", "1"};
  t.positive = 1;
  for (int i = 0; i < rows; ++i) {
    t.truth.push_back((i * 7919) % 5 < 2 ? 1 : 0);
    const double score = static_cast<double>((static_cast<long long>(i) * 104729) % distinct) / (distinct - 1);
    t.scores.push_back(i % 97 == 0 ? -0.0 : score);
    t.predicted.push_back(score >= 0.5 ? 1 : 0);
    t.lines.push_back(static_cast<std::uint64_t>(i) + 2);
  }
  t.rows = t.truth.size();
  return t;
}

TEST_CASE("unweighted rows (scores tallied, or sorted when too many distinct) equal the row-order path exactly") {
  // Unit weights take the row-order path; every metric must be the same double.
  for (const auto& [rows, distinct] : {std::pair{3000, 41}, std::pair{70001, 70001}}) {
    CAPTURE(distinct);
    const lean::PredictionTable t = binary_table(rows, distinct);
    lean::PredictionTable weighted = t;
    weighted.weights.assign(t.rows, 1.0);
    const lean::Evaluation fast = lean::Evaluator(t, "").all(), ordered = lean::Evaluator(weighted, "").all();
    // Compared as numbers: unweighted counts are written as integers, weighted ones as doubles.
    CHECK(fast.metrics == ordered.metrics);
    CHECK(fast.metrics["tp"].is_number_unsigned());
    CHECK(ordered.metrics["tp"].is_number_float());
    for (const char* metric : {"roc_auc", "average_precision", "log_loss", "brier_score", "accuracy"}) {
      CAPTURE(metric);
      CHECK(fast.metrics.contains(metric));
    }
  }
}

// The confusion matrix of a table's rows, as the bootstrap counts it.
static lean::Confusion confusion_of(const lean::PredictionTable& t, std::size_t k) {
  lean::Confusion confusion;
  confusion.k = k;
  confusion.cells.assign(k * k, 0.0);
  confusion.present.assign(k, false);
  for (std::size_t r = 0; r < t.rows; ++r) {
    confusion.cells[t.truth[r] * k + t.predicted[r]] += 1;
    confusion.present[t.truth[r]] = confusion.present[t.predicted[r]] = true;
  }
  return confusion;
}

// The bootstrap reads one confusion-matrix metric per resample without building the metrics
// JSON: it must be the very number metric() gives on the same rows, for every name.
TEST_CASE("a confusion metric resolved by name equals the metric of the same rows") {
  lean::PredictionTable t;
  t.path = "m.csv";
  t.task = lean::Task::multiclass;
  t.labels = {"a", "b", "c"};
  t.truth = {0, 0, 1, 1, 1, 2, 2, 0, 1, 2, 2};
  t.predicted = {0, 1, 1, 1, 2, 2, 0, 0, 1, 1, 2};
  t.rows = t.truth.size();
  for (std::size_t r = 0; r < t.rows; ++r) t.lines.push_back(r + 2);
  const std::vector<std::string> names = {"accuracy",
                                          "balanced_accuracy",
                                          "precision",
                                          "recall",
                                          "f1",
                                          "precision_macro",
                                          "precision_micro",
                                          "precision_weighted",
                                          "recall_macro",
                                          "recall_micro",
                                          "recall_weighted",
                                          "f1_macro",
                                          "f1_micro",
                                          "f1_weighted",
                                          "mcc",
                                          "cohen_kappa",
                                          "per_class.a.precision",
                                          "per_class.b.recall",
                                          "per_class.c.f1"};
  for (const char* average : {"macro", "micro", "weighted"}) {
    const lean::Evaluator evaluator(t, average);
    const lean::Confusion confusion = confusion_of(t, 3);
    lean::ConfusionValues scratch;  // reused across names, as the bootstrap reuses it across resamples
    for (const auto& name : names) {
      CAPTURE(name);
      const auto value = evaluator.confusion_metric(confusion, evaluator.confusion_metric_named(name), scratch);
      REQUIRE(value.has_value());
      CHECK(*value == *evaluator.metric(name));  // exactly: the same arithmetic
    }
    CHECK_FALSE(evaluator.confusion_metric(confusion, evaluator.confusion_metric_named("roc_auc"), scratch));
    CHECK_FALSE(evaluator.confusion_metric(confusion, evaluator.confusion_metric_named("per_class.d.f1"), scratch));
    CHECK_FALSE(evaluator.confusion_metric(confusion, evaluator.confusion_metric_named("tp"), scratch));  // binary only
  }
  lean::PredictionTable b = binary_table();
  const lean::Evaluator binary(b, "");
  const lean::Confusion confusion = confusion_of(b, 2);
  lean::ConfusionValues scratch;
  for (const char* name : {"tp", "fp", "tn", "fn", "f1", "precision", "per_class.1.recall"}) {
    CAPTURE(name);
    CHECK(*binary.confusion_metric(confusion, binary.confusion_metric_named(name), scratch) == *binary.metric(name));
  }
}
