#include "stats/distance.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace lean {
namespace {

// numpy.std: the mean of the squared deviations from the mean, in long double; `sum` is
// the values' long double sum, added in order.
double population_std(std::span<const double> values, long double sum) {
  const long double mean = sum / static_cast<long double>(values.size());
  long double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return static_cast<double>(std::sqrt(squares / static_cast<long double>(values.size())));
}

std::vector<double> shares(std::span<const std::uint64_t> counts) {
  double total = 0;
  for (auto c : counts) total += static_cast<double>(c);
  std::vector<double> out;
  out.reserve(counts.size());
  for (auto c : counts) out.push_back(static_cast<double>(c) / total);
  return out;
}

// The runs of equal values of a sorted sample, in order: each run's value and the count of
// values up to its end. Made a block at a time into a fixed buffer, without a branch per
// value; a run is never split across blocks. Also sums the values in long double, in order
// (the chain of additions runs beside the rest of the loop).
class ValueRuns {
 public:
  explicit ValueRuns(std::span<const double> sorted) : sorted_(sorted) { refill(); }
  long double sum() const { return sum_; }
  bool done() const { return done_; }
  double value() const { return values_[at_]; }
  std::uint64_t through() const { return through_[at_]; }
  void advance(bool step) {
    at_ += step;
    if (at_ == filled_) [[unlikely]]
      refill();
  }

 private:
  static constexpr std::size_t kBlock = 1024;
  void refill() {
    at_ = 0;
    const std::size_t n = sorted_.size();
    if (next_ >= n) {
      done_ = true;
      values_[0] = 0;
      filled_ = 1;  // at_ stays 0
      return;
    }
    std::size_t end = std::min(n, next_ + kBlock);
    while (end < n && sorted_[end] == sorted_[end - 1]) ++end;  // the last run whole (at most kBlock runs)
    std::size_t run = 0;
    values_[0] = sorted_[next_];
    long double sum = sum_ + sorted_[next_];
    for (std::size_t k = next_ + 1; k < end; ++k) {
      through_[run] = k;  // final once the next run starts
      run += sorted_[k] != sorted_[k - 1];
      values_[run] = sorted_[k];
      sum += sorted_[k];
    }
    sum_ = sum;
    through_[run] = end;
    filled_ = run + 1;
    next_ = end;
  }
  std::span<const double> sorted_;
  std::size_t next_ = 0;  // the first value not yet in a block
  std::size_t at_ = 0, filled_ = 0;
  bool done_ = false;
  long double sum_ = 0;
  double values_[kBlock];
  std::uint64_t through_[kBlock];
};

// scipy.special.rel_entr for x, y >= 0 with y > 0 wherever x > 0.
double relative_entropy(double x, double y) { return x > 0 ? x * std::log(x / y) : 0.0; }

}  // namespace

double wasserstein_normed(std::span<const double> a, std::span<const double> b) {
  // The area between the two empirical CDFs: a merge walk over the distinct values of both
  // sorted samples, summing |F_a - F_b| times the gap to the next value (scipy's
  // _cdf_distance, p = 1), in long double so the 2 n terms lose nothing to rounding. Each
  // step takes one run of equal values from either side or both, without a branch: 4-decimal
  // data has runs of any length at random, which a loop per run mispredicted.
  const double dn1 = static_cast<double>(a.size()), dn2 = static_cast<double>(b.size());
  ValueRuns runs_a(a), runs_b(b);
  std::uint64_t i = 0, j = 0;  // values below x
  long double area = 0;
  double previous = std::min(a.front(), b.front());
  while (!runs_a.done() || !runs_b.done()) {
    const double xa = runs_a.value(), xb = runs_b.value();
    const bool take_a = !runs_a.done() && (runs_b.done() || xa <= xb);
    const double x = take_a ? xa : xb;
    const double cdf_gap = std::fabs(static_cast<double>(i) / dn1 - static_cast<double>(j) / dn2);
    area += static_cast<long double>(cdf_gap) * (x - previous);
    previous = x;
    const bool step_a = !runs_a.done() && xa <= x, step_b = !runs_b.done() && xb <= x;
    i = step_a ? runs_a.through() : i;
    j = step_b ? runs_b.through() : j;
    runs_a.advance(step_a);
    runs_b.advance(step_b);
  }
  return static_cast<double>(area) / std::max(population_std(a, runs_a.sum()), 0.001);
}

double jensenshannon(std::span<const std::uint64_t> p_counts, std::span<const std::uint64_t> q_counts) {
  const std::vector<double> p = shares(p_counts), q = shares(q_counts);
  long double left = 0, right = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double m = (p[i] + q[i]) / 2.0;
    left += relative_entropy(p[i], m);
    right += relative_entropy(q[i], m);
  }
  const double js = static_cast<double>(left + right) / std::log(2.0);
  return std::sqrt(std::max(js, 0.0) / 2.0);
}

double population_stability_index(std::span<const std::uint64_t> reference, std::span<const std::uint64_t> current) {
  constexpr double kEmptyShare = 1e-4;
  std::vector<double> ref = shares(reference), cur = shares(current);
  long double psi = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double r = ref[i] == 0 ? kEmptyShare : ref[i];
    const double c = cur[i] == 0 ? kEmptyShare : cur[i];
    psi += (c - r) * std::log(c / r);
  }
  return static_cast<double>(psi);
}

double quantile_linear(std::span<const double> sorted, double q) {
  const std::size_t n = sorted.size();
  const double index = static_cast<double>(n - 1) * q;
  const double below = std::floor(index);
  if (below >= static_cast<double>(n - 1)) return sorted[n - 1];
  const auto lower = static_cast<std::size_t>(below);
  const double a = sorted[lower], b = sorted[lower + 1];
  const double t = index - below;
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

std::vector<double> decile_edges(std::span<const double> sorted_reference) {
  std::vector<double> edges;
  for (int k = 1; k <= 9; ++k) edges.push_back(quantile_linear(sorted_reference, k / 10.0));
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

std::vector<std::uint64_t> bin_counts(std::span<const double> sorted, std::span<const double> edges) {
  std::vector<std::uint64_t> counts;
  std::size_t below = 0;
  for (double edge : edges) {
    const auto upto = static_cast<std::size_t>(std::upper_bound(sorted.begin(), sorted.end(), edge) - sorted.begin());
    counts.push_back(upto - below);
    below = upto;
  }
  counts.push_back(sorted.size() - below);
  return counts;
}

}  // namespace lean
