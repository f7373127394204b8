#include "stats/distance.hpp"

#include <algorithm>
#include <cmath>

namespace lean {
namespace {

double population_std(std::span<const double> values) {
  long double sum = 0;
  for (double v : values) sum += v;
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

// scipy.special.rel_entr for x, y >= 0 with y > 0 wherever x > 0.
double relative_entropy(double x, double y) { return x > 0 ? x * std::log(x / y) : 0.0; }

}  // namespace

double wasserstein_normed(std::span<const double> a, std::span<const double> b) {
  // The area between the two empirical CDFs: a merge walk over both sorted samples,
  // summing |F_a - F_b| times the gap to the next value (scipy's _cdf_distance, p = 1),
  // in long double so the 2 n terms lose nothing to rounding.
  const std::size_t n1 = a.size(), n2 = b.size();
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  std::size_t i = 0, j = 0;
  long double area = 0;
  double previous = std::min(a.front(), b.front());
  while (i < n1 || j < n2) {
    const double x = (j == n2 || (i < n1 && a[i] <= b[j])) ? a[i] : b[j];
    const double cdf_gap = std::fabs(static_cast<double>(i) / dn1 - static_cast<double>(j) / dn2);
    area += static_cast<long double>(cdf_gap) * (x - previous);
    previous = x;
    while (i < n1 && a[i] <= x) ++i;
    while (j < n2 && b[j] <= x) ++j;
  }
  return static_cast<double>(area) / std::max(population_std(a), 0.001);
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
