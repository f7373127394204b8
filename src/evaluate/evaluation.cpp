#include "evaluate/evaluation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/memory.hpp"
#include "metrics/metrics.hpp"
#include "stats/sort.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

const std::vector<std::string> kConfusionMetrics = {"accuracy",
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
                                                    "tp",
                                                    "fp",
                                                    "tn",
                                                    "fn"};

// Why a score metric is undefined on weighted rows that are not all of weight 0.
constexpr const char* kClassWeighsZero = "one class of y_true has zero weight";
constexpr const char* kRowsWeighZero = "the rows weigh 0 in total";

double safe_divide(long double numerator, long double denominator) {  // zero_division=0
  return denominator == 0 ? 0.0 : static_cast<double>(numerator / denominator);
}

// sklearn's F-score with beta = 1: 2 p r / (p + r), 0 when p + r is 0.
double f1_of(double precision, double recall) {
  const double denominator = precision + recall;
  return 2 * precision * recall / (denominator == 0 ? 1 : denominator);
}

double weight_of(const PredictionTable& table, std::span<const double> multiplicity, std::size_t row) {
  const double w = table.weights.empty() ? 1.0 : table.weights[row];
  return multiplicity.empty() ? w : w * multiplicity[row];
}

bool counted(std::span<const double> multiplicity, std::size_t row) {
  return multiplicity.empty() || multiplicity[row] > 0;
}

struct Curve {
  std::vector<double> tps, fps;  // cumulative at each distinct score, descending
};

// sklearn's _binary_clf_curve: cumulative weighted true and false positives at each distinct
// score, from the highest.
Curve binary_curve(const std::vector<std::uint32_t>& order, const std::vector<double>& scores,
                   const std::vector<bool>& positive, const PredictionTable& table,
                   std::span<const double> multiplicity) {
  Curve curve;
  double tps = 0, fps = 0;
  std::size_t last = order.size();
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::uint32_t row = order[i];
    if (!counted(multiplicity, row)) continue;
    if (last != order.size() && scores[order[last]] != scores[row]) {
      curve.tps.push_back(tps);
      curve.fps.push_back(fps);
    }
    const double w = weight_of(table, multiplicity, row);
    (positive[row] ? tps : fps) += w;
    last = i;
  }
  if (last != order.size()) {
    curve.tps.push_back(tps);
    curve.fps.push_back(fps);
  }
  return curve;
}

// The same curve for unweighted rows counted once, without ordering the rows: the positive
// and the negative rows' scores each radix-sorted as order-preserving keys (several times
// faster than sorting row indices by score, 8 bytes a row), then walked from the highest, one
// point per distinct score. The counts are whole numbers, so the sums equal binary_curve's.
Curve unweighted_curve(std::span<const double> scores, std::size_t stride, std::size_t column, std::size_t rows,
                       const std::vector<bool>& positive) {
  std::vector<std::uint64_t> positives, negatives;
  for (std::size_t row = 0; row < rows; ++row) {
    const double score = scores[row * stride + column];
    // -0.0 is the score 0.0, as binary_curve's comparison of doubles has it.
    (positive[row] ? positives : negatives).push_back(order_key(score == 0 ? 0.0 : score));
  }
  std::vector<std::uint64_t> scratch(std::max(positives.size(), negatives.size()));
  radix_sort(positives, scratch);
  radix_sort(negatives, scratch);
  scratch = {};
  Curve curve;
  std::size_t p = positives.size(), q = negatives.size();  // unread: [0, p) and [0, q)
  double tps = 0, fps = 0;
  while (p > 0 || q > 0) {
    const std::uint64_t key = p == 0   ? negatives[q - 1]
                              : q == 0 ? positives[p - 1]
                                       : std::max(positives[p - 1], negatives[q - 1]);
    for (; p > 0 && positives[p - 1] == key; --p) tps += 1;
    for (; q > 0 && negatives[q - 1] == key; --q) fps += 1;
    curve.tps.push_back(tps);
    curve.fps.push_back(fps);
  }
  return curve;
}

// The distinct scores of a binary table, numbered in the order first seen (a hash set of
// their bit patterns, open addressing). Scores that are rounded to a few decimals take few
// distinct values: counting rows per value replaces sorting the rows (roc_auc and
// average_precision need the counts per distinct score in order only), and the log loss
// takes a logarithm per value, not per row.
class DistinctScores {
 public:
  // More distinct scores than this: counting loses to sorting, and number() gives up. The
  // numbers fit 16 bits.
  static constexpr std::size_t kMaxDistinct = std::size_t{1} << 16;

  // The number of `score` (-0.0 is 0.0), nullopt when it would be one distinct score too many.
  std::optional<std::uint16_t> number(double score) {
    const auto bits = std::bit_cast<std::uint64_t>(score == 0 ? 0.0 : score);
    for (std::size_t slot = slot_of(bits);; slot = (slot + 1) & (slots_.size() - 1)) {
      const std::uint32_t entry = slots_[slot];
      if (entry == 0) return add(slot, bits);
      if (bits_[entry - 1] == bits) return static_cast<std::uint16_t>(entry - 1);
    }
  }
  std::size_t size() const { return bits_.size(); }
  double operator[](std::size_t number) const { return std::bit_cast<double>(bits_[number]); }

 private:
  std::size_t slot_of(std::uint64_t bits) const {
    return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  std::optional<std::uint16_t> add(std::size_t slot, std::uint64_t bits) {
    if (bits_.size() == kMaxDistinct) return std::nullopt;
    bits_.push_back(bits);
    slots_[slot] = static_cast<std::uint32_t>(bits_.size());
    if (4 * bits_.size() > 3 * slots_.size()) grow();
    return static_cast<std::uint16_t>(bits_.size() - 1);
  }
  void grow() {
    slots_.assign(2 * slots_.size(), 0);
    --shift_;
    for (std::size_t i = 0; i < bits_.size(); ++i) {
      std::size_t slot = slot_of(bits_[i]);
      while (slots_[slot] != 0) slot = (slot + 1) & (slots_.size() - 1);
      slots_[slot] = static_cast<std::uint32_t>(i + 1);
    }
  }

  std::vector<std::uint32_t> slots_ = std::vector<std::uint32_t>(1024, 0);  // a score's number + 1; 0: free
  int shift_ = 64 - 10;
  std::vector<std::uint64_t> bits_;  // by number: 8 bytes each, so ten thousand stay in the L2 cache
};

// Per distinct score: its log-loss term for either class, and how many rows of either class
// have it ([negative, positive]). 24 bytes: visited in random order, so kept small.
struct ScoreTally {
  double log_loss[2] = {0, 0};
  std::uint32_t rows[2] = {0, 0};  // the table has fewer than 2^32 rows (row indices are 32 bits)
};

// Counts the rows per distinct score and adds their log-loss and Brier terms in row order.
// Not inlined: inside a large function GCC keeps the long double sums in memory, not in
// x87 registers, and the loop then waits on a store and a load of each sum per row.
[[gnu::noinline]] void sum_tallied_rows(const PredictionTable& t, std::span<const std::uint16_t> numbers,
                                        std::vector<ScoreTally>& tallies, BinaryTally& out) {
  long double log_loss = 0, brier = 0;
  const std::uint32_t* truth = t.truth.data();
  const double* scores = t.scores.data();
  ScoreTally* tally = tallies.data();
  const std::uint32_t positive_label = t.positive;
  for (std::size_t row = 0; row < numbers.size(); ++row) {
    const int positive = truth[row] == positive_label ? 1 : 0;
    ScoreTally& of_score = tally[numbers[row]];
    ++of_score.rows[positive];
    log_loss += of_score.log_loss[positive];
    const double e = positive - scores[row];
    brier += e * e;
  }
  out.log_loss = log_loss;
  out.brier = brier;
}

// The tally of unweighted rows counted once (its confusion left empty), by numbering the
// distinct scores; nullopt when they are too many. The sums add the same terms in the same
// row order as the row-by-row loop, and the counts are whole numbers: both equal it. Two
// passes, so that the summing loop calls nothing and keeps its long doubles in registers.
std::optional<BinaryTally> tallied_binary_scores(const PredictionTable& t) {
  if (t.rows > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  DistinctScores distinct;
  HugePageVector<std::uint16_t> numbers(t.rows);
  for (std::size_t row = 0; row < t.rows; ++row) {
    const auto number = distinct.number(t.scores[row]);
    if (!number) return std::nullopt;
    numbers[row] = *number;
  }
  std::vector<ScoreTally> tallies(distinct.size());
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    const std::array<double, 2> terms = binary_log_loss_terms(distinct[i]);
    tallies[i].log_loss[0] = terms[0];
    tallies[i].log_loss[1] = terms[1];
  }
  BinaryTally out;
  sum_tallied_rows(t, numbers, tallies, out);
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    out.scores.push_back(distinct[i]);
    out.rows.push_back({tallies[i].rows[0], tallies[i].rows[1]});
  }
  return out;
}

// The curve of tallied rows: one point per distinct score, from the highest.
Curve tallied_curve(const BinaryTally& tally) {
  std::vector<std::uint32_t> descending(tally.scores.size());
  std::iota(descending.begin(), descending.end(), 0);
  std::sort(descending.begin(), descending.end(),
            [&](std::uint32_t a, std::uint32_t b) { return tally.scores[a] > tally.scores[b]; });
  Curve curve;
  double tps = 0, fps = 0;
  curve.tps.reserve(descending.size());
  curve.fps.reserve(descending.size());
  for (std::uint32_t i : descending) {
    tps += static_cast<double>(tally.rows[i][1]);
    fps += static_cast<double>(tally.rows[i][0]);
    curve.tps.push_back(tps);
    curve.fps.push_back(fps);
  }
  return curve;
}

// sklearn's roc_curve (drop_intermediate=True) and auc: the trapezoidal area.
double roc_area(const Curve& curve) {
  std::vector<double> fps{0}, tps{0};
  const std::size_t m = curve.tps.size();
  for (std::size_t i = 0; i < m; ++i) {
    const bool ends = i == 0 || i + 1 == m;
    const bool bends = !ends && ((curve.fps[i + 1] - curve.fps[i]) - (curve.fps[i] - curve.fps[i - 1]) != 0 ||
                                 (curve.tps[i + 1] - curve.tps[i]) - (curve.tps[i] - curve.tps[i - 1]) != 0);
    if (ends || bends) {
      fps.push_back(curve.fps[i]);
      tps.push_back(curve.tps[i]);
    }
  }
  const double fp_total = fps.back(), tp_total = tps.back();
  long double area = 0;
  for (std::size_t i = 1; i < fps.size(); ++i) {
    const double dx = fps[i] / fp_total - fps[i - 1] / fp_total;
    area += dx * (tps[i] / tp_total + tps[i - 1] / tp_total) / 2.0;
  }
  return static_cast<double>(area);
}

// sklearn's average_precision_score: sum over thresholds of (R_i - R_{i-1}) P_i.
double average_precision(const Curve& curve) {
  const double tp_total = curve.tps.back();
  long double sum = 0;
  double previous_recall = 0;
  for (std::size_t i = 0; i < curve.tps.size(); ++i) {
    const double predicted = curve.tps[i] + curve.fps[i];
    const double precision = predicted != 0 ? curve.tps[i] / predicted : 0.0;
    const double recall = curve.tps[i] / tp_total;
    sum += (recall - previous_recall) * precision;
    previous_recall = recall;
  }
  return static_cast<double>(sum);
}

std::vector<std::uint32_t> descending_order(const std::vector<double>& scores, std::size_t stride, std::size_t column,
                                            std::size_t rows) {
  std::vector<std::uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  // The order within tied scores does not matter: a curve takes a point after each group.
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return scores[a * stride + column] > scores[b * stride + column];
  });
  return order;
}

// The number at a dotted name ("per_class.cat.f1") of a nested metrics object.
std::optional<double> find_metric(const ordered_json& metrics, const std::string& name) {
  const nlohmann::ordered_json* node = &metrics;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    const std::string key = name.substr(start, dot - start);
    if (!node->is_object() || !node->contains(key)) return std::nullopt;
    node = &(*node)[key];
    start = dot + 1;
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

}  // namespace

std::string Evaluation::where_undefined(const std::string& path, const std::string& metric) const {
  const auto line = undefined_lines.find(metric);
  return line == undefined_lines.end() ? path : path + ":" + std::to_string(line->second);
}

bool is_confusion_metric(const std::string& metric) {
  return std::find(kConfusionMetrics.begin(), kConfusionMetrics.end(), metric) != kConfusionMetrics.end() ||
         (metric.rfind("per_class.", 0) == 0 && metric.size() > 8 && metric.substr(metric.size() - 8) != ".support");
}

bool is_mean_loss_metric(const std::string& metric) {
  return metric == "mae" || metric == "mse" || metric == "rmse" || metric == "log_loss" || metric == "brier_score";
}

Evaluator::Evaluator(const PredictionTable& table, std::string average) : table_(table), average_(std::move(average)) {
  if (!table.classification() && !average_.empty())
    throw_usage("--average applies to precision, recall and f1 of labels; '" + table.path + "' is a regression");
  if (table.classification()) {
    const bool binary = table.task == Task::binary;
    if (average_.empty()) average_ = binary ? "binary" : "macro";
    if (average_ != "binary" && average_ != "macro" && average_ != "micro" && average_ != "weighted") {
      throw_usage("--average must be binary, macro, micro or weighted, not \"" + average_ + "\"");
    }
    if (average_ == "binary" && !binary) {
      throw_usage("--average binary needs two labels; '" + table.path + "' has " + std::to_string(table.labels.size()));
    }
  }
}

const std::vector<std::vector<std::uint32_t>>& Evaluator::score_orders() const {
  // Only weighted rows and resamples need the rows in order: built once, on first use, also
  // when the bootstrap's threads ask at the same time.
  std::call_once(orders_built_, [this] {
    const PredictionTable& table = table_;
    if (!table.scores.empty()) score_orders_.push_back(descending_order(table.scores, 1, 0, table.rows));
    for (std::size_t label = 0; !table.probabilities.empty() && label < table.labels.size(); ++label) {
      score_orders_.push_back(descending_order(table.probabilities, table.labels.size(), label, table.rows));
    }
  });
  return score_orders_;
}

bool Evaluator::knows(const std::string& name) const {
  const Evaluation probe = all();
  return probe.undefined.count(name) > 0 || find_metric(probe.metrics, name).has_value();
}

void Evaluator::confusion_values(const Confusion& c, ConfusionValues& out) const {
  const PredictionTable& t = table_;
  const std::size_t k = c.k;
  out.defined = false;
  out.kappa.reset();
  out.present.clear();
  for (std::size_t l = 0; l < k; ++l) {
    if (c.present[l]) out.present.push_back(l);
  }
  out.tp.assign(k, 0);
  out.pred_sum.assign(k, 0);
  out.true_sum.assign(k, 0);
  auto& tp = out.tp;
  auto& pred_sum = out.pred_sum;
  auto& true_sum = out.true_sum;
  long double total = 0, trace = 0;
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t b = 0; b < k; ++b) {
      const double v = c.at(a, b);
      true_sum[a] += v;
      pred_sum[b] += v;
      total += v;
      if (a == b) {
        tp[a] += v;
        trace += v;
      }
    }
  }
  if (t.task == Task::binary) {
    const std::size_t p = t.positive, q = 1 - t.positive;
    out.counts = {c.at(p, p), c.at(q, p), c.at(q, q), c.at(p, q)};
  }
  if (total == 0) return;
  out.defined = true;
  out.accuracy = static_cast<double>(trace / total);
  long double balanced = 0;
  std::size_t balanced_count = 0;
  for (std::size_t l : out.present) {
    if (true_sum[l] > 0) {
      balanced += static_cast<double>(tp[l] / true_sum[l]);
      ++balanced_count;
    }
  }
  out.balanced_accuracy = static_cast<double>(balanced / balanced_count);

  out.precision.assign(k, 0);
  out.recall.assign(k, 0);
  out.f1.assign(k, 0);
  out.support.assign(k, 0);
  for (std::size_t l : out.present) {
    out.precision[l] = safe_divide(tp[l], pred_sum[l]);
    out.recall[l] = safe_divide(tp[l], true_sum[l]);
    out.f1[l] = f1_of(out.precision[l], out.recall[l]);
    out.support[l] = static_cast<double>(true_sum[l]);
  }
  auto macro = [&](const std::vector<double>& v) {
    long double sum = 0;
    for (std::size_t l : out.present) sum += v[l];
    return static_cast<double>(sum / out.present.size());
  };
  auto weighted = [&](const std::vector<double>& v) {
    long double sum = 0, w = 0;
    for (std::size_t l : out.present) {
      sum += v[l] * static_cast<double>(true_sum[l]);
      w += true_sum[l];
    }
    return w == 0 ? 0.0 : static_cast<double>(sum / w);
  };
  long double tp_all = 0, pred_all = 0, true_all = 0;
  for (std::size_t l : out.present) {
    tp_all += tp[l];
    pred_all += pred_sum[l];
    true_all += true_sum[l];
  }
  const double precision_micro = safe_divide(tp_all, pred_all), recall_micro = safe_divide(tp_all, true_all);
  const double averaged[3][3] = {{macro(out.precision), precision_micro, weighted(out.precision)},
                                 {macro(out.recall), recall_micro, weighted(out.recall)},
                                 {macro(out.f1), f1_of(precision_micro, recall_micro), weighted(out.f1)}};
  for (int i = 0; i < 3; ++i) {
    for (int a = 0; a < 3; ++a) out.averaged[i][a] = averaged[i][a];
    if (average_ == "binary") {
      const std::size_t p = t.positive;
      out.chosen[i] = i == 0   ? safe_divide(tp[p], pred_sum[p])
                      : i == 1 ? safe_divide(tp[p], true_sum[p])
                               : f1_of(safe_divide(tp[p], pred_sum[p]), safe_divide(tp[p], true_sum[p]));
    } else {
      out.chosen[i] = averaged[i][average_ == "macro" ? 0 : average_ == "micro" ? 1 : 2];
    }
  }

  // Matthews: sklearn's multiclass form (Gorodkin's R_K).
  long double dot_tp = 0, dot_pp = 0, dot_tt = 0;
  for (std::size_t l = 0; l < k; ++l) {
    dot_tp += true_sum[l] * pred_sum[l];
    dot_pp += pred_sum[l] * pred_sum[l];
    dot_tt += true_sum[l] * true_sum[l];
  }
  const long double cov_ytyp = trace * total - dot_tp, cov_ypyp = total * total - dot_pp,
                    cov_ytyt = total * total - dot_tt;
  out.mcc = cov_ypyp * cov_ytyt == 0 ? 0.0 : static_cast<double>(cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp));
  // Cohen's kappa: 1 - observed disagreement / expected disagreement.
  const long double expected_agreement = dot_tp / total;
  if (total - expected_agreement != 0)
    out.kappa = static_cast<double>(1 - (total - trace) / (total - expected_agreement));
}

void Evaluator::confusion_metrics(const Confusion& c, Evaluation& out) const {
  const PredictionTable& t = table_;
  ConfusionValues v;
  confusion_values(c, v);
  ordered_json& m = out.metrics;
  const char* count_names[4] = {"tp", "fp", "tn", "fn"};
  // Unweighted rows are counted: whole numbers, written as such (50, not 50.0).
  const auto count = [&](double value) {
    return t.weights.empty() ? ordered_json(static_cast<std::uint64_t>(value)) : ordered_json(value);
  };
  if (!v.defined) {  // every ratio is 0/0; the counts are 0
    for (const std::string& name : kConfusionMetrics) {
      if (std::find(std::begin(count_names), std::end(count_names), name) == std::end(count_names))
        out.undefined[name] = kRowsWeighZero;
    }
    for (int i = 0; i < 4 && t.task == Task::binary; ++i) m[count_names[i]] = count(v.counts[i]);
    return;
  }
  m["accuracy"] = v.accuracy;
  m["balanced_accuracy"] = v.balanced_accuracy;
  const char* names[3] = {"precision", "recall", "f1"};
  const char* averages[3] = {"macro", "micro", "weighted"};
  for (int i = 0; i < 3; ++i) m[names[i]] = v.chosen[i];
  for (int i = 0; i < 3; ++i) {
    for (int a = 0; a < 3; ++a) m[std::string(names[i]) + "_" + averages[a]] = v.averaged[i][a];
  }
  m["mcc"] = v.mcc;
  if (!v.kappa) {
    out.undefined["cohen_kappa"] = "the expected disagreement is 0 (one label only in y_true and y_pred)";
  } else {
    m["cohen_kappa"] = *v.kappa;
  }
  ordered_json per_class = ordered_json::object();
  for (std::size_t l : v.present) {
    per_class[t.labels[l]] = {
        {"precision", v.precision[l]}, {"recall", v.recall[l]}, {"f1", v.f1[l]}, {"support", count(v.support[l])}};
  }
  m["per_class"] = per_class;
  if (t.task == Task::binary) {
    for (int i = 0; i < 4; ++i) m[count_names[i]] = count(v.counts[i]);
  }
}

void Evaluator::classification(Evaluation& out, std::span<const double> multiplicity) const {
  const PredictionTable& t = table_;
  const std::size_t k = t.labels.size();
  Confusion c;
  c.k = k;
  c.cells.assign(k * k, 0.0);
  c.present.assign(k, false);
  std::vector<bool> in_truth(k, false);
  std::size_t n = 0;
  const bool once_each = t.weights.empty() && multiplicity.empty();
  if (once_each) {
    // Whole-number counts: the sums of 1.0 row by row are these numbers exactly.
    std::vector<std::uint64_t> counts(k * k, 0);
    if (t.tally) std::copy(t.tally->confusion.begin(), t.tally->confusion.end(), counts.begin());
    for (std::size_t row = 0; row < t.truth.size(); ++row) ++counts[t.truth[row] * k + t.predicted[row]];
    for (std::size_t truth = 0; truth < k; ++truth) {
      for (std::size_t predicted = 0; predicted < k; ++predicted) {
        const std::uint64_t count = counts[truth * k + predicted];
        c.cells[truth * k + predicted] = static_cast<double>(count);
        if (count == 0) continue;
        c.present[truth] = c.present[predicted] = true;
        in_truth[truth] = true;
      }
    }
    n = t.rows;
  } else {
    for (std::size_t row = 0; row < t.rows; ++row) {
      if (!counted(multiplicity, row)) continue;
      n += multiplicity.empty() ? 1 : static_cast<std::size_t>(multiplicity[row]);
      c.cells[t.truth[row] * k + t.predicted[row]] += weight_of(t, multiplicity, row);
      c.present[t.truth[row]] = c.present[t.predicted[row]] = true;
      in_truth[t.truth[row]] = true;
    }
  }
  out.metrics["n"] = n;
  confusion_metrics(c, out);

  if (!t.has_scores()) {
    if (!t.scores_unread.empty()) {
      for (const char* name : {"roc_auc", "log_loss"}) {
        out.undefined[name] = t.scores_unread;
        out.undefined_lines[name] = t.scores_unread_line;
      }
    }
    return;
  }
  if (t.task == Task::binary) {
    auto report_scores = [&](const Curve& curve, long double log_loss, long double brier, long double weights) {
      // A class whose rows all weigh 0 leaves sklearn's curve at 0/0 (NaN): undefined, as one class is.
      const bool positives_weigh = curve.tps.back() > 0, negatives_weigh = curve.fps.back() > 0;
      if (!in_truth[0] || !in_truth[1]) out.undefined["roc_auc"] = "y_true holds one class only";
      else if (!positives_weigh || !negatives_weigh) out.undefined["roc_auc"] = kClassWeighsZero;
      else out.metrics["roc_auc"] = roc_area(curve);
      if (!in_truth[t.positive]) out.undefined["average_precision"] = "y_true holds no positive example";
      else if (!positives_weigh) out.undefined["average_precision"] = kClassWeighsZero;
      else out.metrics["average_precision"] = average_precision(curve);
      if (weights == 0) {
        out.undefined["log_loss"] = kRowsWeighZero;
        out.undefined["brier_score"] = kRowsWeighZero;
      } else if (!t.scores_are_probabilities) {
        for (const char* name : {"log_loss", "brier_score"}) {
          out.undefined[name] = "the scores are not probabilities (this one is outside [0, 1])";
          out.undefined_lines[name] = t.first_non_probability_line;
        }
      } else {
        out.metrics["log_loss"] = static_cast<double>(log_loss / weights);
        out.metrics["brier_score"] = static_cast<double>(brier / weights);
      }
    };
    if (once_each) {
      const std::optional<BinaryTally> of_rows = t.tally ? std::nullopt : tallied_binary_scores(t);
      if (const BinaryTally* tally = t.tally ? &*t.tally : of_rows ? &*of_rows : nullptr) {
        report_scores(tallied_curve(*tally), tally->log_loss, tally->brier, static_cast<long double>(t.rows));
        return;
      }
    }
    std::vector<bool> positive(t.rows);
    long double brier = 0, log_loss = 0, weights = 0;
    for (std::size_t row = 0; row < t.rows; ++row) {
      positive[row] = t.truth[row] == t.positive;
      if (!counted(multiplicity, row)) continue;
      const double w = weight_of(t, multiplicity, row), p = t.scores[row];
      weights += w;
      const double e = (positive[row] ? 1.0 : 0.0) - p;
      brier += w * (e * e);
      const double clipped = std::clamp(p, kLogLossEpsilon, 1 - kLogLossEpsilon);
      const double sum = (1 - clipped) + clipped;
      log_loss += w * -std::log((positive[row] ? clipped : 1 - clipped) / sum);
    }
    const Curve curve = once_each ? unweighted_curve(t.scores, 1, 0, t.rows, positive)
                                  : binary_curve(score_orders()[0], t.scores, positive, t, multiplicity);
    report_scores(curve, log_loss, brier, weights);
    return;
  }
  // Multiclass: one-vs-rest macro ROC AUC, and the log loss over the class probabilities.
  long double log_loss = 0, weights = 0;
  std::vector<double> row(k);
  for (std::size_t r = 0; r < t.rows; ++r) {
    if (!counted(multiplicity, r)) continue;
    const double w = weight_of(t, multiplicity, r);
    double sum = 0;
    for (std::size_t l = 0; l < k; ++l) {
      row[l] = std::clamp(t.probabilities[r * k + l], kLogLossEpsilon, 1 - kLogLossEpsilon);
      sum += row[l];
    }
    weights += w;
    log_loss += w * -std::log(row[t.truth[r]] / sum);
  }
  if (weights == 0) out.undefined["log_loss"] = kRowsWeighZero;
  else out.metrics["log_loss"] = static_cast<double>(log_loss / weights);
  if (std::find(in_truth.begin(), in_truth.end(), false) != in_truth.end()) {
    out.undefined["roc_auc"] = "y_true lacks a class that has a probability column (one-vs-rest needs every class)";
    return;
  }
  long double auc_sum = 0;
  for (std::size_t l = 0; l < k; ++l) {
    std::vector<bool> positive(t.rows);
    for (std::size_t r = 0; r < t.rows; ++r) positive[r] = t.truth[r] == l;
    if (t.weights.empty() && multiplicity.empty()) {
      auc_sum += roc_area(unweighted_curve(t.probabilities, k, l, t.rows, positive));
      continue;
    }
    std::vector<double> column(t.rows);
    for (std::size_t r = 0; r < t.rows; ++r) column[r] = t.probabilities[r * k + l];
    const Curve curve = binary_curve(score_orders()[l], column, positive, t, multiplicity);
    if (curve.tps.back() == 0 || curve.fps.back() == 0) {  // one-vs-rest at 0/0, as in the binary case
      out.undefined["roc_auc"] = kClassWeighsZero;
      return;
    }
    auc_sum += roc_area(curve);
  }
  out.metrics["roc_auc"] = static_cast<double>(auc_sum / k);
}

void Evaluator::regression(Evaluation& out, std::span<const double> multiplicity) const {
  const PredictionTable& t = table_;
  long double w_sum = 0, abs_sum = 0, sq_sum = 0, ape_sum = 0, y_sum = 0, diff_sum = 0;
  double max_error = 0;
  std::size_t n = 0;
  for (std::size_t r = 0; r < t.rows; ++r) {
    if (!counted(multiplicity, r)) continue;
    n += multiplicity.empty() ? 1 : static_cast<std::size_t>(multiplicity[r]);
    const double w = weight_of(t, multiplicity, r), y = t.true_values[r], yhat = t.predicted_values[r];
    const double e = y - yhat, a = std::fabs(yhat - y);
    w_sum += w;
    abs_sum += w * a;
    sq_sum += w * (e * e);
    ape_sum += w * (a / std::max(std::fabs(y), std::numeric_limits<double>::epsilon()));
    y_sum += w * y;
    diff_sum += w * e;
    max_error = std::max(max_error, a);
  }
  ordered_json& m = out.metrics;
  m["n"] = n;
  if (w_sum == 0) {
    for (const char* name : {"mae", "mse", "rmse", "r2", "mape", "median_absolute_error", "explained_variance"})
      out.undefined[name] = kRowsWeighZero;
    m["max_error"] = max_error;  // sklearn's max_error takes no weights
    return;
  }
  const double y_mean = static_cast<double>(y_sum / w_sum), diff_mean = static_cast<double>(diff_sum / w_sum);
  long double total_sq = 0, centred_sq = 0;
  for (std::size_t r = 0; r < t.rows; ++r) {
    if (!counted(multiplicity, r)) continue;
    const double w = weight_of(t, multiplicity, r), y = t.true_values[r];
    const double d = y - y_mean, e = (y - t.predicted_values[r]) - diff_mean;
    total_sq += w * (d * d);
    centred_sq += w * (e * e);
  }
  const double mse = static_cast<double>(sq_sum / w_sum);
  m["mae"] = static_cast<double>(abs_sum / w_sum);
  m["mse"] = mse;
  m["rmse"] = std::sqrt(mse);
  if (total_sq == 0) {
    out.undefined["r2"] = "y_true is constant";
    out.undefined["explained_variance"] = "y_true is constant";
  } else {
    m["r2"] = static_cast<double>(1 - sq_sum / total_sq);
    m["explained_variance"] = static_cast<double>(1 - centred_sq / total_sq);
  }
  m["mape"] = static_cast<double>(ape_sum / w_sum);
  // Median absolute error: np.median without weights, sklearn's _weighted_percentile with them.
  std::vector<std::pair<double, double>> errors;  // |e|, count or weight
  for (std::size_t r = 0; r < t.rows; ++r) {
    if (!counted(multiplicity, r)) continue;
    const double a = std::fabs(t.predicted_values[r] - t.true_values[r]);
    errors.emplace_back(
        a, t.weights.empty() ? (multiplicity.empty() ? 1.0 : multiplicity[r]) : weight_of(t, multiplicity, r));
  }
  std::sort(errors.begin(), errors.end());
  double median = 0;
  if (t.weights.empty()) {
    const double count = static_cast<double>(n);
    auto at = [&](double position) {  // the element at 0-based `position` of the expanded multiset
      double seen = 0;
      for (const auto& [value, times] : errors) {
        seen += times;
        if (position < seen) return value;
      }
      return errors.back().first;
    };
    median = static_cast<std::size_t>(count) % 2 ? at(std::floor(count / 2)) : (at(count / 2 - 1) + at(count / 2)) / 2;
  } else {
    double cdf = 0, total = 0;
    for (const auto& e : errors) total += e.second;
    double target = 0.5 * total;
    if (target == 0) target = std::nextafter(target, 1.0);
    median = errors.back().first;
    for (const auto& [value, weight] : errors) {
      cdf += weight;
      if (cdf >= target) {
        median = value;
        break;
      }
    }
  }
  m["median_absolute_error"] = median;
  m["max_error"] = max_error;
}

Evaluation Evaluator::all(std::span<const double> multiplicity) const {
  Evaluation out;
  if (table_.classification()) classification(out, multiplicity);
  else regression(out, multiplicity);
  return out;
}

std::optional<double> Evaluator::metric(const std::string& name, std::span<const double> multiplicity) const {
  Evaluation evaluation = all(multiplicity);
  return find_metric(evaluation.metrics, name);
}

ConfusionMetric Evaluator::confusion_metric_named(const std::string& name) const {
  using Kind = ConfusionMetric::Kind;
  ConfusionMetric out;
  const char* names[3] = {"precision", "recall", "f1"};
  const char* averages[3] = {"macro", "micro", "weighted"};
  if (name == "accuracy") out.kind = Kind::accuracy;
  if (name == "balanced_accuracy") out.kind = Kind::balanced_accuracy;
  if (name == "mcc") out.kind = Kind::mcc;
  if (name == "cohen_kappa") out.kind = Kind::kappa;
  for (std::size_t i = 0; i < 3; ++i) {
    if (name == names[i]) out = {Kind::chosen, i, 0, 0};
    for (std::size_t a = 0; a < 3; ++a) {
      if (name == std::string(names[i]) + "_" + averages[a]) out = {Kind::averaged, i, a, 0};
    }
  }
  const char* count_names[4] = {"tp", "fp", "tn", "fn"};
  for (std::size_t i = 0; i < 4 && table_.task == Task::binary; ++i) {
    if (name == count_names[i]) out = {Kind::count, i, 0, 0};
  }
  // per_class.<label>.<precision|recall|f1>, the label as find_metric reads it (up to the next dot).
  const std::string prefix = "per_class.";
  if (name.rfind(prefix, 0) == 0) {
    const std::size_t dot = name.find('.', prefix.size());
    const std::string label =
        name.substr(prefix.size(), dot == std::string::npos ? std::string::npos : dot - prefix.size());
    const std::string field = dot == std::string::npos ? "" : name.substr(dot + 1);
    const auto it = std::find(table_.labels.begin(), table_.labels.end(), label);
    for (std::size_t i = 0; i < 3 && it != table_.labels.end(); ++i) {
      if (field == names[i]) out = {Kind::per_class, i, 0, static_cast<std::size_t>(it - table_.labels.begin())};
    }
  }
  return out;
}

std::optional<double> Evaluator::confusion_metric(const Confusion& confusion, const ConfusionMetric& which,
                                                  ConfusionValues& scratch) const {
  using Kind = ConfusionMetric::Kind;
  if (which.kind == Kind::unknown) return std::nullopt;
  confusion_values(confusion, scratch);
  const ConfusionValues& v = scratch;
  if (!v.defined) return std::nullopt;
  switch (which.kind) {
    case Kind::accuracy: return v.accuracy;
    case Kind::balanced_accuracy: return v.balanced_accuracy;
    case Kind::chosen: return v.chosen[which.field];
    case Kind::averaged: return v.averaged[which.field][which.average];
    case Kind::mcc: return v.mcc;
    case Kind::kappa: return v.kappa;
    case Kind::count: return v.counts[which.field];
    case Kind::per_class: {
      if (!confusion.present[which.label]) return std::nullopt;
      const std::vector<double>* fields[3] = {&v.precision, &v.recall, &v.f1};
      return (*fields[which.field])[which.label];
    }
    case Kind::unknown: break;
  }
  return std::nullopt;
}

void throw_unavailable_metric(const Evaluator& evaluator, const std::string& name) {
  const Evaluation all = evaluator.all();
  const std::string& path = evaluator.table().path;
  if (auto why = all.undefined.find(name); why != all.undefined.end())
    throw_input(all.where_undefined(path, name), name + " is undefined: " + why->second);
  // The metrics file's reader words the missing metric, as ml-validate --predictions says it.
  const MetricSet metrics = MetricSet::from_json(
      nlohmann::json::parse(all.metrics.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), path);
  metrics.number(name);
  throw_input(path, "no metric \"" + name + "\"");  // a value that is not a number: never computed, but never silent
}

std::vector<double> Evaluator::row_losses(const std::string& metric) const {
  const PredictionTable& t = table_;
  std::vector<double> losses(t.rows);
  for (std::size_t r = 0; r < t.rows; ++r) {
    if (metric == "mae" || metric == "mse" || metric == "rmse") {
      const double e = t.true_values[r] - t.predicted_values[r];
      losses[r] = metric == "mae" ? std::fabs(e) : e * e;
    } else if (metric == "brier_score") {
      const double e = (t.truth[r] == t.positive ? 1.0 : 0.0) - t.scores[r];
      losses[r] = e * e;
    } else if (t.task == Task::binary) {  // log_loss
      const double clipped = std::clamp(t.scores[r], kLogLossEpsilon, 1 - kLogLossEpsilon);
      losses[r] = -std::log((t.truth[r] == t.positive ? clipped : 1 - clipped) / ((1 - clipped) + clipped));
    } else {
      const std::size_t k = t.labels.size();
      double sum = 0, own = 0;
      for (std::size_t l = 0; l < k; ++l) {
        const double p = std::clamp(t.probabilities[r * k + l], kLogLossEpsilon, 1 - kLogLossEpsilon);
        sum += p;
        if (l == t.truth[r]) own = p;
      }
      losses[r] = -std::log(own / sum);
    }
  }
  return losses;
}

nlohmann::ordered_json metrics_document(const Evaluation& evaluation, const PredictionTable& table) {
  nlohmann::ordered_json document = evaluation.metrics;
  document["predictions"] = {{"task", task_name(table.task)}, {"label_sha256", table.label_sha256}};
  return document;
}

}  // namespace lean
