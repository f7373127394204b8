#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "evaluate/evaluation.hpp"
#include "evaluate/predictions.hpp"

namespace lean {

// Puts the baseline's rows in the candidate's order: by the id column when the tables have
// one, else by row order (then the label columns must be identical). Input errors name the
// first unmatched id in each direction or the first line whose labels differ.
PredictionTable pair_baseline(const PredictionTable& candidate, const PredictionTable& baseline);

enum class TestKind { automatic, mcnemar, delong, paired_t, bootstrap };
TestKind parse_test_kind(const std::string& text);  // usage error for an unknown name
const char* test_kind_name(TestKind kind);          // "mcnemar", "paired-t", ...

struct SignificanceOptions {
  TestKind test = TestKind::automatic;
  double alpha = 0.05;
  std::size_t bootstrap_samples = 10000;
  std::uint64_t seed = 20240601;  // fixed by default, so a report reproduces
  bool lower_is_better = false;
};

// The one-sided test of "the candidate is better" on `metric`, paired row by row.
struct Significance {
  TestKind test = TestKind::mcnemar;
  std::string description;  // "McNemar exact"
  double alpha = 0.05;
  double p_value = 1;                          // for "better"
  double p_worse = 1;                          // the same test the other way round
  double statistic = 0;                        // b (McNemar), z (DeLong), t (paired t), the observed delta (bootstrap)
  std::size_t n = 0;                           // paired rows
  double delta = 0;                            // candidate - baseline, in the metric's units
  double interval_low = 0, interval_high = 0;  // two-sided 1 - 2 alpha, for candidate - baseline
  std::string interval_method;
  std::optional<std::uint64_t> b, c;  // McNemar
  std::size_t bootstrap_samples = 0;  // resamples with the metric defined in both (bootstrap)
  double min_detectable_delta = 0;    // smallest gain detectable at alpha with 80 % power
  bool spread = true;                 // false: no standard error to test with (p = 1 both ways)
  bool significant() const { return p_value < alpha; }
  bool significantly_worse() const { return p_worse < alpha; }
};

// The test `options.test` (or the one `auto` picks for the metric), on two evaluators of
// paired tables. Usage errors for a test that does not fit the metric or the weights.
Significance test_improvement(const Evaluator& candidate, const Evaluator& baseline, const std::string& metric,
                              const SignificanceOptions& options);

}  // namespace lean
