#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace lean {

enum class Task { automatic, binary, multiclass, regression };

// Which columns of a predictions file hold what, and how to read them (ml-validate's and
// ml-compare's column options).
struct PredictionColumns {
  Task task = Task::automatic;
  std::string label = "y_true";
  std::string prediction = "y_pred";
  std::string score = "y_score";
  std::string score_prefix = "proba_";
  bool prediction_named = false;  // --prediction-column given: the column must exist
  bool score_named = false;       // --score-column given: the column must exist
  bool prefix_named = false;      // --score-prefix given: some column must carry it
  std::string weight;             // empty: unweighted
  std::string slice;              // empty: no slices
  std::string id;                 // empty: rows pair by order (ml-compare)
  std::optional<std::string> pos_label;
  double decision_threshold = 0.5;
  bool threshold_named = false;  // --decision-threshold given: the file must derive binary predictions
};

// The line each row starts on, held as runs of consecutive lines (an entry where a record
// does not follow the previous one directly, e.g. after a quoted line break), not 8 bytes a row.
class RowLines {
 public:
  RowLines() = default;
  RowLines(std::initializer_list<std::uint64_t> lines) {
    for (std::uint64_t line : lines) push_back(line);
  }
  void push_back(std::uint64_t line) {
    if (size_ == 0 || line != last_ + 1) runs_.emplace_back(size_, line);
    last_ = line;
    ++size_;
  }
  std::uint64_t operator[](std::size_t row) const {
    const auto run = std::upper_bound(runs_.begin(), runs_.end(), row,
                                      [](std::size_t r, const auto& entry) { return r < entry.first; }) -
                     1;
    return run->second + (row - run->first);
  }
  std::size_t size() const { return size_; }

 private:
  std::vector<std::pair<std::size_t, std::uint64_t>> runs_;  // the first row of a run, its line
  std::size_t size_ = 0;
  std::uint64_t last_ = 0;
};

// sklearn's log_loss clips probabilities to [eps, 1 - eps] with eps = np.finfo(float64).eps.
inline constexpr double kLogLossEpsilon = std::numeric_limits<double>::epsilon();
// A binary score's log-loss terms for a negative [0] and a positive [1] row: clipped, and the
// pair renormalised, as sklearn's log_loss.
std::array<double, 2> binary_log_loss_terms(double score);

// Unweighted binary rows with scores, tallied: what their metrics need, without a column
// per row. The sums add each row's term in row order, as the row-by-row loop does.
struct BinaryTally {
  std::array<std::uint64_t, 4> confusion{};        // rows by [true label][predicted label]
  std::vector<double> scores;                      // the distinct scores (-0.0 as 0.0), in no order
  std::vector<std::array<std::uint64_t, 2>> rows;  // per distinct score: rows [negative, positive]
  long double log_loss = 0, brier = 0;             // of the rows' probabilities (when they are)
};

// A predictions file read into columns. Classification labels are indices into `labels`,
// which is sorted as scikit-learn sorts them (numerically when every label is a number,
// else by code point).
struct PredictionTable {
  std::string path;
  Task task = Task::binary;
  std::size_t rows = 0;
  std::vector<std::string> labels;       // classification: sorted, as written in reports
  std::vector<std::uint32_t> truth;      // classification: label index per row
  std::vector<std::uint32_t> predicted;  // classification: label index per row
  std::uint32_t positive = 0;            // binary: the positive label's index
  std::vector<double> true_values;       // regression
  std::vector<double> predicted_values;  // regression
  // Binary: the positive class's score per row (empty without scores); `scores_are_probabilities`
  // false when a score lies outside [0, 1] (then the line of the first such row is kept).
  std::vector<double> scores;
  bool scores_are_probabilities = true;
  std::uint64_t first_non_probability_line = 0;
  // Multiclass: rows x labels class probabilities, row-major (empty without them).
  std::vector<double> probabilities;
  std::string scores_unread;             // multiclass with a binary score column: why the scores are not read
  std::uint64_t scores_unread_line = 0;  // the line of the label that made it multiclass
  std::vector<double> weights;           // empty: every row weighs 1
  std::vector<std::string> slice_values;
  std::vector<std::string> ids;  // with PredictionColumns::id
  RowLines lines;                // the line each row starts on
  std::string label_sha256;      // the test set's fingerprint: the labels (as reported) in row order
  // read_predictions_for_metrics of an unweighted binary file with scores: the rows tallied,
  // and truth, predicted, scores and lines empty.
  std::optional<BinaryTally> tally;

  bool classification() const { return task != Task::regression; }
  bool has_scores() const { return !scores.empty() || !probabilities.empty() || tally.has_value(); }
  // The rows `keep` (indices), in that order, as a table of their own (slices, pairing).
  PredictionTable subset(const std::vector<std::size_t>& keep) const;
};

// Reads and checks a predictions file; every problem is an input error naming the file (and
// line), an option that does not fit the data a usage error.
PredictionTable read_predictions(const std::string& path, const PredictionColumns& columns);
// The same for the metrics of the whole file only (Evaluator::all): an unweighted binary file
// with scores is tallied while it is read (PredictionTable::tally), with the same metrics,
// errors and exit codes.
PredictionTable read_predictions_for_metrics(const std::string& path, const PredictionColumns& columns);

const char* task_name(Task task);

}  // namespace lean
