#include "core/printable.hpp"
#include "evaluate/paired.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/error.hpp"
#include "core/format.hpp"
#include "stats/significance.hpp"

namespace lean {
namespace {

constexpr double kPower = 0.8;                  // min_detectable_delta: the gain detected with this probability
constexpr std::size_t kResamplesPerBlock = 64;  // one random stream per block: results independent of threads

std::string label_text(const PredictionTable& t, std::size_t row) {
  return t.classification() ? t.labels[t.truth[row]] : format_number(t.true_values[row]);
}

bool same_label(const PredictionTable& a, std::size_t row_a, const PredictionTable& b, std::size_t row_b) {
  return label_text(a, row_a) == label_text(b, row_b);
}

// The seed of resample block `block`: SplitMix64 of the user's seed and the block.
std::uint64_t block_seed(std::uint64_t seed, std::uint64_t block) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (block + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Runs work(block) for every block on the machine's cores.
template <typename Work>
void for_blocks(std::size_t blocks, Work work) {
  const std::size_t threads =
      std::max<std::size_t>(1, std::min<std::size_t>(blocks, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t block = t; block < blocks; block += threads) work(block);
    });
  }
  for (auto& thread : pool) thread.join();
}

// t with P(T > t) = alpha for `df` degrees of freedom, by bisection on student_t_sf: the
// upper tail itself, so a tiny alpha (1 - alpha rounds to 1) still has its finite quantile.
double t_upper_quantile(double alpha, double df) {
  double low = 0, high = 1;
  while (student_t_sf(high, df) > alpha && high < std::numeric_limits<double>::max() / 4) high *= 2;
  for (int i = 0; i < 2200 && low < high; ++i) {  // bisection halves the bracket: ~1100 steps from 1e308
    const double mid = low + (high - low) / 2;
    if (mid == low || mid == high) break;
    (student_t_sf(mid, df) > alpha ? low : high) = mid;
  }
  return high;
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {  // numpy's linear interpolation
  const double position = q * static_cast<double>(sorted.size() - 1);
  const std::size_t below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

Significance bootstrap(const Evaluator& candidate, const Evaluator& baseline, const std::string& metric,
                       const SignificanceOptions& options) {
  const PredictionTable& ct = candidate.table();
  const PredictionTable& bt = baseline.table();
  const std::size_t n = ct.rows, samples = options.bootstrap_samples;
  std::vector<double> deltas(samples, std::nan(""));
  const std::size_t blocks = (samples + kResamplesPerBlock - 1) / kResamplesPerBlock;
  const bool by_cells = is_confusion_metric(metric) && ct.weights.empty() && ct.classification();
  if (by_cells) {
    // Confusion-matrix metrics depend on the counts of the joint (label, candidate,
    // baseline) cells only: a resample of rows is a multinomial draw of those counts.
    const std::size_t k = ct.labels.size();
    std::vector<double> cells(k * k * k, 0.0);
    for (std::size_t r = 0; r < n; ++r) cells[(ct.truth[r] * k + ct.predicted[r]) * k + bt.predicted[r]] += 1;
    std::vector<std::size_t> occupied;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i] > 0) occupied.push_back(i);
    }
    const ConfusionMetric c_metric = candidate.confusion_metric_named(metric),
                          b_metric = baseline.confusion_metric_named(metric);
    for_blocks(blocks, [&](std::size_t block) {
      std::mt19937_64 random(block_seed(options.seed, block));
      Confusion cc, bc;
      ConfusionValues c_scratch, b_scratch;
      cc.k = bc.k = k;
      for (std::size_t s = block * kResamplesPerBlock; s < std::min(samples, (block + 1) * kResamplesPerBlock); ++s) {
        cc.cells.assign(k * k, 0.0);
        bc.cells.assign(k * k, 0.0);
        cc.present.assign(k, false);
        bc.present.assign(k, false);
        std::uint64_t left = n;
        double mass = static_cast<double>(n);
        for (std::size_t j = 0; j < occupied.size(); ++j) {
          const std::size_t cell = occupied[j];
          std::uint64_t draw = left;
          if (j + 1 < occupied.size()) {
            const double p = std::min(1.0, cells[cell] / mass);
            draw = std::binomial_distribution<std::uint64_t>(left, p)(random);
          }
          left -= draw;
          mass -= cells[cell];
          if (draw == 0) continue;
          const std::size_t truth = cell / (k * k), c_pred = (cell / k) % k, b_pred = cell % k;
          cc.cells[truth * k + c_pred] += static_cast<double>(draw);
          bc.cells[truth * k + b_pred] += static_cast<double>(draw);
          cc.present[truth] = cc.present[c_pred] = bc.present[truth] = bc.present[b_pred] = true;
        }
        const auto c_value = candidate.confusion_metric(cc, c_metric, c_scratch),
                   b_value = baseline.confusion_metric(bc, b_metric, b_scratch);
        if (c_value && b_value) deltas[s] = *c_value - *b_value;
      }
    });
  } else {
    for_blocks(blocks, [&](std::size_t block) {
      std::mt19937_64 random(block_seed(options.seed, block));
      std::uniform_int_distribution<std::size_t> pick(0, n - 1);
      std::vector<double> multiplicity(n);
      for (std::size_t s = block * kResamplesPerBlock; s < std::min(samples, (block + 1) * kResamplesPerBlock); ++s) {
        std::fill(multiplicity.begin(), multiplicity.end(), 0.0);
        for (std::size_t i = 0; i < n; ++i) multiplicity[pick(random)] += 1;
        const auto c_value = candidate.metric(metric, multiplicity), b_value = baseline.metric(metric, multiplicity);
        if (c_value && b_value) deltas[s] = *c_value - *b_value;
      }
    });
  }
  std::vector<double> defined;
  for (double d : deltas) {
    if (!std::isnan(d)) defined.push_back(d);
  }
  if (defined.empty()) throw_input(ct.path, metric + " is undefined on every bootstrap resample");
  const double sign = options.lower_is_better ? -1.0 : 1.0;
  std::size_t not_better = 0, not_worse = 0;
  long double sum = 0;
  for (double d : defined) {
    not_better += sign * d <= 0;
    not_worse += sign * d >= 0;
    sum += d;
  }
  const double m = static_cast<double>(defined.size());
  // A resample on which the metric is undefined in either model (a class drawn away: most
  // resamples of a tiny sample) shows no improvement either way: it counts against both "better"
  // and "worse", so 2 rows, half of whose resamples are undefined, are never significant.
  const std::size_t undefined = samples - defined.size();
  not_better += undefined;
  not_worse += undefined;
  long double squares = 0;
  for (double d : defined) squares += (d - sum / m) * (d - sum / m);
  Significance out;
  out.test = TestKind::bootstrap;
  out.description =
      "paired bootstrap, " + format_number(m) + " resamples" + (by_cells ? " of the confusion cells" : "");
  out.p_value = (1 + static_cast<double>(not_better)) / (static_cast<double>(samples) + 1);
  out.p_worse = (1 + static_cast<double>(not_worse)) / (static_cast<double>(samples) + 1);
  out.bootstrap_samples = defined.size();
  out.statistic = *candidate.metric(metric) - *baseline.metric(metric);
  std::sort(defined.begin(), defined.end());
  out.interval_low = quantile_of_sorted(defined, options.alpha);
  out.interval_high = quantile_of_sorted(defined, 1 - options.alpha);
  out.interval_method = "bootstrap percentile";
  const double se = m > 1 ? static_cast<double>(std::sqrt(squares / (m - 1))) : 0.0;
  out.min_detectable_delta = (normal_upper_quantile(options.alpha) + normal_quantile(kPower)) * se;
  return out;
}

}  // namespace

PredictionTable pair_baseline(const PredictionTable& candidate, const PredictionTable& baseline) {
  std::vector<std::size_t> order(candidate.rows);
  if (!candidate.ids.empty()) {
    std::unordered_map<std::string, std::size_t> baseline_rows;
    for (std::size_t r = 0; r < baseline.rows; ++r) {
      if (!baseline_rows.emplace(baseline.ids[r], r).second) {
        throw_input(baseline.path + ":" + std::to_string(baseline.lines[r]),
                    "the id " + quote_truncated(baseline.ids[r]) + " appears twice");
      }
    }
    std::unordered_map<std::string, std::size_t> candidate_rows;
    for (std::size_t r = 0; r < candidate.rows; ++r) {
      if (!candidate_rows.emplace(candidate.ids[r], r).second) {
        throw_input(candidate.path + ":" + std::to_string(candidate.lines[r]),
                    "the id " + quote_truncated(candidate.ids[r]) + " appears twice");
      }
    }
    // The first unmatched id in each direction (an optional: any text, even an empty one, is an id).
    std::optional<std::string> missing_in_baseline, missing_in_candidate;
    for (std::size_t r = 0; r < candidate.rows && !missing_in_baseline; ++r) {
      if (!baseline_rows.count(candidate.ids[r])) missing_in_baseline = candidate.ids[r];
    }
    for (std::size_t r = 0; r < baseline.rows && !missing_in_candidate; ++r) {
      if (!candidate_rows.count(baseline.ids[r])) missing_in_candidate = baseline.ids[r];
    }
    if (missing_in_baseline || missing_in_candidate) {
      std::string message = "the two files hold different ids:";
      if (missing_in_baseline)
        message += " " + quote_truncated(*missing_in_baseline) + " is not in '" + baseline.path + "'";
      if (missing_in_baseline && missing_in_candidate) message += ";";
      if (missing_in_candidate)
        message += " " + quote_truncated(*missing_in_candidate) + " is not in '" + candidate.path + "'";
      throw_input(candidate.path, message);
    }
    for (std::size_t r = 0; r < candidate.rows; ++r) {
      order[r] = baseline_rows.find(candidate.ids[r])->second;  // every id is in both: checked above
      if (!same_label(candidate, r, baseline, order[r])) {
        throw_input(baseline.path + ":" + std::to_string(baseline.lines[order[r]]),
                    "the label of id " + quote_truncated(candidate.ids[r]) + " differs from '" + candidate.path +
                        "' (" + quote_truncated(label_text(baseline, order[r])) + " against " +
                        quote_truncated(label_text(candidate, r)) + ")");
      }
    }
  } else {
    if (candidate.rows != baseline.rows) {
      throw_input(baseline.path, "has " + std::to_string(baseline.rows) + " rows, '" + candidate.path + "' has " +
                                     std::to_string(candidate.rows) +
                                     "; pair them by --id-column or give the same rows");
    }
    for (std::size_t r = 0; r < candidate.rows; ++r) {
      order[r] = r;
      if (!same_label(candidate, r, baseline, r)) {
        throw_input(baseline.path + ":" + std::to_string(baseline.lines[r]),
                    "the label differs from '" + candidate.path + "' line " + std::to_string(candidate.lines[r]) +
                        " (" + quote_truncated(label_text(baseline, r)) + " against " +
                        quote_truncated(label_text(candidate, r)) + "); rows pair by order without --id-column");
      }
    }
  }
  // The weights are the examples' as the labels are: both files must give each example the same.
  if (!candidate.weights.empty() && candidate.weights.size() == candidate.rows &&
      baseline.weights.size() == baseline.rows) {
    for (std::size_t r = 0; r < candidate.rows; ++r) {
      if (candidate.weights[r] != baseline.weights[order[r]]) {
        throw_input(baseline.path + ":" + std::to_string(baseline.lines[order[r]]),
                    "the weight differs from '" + candidate.path + "' line " + std::to_string(candidate.lines[r]) +
                        " (" + format_number(baseline.weights[order[r]]) + " against " +
                        format_number(candidate.weights[r]) + "); both files must weigh each example the same");
      }
    }
  }
  PredictionTable paired = baseline.subset(order);
  if (candidate.classification() && paired.labels != candidate.labels) {
    // Re-index the baseline's labels onto the candidate's label set.
    std::vector<std::uint32_t> map(paired.labels.size());
    for (std::size_t l = 0; l < paired.labels.size(); ++l) {
      auto it = std::find(candidate.labels.begin(), candidate.labels.end(), paired.labels[l]);
      if (it == candidate.labels.end()) {
        throw_input(baseline.path, "predicts the label " + quote_truncated(paired.labels[l]) + ", which '" +
                                       candidate.path + "' does not have");
      }
      map[l] = static_cast<std::uint32_t>(it - candidate.labels.begin());
    }
    for (auto& v : paired.truth) v = map[v];
    for (auto& v : paired.predicted) v = map[v];
    paired.positive = candidate.positive;
    if (!paired.probabilities.empty())
      throw_input(baseline.path, "has other class-probability columns than '" + candidate.path + "'");
    paired.labels = candidate.labels;
  }
  return paired;
}

TestKind parse_test_kind(const std::string& text) {
  if (text == "auto") return TestKind::automatic;
  if (text == "mcnemar") return TestKind::mcnemar;
  if (text == "delong") return TestKind::delong;
  if (text == "paired-t") return TestKind::paired_t;
  if (text == "bootstrap") return TestKind::bootstrap;
  throw_usage("--test must be auto, mcnemar, delong, paired-t or bootstrap, not \"" + text + "\"");
}

const char* test_kind_name(TestKind kind) {
  switch (kind) {
    case TestKind::automatic: return "auto";
    case TestKind::mcnemar: return "mcnemar";
    case TestKind::delong: return "delong";
    case TestKind::paired_t: return "paired-t";
    case TestKind::bootstrap: return "bootstrap";
  }
  return "auto";
}

Significance test_improvement(const Evaluator& candidate, const Evaluator& baseline, const std::string& metric,
                              const SignificanceOptions& options) {
  const PredictionTable& ct = candidate.table();
  const PredictionTable& bt = baseline.table();
  const bool weighted = !ct.weights.empty() || !bt.weights.empty();
  TestKind kind = options.test;
  if (kind == TestKind::automatic) {
    if (weighted) kind = TestKind::bootstrap;
    else if (metric == "accuracy") kind = TestKind::mcnemar;
    else if (metric == "roc_auc" && ct.task == Task::binary) kind = TestKind::delong;
    else if (is_mean_loss_metric(metric)) kind = TestKind::paired_t;
    else kind = TestKind::bootstrap;
  }
  if (kind != TestKind::bootstrap && weighted) {
    throw_usage(std::string("--test ") + test_kind_name(kind) +
                " is unweighted; with --weight-column use --test bootstrap");
  }
  if (kind == TestKind::mcnemar && metric != "accuracy") throw_usage("--test mcnemar tests accuracy, not " + metric);
  if (kind == TestKind::delong && (metric != "roc_auc" || ct.task != Task::binary)) {
    throw_usage("--test delong tests a binary roc_auc, not " + metric);
  }
  if (kind == TestKind::paired_t && !is_mean_loss_metric(metric)) {
    throw_usage("--test paired-t tests a mean loss (mae, mse, rmse, log_loss, brier_score), not " + metric);
  }
  if ((metric == "log_loss" || metric == "brier_score") && kind == TestKind::paired_t &&
      (!ct.has_scores() || !bt.has_scores())) {
    throw_input(ct.has_scores() ? bt.path : ct.path, metric + " needs scores");
  }
  const auto c_value = candidate.metric(metric), b_value = baseline.metric(metric);
  if (!c_value || !b_value) throw_unavailable_metric(c_value ? baseline : candidate, metric);
  const double z_alpha = normal_upper_quantile(options.alpha), z_power = normal_quantile(kPower);
  const double delta = *c_value - *b_value;
  Significance out;
  bool spread = true;  // McNemar's exact test needs none
  if (kind == TestKind::mcnemar) {
    std::uint64_t b = 0, c = 0;
    for (std::size_t r = 0; r < ct.rows; ++r) {
      const bool c_right = ct.predicted[r] == ct.truth[r], b_right = bt.predicted[r] == bt.truth[r];
      b += c_right && !b_right;
      c += !c_right && b_right;
    }
    const McNemarResult test = mcnemar_exact(b, c);
    const double n = static_cast<double>(ct.rows);
    out.description = "McNemar exact";
    out.b = b;
    out.c = c;
    out.statistic = static_cast<double>(b);
    // With --lower-is-better (accuracy read the other way round) "better" is fewer right
    // rows: the test is one-sided towards c, as every other test follows the direction.
    out.p_value = options.lower_is_better ? test.p_worse : test.p_better;
    out.p_worse = options.lower_is_better ? test.p_better : test.p_worse;
    const double discordant = static_cast<double>(b + c) / n,
                 shift = (static_cast<double>(b) - static_cast<double>(c)) / n;
    const double se = std::sqrt(std::max(0.0, discordant - shift * shift) / n);
    out.interval_low = delta - z_alpha * se;
    out.interval_high = delta + z_alpha * se;
    out.interval_method = "Wald interval of the paired difference of proportions";
    out.min_detectable_delta = (z_alpha + z_power) * std::sqrt(std::max<double>(1.0, static_cast<double>(b + c))) / n;
  } else if (kind == TestKind::delong) {
    std::vector<bool> positive(ct.rows);
    for (std::size_t r = 0; r < ct.rows; ++r) positive[r] = ct.truth[r] == ct.positive;
    const DeLongResult test = delong_paired(ct.scores, bt.scores, positive);
    out.description = "DeLong";
    spread = test.standard_error > 0 && std::isfinite(test.standard_error);
    out.statistic = test.z;
    out.p_value = options.lower_is_better ? test.p_worse : test.p_better;
    out.p_worse = options.lower_is_better ? test.p_better : test.p_worse;
    out.interval_low = delta - z_alpha * test.standard_error;
    out.interval_high = delta + z_alpha * test.standard_error;
    out.interval_method = "normal interval with DeLong's standard error";
    out.min_detectable_delta = (z_alpha + z_power) * test.standard_error;
  } else if (kind == TestKind::paired_t) {
    const PairedTResult test = paired_t(baseline.row_losses(metric), candidate.row_losses(metric));
    out.description = "paired t";
    spread = ct.rows > 1 && test.standard_error > 0 && std::isfinite(test.standard_error);
    out.statistic = test.t;
    // A loss improves downwards: "better" is loss_baseline - loss_candidate > 0.
    out.p_value = options.lower_is_better ? test.p_better : test.p_worse;
    out.p_worse = options.lower_is_better ? test.p_worse : test.p_better;
    const double t = ct.rows > 1 ? t_upper_quantile(options.alpha, test.df) : 0.0;
    double low = -test.mean_difference - t * test.standard_error,
           high = -test.mean_difference + t * test.standard_error;
    double detectable = (z_alpha + z_power) * test.standard_error;
    if (metric == "rmse") {  // the test is on squared errors; the interval is mapped back through the square root
      const double mse = *b_value * *b_value;
      low = std::sqrt(std::max(0.0, mse + low)) - *b_value;
      high = std::sqrt(std::max(0.0, mse + high)) - *b_value;
      detectable = *b_value - std::sqrt(std::max(0.0, mse - detectable));
    }
    out.interval_low = low;
    out.interval_high = high;
    out.interval_method = "Student t interval of the mean loss difference";
    out.min_detectable_delta = detectable;
  } else {
    out = bootstrap(candidate, baseline, metric, options);
    spread = out.min_detectable_delta > 0;  // the resampled differences' standard error
  }
  // A test decides on a spread it can estimate. Without one (DeLong's variance with one row
  // of a class, a paired t on one row or on identical differences, resamples that all give
  // the same difference) a p of 0 would promote 2 rows: neither better nor worse, p = 1.
  if (!spread) {
    out.p_value = out.p_worse = 1;
    out.description += ", no spread to test";
  }
  out.spread = spread;
  out.test = kind;
  out.alpha = options.alpha;
  out.n = ct.rows;
  out.delta = delta;
  return out;
}

}  // namespace lean
