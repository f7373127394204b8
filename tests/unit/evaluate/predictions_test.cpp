#include "evaluate/predictions.hpp"

#include <doctest/doctest.h>

#include "core/error.hpp"
#include "evaluate/evaluation.hpp"
#include "test_util.hpp"

TEST_CASE("labels sort numerically when every label is a number; the task follows the labels") {
  lean::test::TempDir dir;
  const std::string path = dir.write("p.csv", "y_true,y_pred\n10,9\n9,10\n2,2\n");
  const lean::PredictionTable t = lean::read_predictions(path, lean::PredictionColumns{});
  CHECK(t.task == lean::Task::multiclass);
  CHECK(t.labels == std::vector<std::string>{"2", "9", "10"});
  CHECK(t.truth == std::vector<std::uint32_t>{2, 1, 0});
  REQUIRE(t.lines.size() == 3);
  CHECK((t.lines[0] == 2 && t.lines[1] == 3 && t.lines[2] == 4));
}

TEST_CASE("non-integer or many distinct values are a regression") {
  lean::test::TempDir dir;
  const std::string path = dir.write("p.csv", "y_true,y_pred\n1.5,1\n2,2\n");
  CHECK(lean::read_predictions(path, lean::PredictionColumns{}).task == lean::Task::regression);
}

TEST_CASE("booleans: true is positive; scores derive predictions at the threshold") {
  lean::test::TempDir dir;
  const std::string path = dir.write("p.csv", "y_true,y_score\nTrue,0.7\nFalse,0.5\nFalse,0.2\n");
  lean::PredictionColumns columns;
  columns.decision_threshold = 0.6;
  const lean::PredictionTable t = lean::read_predictions(path, columns);
  CHECK(t.labels == std::vector<std::string>{"False", "True"});
  CHECK(t.positive == 1);
  CHECK(t.predicted == std::vector<std::uint32_t>{1, 0, 0});
}

TEST_CASE("multiclass predictions from probabilities: ties go to the first label") {
  lean::test::TempDir dir;
  const std::string path =
      dir.write("p.csv", "y_true,proba_b,proba_a,proba_c\na,0.4,0.4,0.2\nc,0,0,1\nb,0.5,0.25,0.25\n");
  const lean::PredictionTable t = lean::read_predictions(path, lean::PredictionColumns{});
  CHECK(t.labels == std::vector<std::string>{"a", "b", "c"});
  CHECK(t.predicted == std::vector<std::uint32_t>{0, 2, 1});
  CHECK(t.probabilities[0] == 0.4);  // proba_a first: in label order
}

TEST_CASE("a target with more distinct values than classes can have is read as numbers") {
  lean::test::TempDir dir;
  std::string content = "y_true,y_pred\n";
  for (int i = 0; i < 1500; ++i) content += std::to_string(i) + "," + std::to_string(i + 1) + "\n";
  const lean::PredictionTable t = lean::read_predictions(dir.write("p.csv", content), lean::PredictionColumns{});
  REQUIRE(t.task == lean::Task::regression);
  CHECK(t.true_values.size() == 1500);
  CHECK(t.true_values[1499] == 1499);
  CHECK(t.predicted_values[0] == 1);
}

TEST_CASE("row lines are held as runs and answer every row") {
  lean::RowLines lines;
  for (std::uint64_t line : {2, 3, 4, 7, 8, 12, 13, 14, 15}) lines.push_back(line);  // records over several lines
  const std::vector<std::uint64_t> expected{2, 3, 4, 7, 8, 12, 13, 14, 15};
  REQUIRE(lines.size() == expected.size());
  for (std::size_t row = 0; row < expected.size(); ++row) CHECK(lines[row] == expected[row]);
}

namespace {

// Every metric, as ml-validate writes them, or the error's text.
std::string metrics_or_error(lean::PredictionTable (*read)(const std::string&, const lean::PredictionColumns&),
                             const std::string& path, const lean::PredictionColumns& columns) {
  try {
    return lean::Evaluator(read(path, columns), "").all().metrics.dump();
  } catch (const lean::Error& error) {
    return "error: " + error.describe();
  }
}

}  // namespace

TEST_CASE("an unweighted binary file is tallied while it is read, with the metrics of its rows") {
  lean::test::TempDir dir;
  // Scores spelt several ways (one value twice), CRLF, a blank line, no final line break.
  std::string content = "y_true,y_pred,y_score\r\n";
  const char* scores[] = {"0.5", "0.50", "0.3529", "-0", "0", "1", "0.123456789", "1e-3", "0.9999", "+0.25"};
  for (int i = 0; i < 300; ++i) {
    content += std::to_string(i % 3 == 0) + "," + std::to_string(i % 5 == 0) + "," + scores[i % 10] + "\r\n";
    if (i == 100) content += "\r\n";
  }
  content += "1,1,0.75";
  const std::string path = dir.write("p.csv", content);
  for (const bool derived : {false, true}) {
    CAPTURE(derived);
    lean::PredictionColumns columns;
    if (derived) columns.prediction = "absent";
    const lean::PredictionTable tallied = lean::read_predictions_for_metrics(path, columns);
    REQUIRE(tallied.tally.has_value());
    CHECK(tallied.truth.empty());
    CHECK(tallied.rows == 301);
    CHECK(tallied.label_sha256 == lean::read_predictions(path, columns).label_sha256);
    CHECK(metrics_or_error(lean::read_predictions_for_metrics, path, columns) ==
          metrics_or_error(lean::read_predictions, path, columns));
  }
}

TEST_CASE("a tallied read gives up on what it does not take: the rows are read, and say the same") {
  lean::test::TempDir dir;
  const std::string head = "y_true,y_pred,y_score\n0,0,0.25\n1,1,0.75\n";
  for (const char* rest : {"1,1,\"0.5\"\n", "2,1,0.5\n", "1,1\n", "1,,0.5\n", "1,1,high\n", "1.0,1,0.5\n",
                           "1,1,0.5\r0,0,0.5\n", "1.5,1,0.5\n"}) {
    CAPTURE(rest);
    const std::string path = dir.write("p.csv", head + rest);
    const std::string expected = metrics_or_error(lean::read_predictions, path, {});
    CHECK(metrics_or_error(lean::read_predictions_for_metrics, path, {}) == expected);
  }
  // Rows that only take their own numbers of distinct scores.
  std::string many = "y_true,y_pred,y_score\n";
  for (int i = 0; i < 70000; ++i) many += std::to_string(i % 2) + ",1,0." + std::to_string(1000000 + i) + "\n";
  const std::string path = dir.write("many.csv", many);
  CHECK_FALSE(lean::read_predictions_for_metrics(path, {}).tally.has_value());
  CHECK(metrics_or_error(lean::read_predictions_for_metrics, path, {}) ==
        metrics_or_error(lean::read_predictions, path, {}));
}

TEST_CASE("the label fingerprint follows the labels, not their spelling, and frames each row") {
  lean::test::TempDir dir;
  lean::PredictionColumns columns;
  const auto sha = [&](const std::string& name, const std::string& content, const lean::PredictionColumns& with) {
    return lean::read_predictions_for_metrics(dir.write(name, content), with).label_sha256;
  };
  const std::string plain = sha("a.csv", "y_true,y_pred,y_score\n1,1,0.9\n0,0,0.2\n", columns);
  CHECK(plain == sha("b.csv", "y_true,y_pred,y_score\n1.0,1,0.9\n0.0,0,0.2\n", columns));  // tallied, then read
  CHECK(plain == sha("c.csv", "y_true,y_pred\n1,1\n0,0\n", columns));
  CHECK(sha("r1.csv", "y_true,y_pred\n1.5,1\n2,2\n", columns) ==
        sha("r2.csv", "y_true,y_pred\n1.50,1\n2.0,2\n", columns));
  lean::PredictionColumns with_c = columns;
  with_c.pos_label = "c";
  // "a\nb", "c" hashed as cells and line feeds was "a", "b", "c".
  CHECK(sha("n1.csv", "y_true,y_pred\n\"a\nb\",c\nc,c\n", with_c) !=
        sha("n2.csv", "y_true,y_pred\na,a\nb,b\nc,c\n", columns));
}
