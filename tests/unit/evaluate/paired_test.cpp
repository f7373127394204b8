#include "evaluate/paired.hpp"

#include <doctest/doctest.h>

#include <random>

#include "core/error.hpp"

namespace {

// A binary table of `n` rows whose predictions are right with probability `accuracy`; with
// `copy_of`, each row keeps that table's outcome with probability `agreement` (correlated
// models, as two versions of one model are).
lean::PredictionTable simulated(std::mt19937_64& random, std::size_t n, double accuracy,
                                const lean::PredictionTable* copy_of = nullptr, double agreement = 0) {
  lean::PredictionTable t;
  t.path = "sim.csv";
  t.task = lean::Task::binary;
  t.rows = n;
  t.labels = {"0", "1"};
  t.positive = 1;
  std::bernoulli_distribution label(0.5), keep(agreement);
  for (std::size_t r = 0; r < n; ++r) {
    const std::uint32_t truth = copy_of ? copy_of->truth[r] : static_cast<std::uint32_t>(label(random));
    bool right;
    if (copy_of && keep(random)) {
      right = copy_of->predicted[r] == truth;
    } else {
      // Among the rows not copied, the rate that gives the wanted marginal accuracy (the
      // copied table's is 0.8).
      right = std::bernoulli_distribution(copy_of ? (accuracy - agreement * 0.8) / (1 - agreement) : accuracy)(random);
    }
    t.truth.push_back(truth);
    t.predicted.push_back(right ? truth : 1 - truth);
    t.lines.push_back(r + 2);
  }
  return t;
}

bool promoted(const lean::PredictionTable& candidate, const lean::PredictionTable& baseline,
              const std::string& metric) {
  const lean::Evaluator c(candidate, ""), b(baseline, "");
  lean::SignificanceOptions options;
  options.alpha = 0.05;
  options.bootstrap_samples = 1000;
  const lean::Significance s = lean::test_improvement(c, b, metric, options);
  return s.delta >= 0 && s.significant();  // the point rule with --min-delta 0, and the test
}

}  // namespace

TEST_CASE("calibration: equally good models are rarely promoted, a real 3-point gain usually is") {
  std::mt19937_64 random(12345);
  int false_promotions = 0, bootstrap_false_promotions = 0, true_promotions = 0;
  for (int pair = 0; pair < 200; ++pair) {
    const lean::PredictionTable baseline = simulated(random, 2000, 0.8);
    const lean::PredictionTable equal = simulated(random, 2000, 0.8, &baseline, 0.5);
    false_promotions += promoted(equal, baseline, "accuracy");
    if (pair < 50) bootstrap_false_promotions += promoted(equal, baseline, "f1");
    const lean::PredictionTable better = simulated(random, 2000, 0.83, &baseline, 0.5);
    true_promotions += promoted(better, baseline, "accuracy");
  }
  CHECK(false_promotions <= 14);  // at most 7 % of 200
  CHECK(bootstrap_false_promotions <= 6);
  CHECK(true_promotions >= 160);  // at least 80 %
}

TEST_CASE("pairing by id reorders the baseline; unmatched ids are named") {
  lean::PredictionTable a;
  a.path = "a.csv";
  a.task = lean::Task::binary;
  a.rows = 2;
  a.labels = {"0", "1"};
  a.positive = 1;
  a.truth = {0, 1};
  a.predicted = {0, 1};
  a.ids = {"x", "y"};
  a.lines = {2, 3};
  lean::PredictionTable b = a;
  b.path = "b.csv";
  b.truth = {1, 0};
  b.predicted = {0, 0};
  b.ids = {"y", "x"};
  const lean::PredictionTable paired = lean::pair_baseline(a, b);
  CHECK(paired.truth == std::vector<std::uint32_t>{0, 1});
  CHECK(paired.predicted == std::vector<std::uint32_t>{0, 0});
  b.ids = {"y", "z"};
  CHECK_THROWS_AS(lean::pair_baseline(a, b), lean::Error);
}
