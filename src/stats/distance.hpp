#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace lean {

// scipy.stats.wasserstein_distance(a, b) / max(std(a), 0.001), std the population standard
// deviation of the reference: a distance in reference standard deviations. Sorted inputs.
double wasserstein_normed(std::span<const double> sorted_reference, std::span<const double> sorted_current);

// scipy.spatial.distance.jensenshannon(p, q, base=2) of two count vectors over the same
// bins (each normalised to shares first): 0 same distribution, 1 disjoint.
double jensenshannon(std::span<const std::uint64_t> p, std::span<const std::uint64_t> q);

// Population stability index over the same bins: sum((cur - ref) * ln(cur / ref)) of the
// shares, a share of 0 replaced by 1e-4 so empty bins stay finite.
double population_stability_index(std::span<const std::uint64_t> reference, std::span<const std::uint64_t> current);

// numpy.quantile(sorted, q) with the default 'linear' method (Hyndman & Fan type 7),
// bit for bit: numpy's index (n - 1) q and its two-sided lerp.
double quantile_linear(std::span<const double> sorted, double q);

// The PSI bin edges of a numeric column: the distinct values among the reference's
// 10%, 20%, ..., 90% quantiles.
std::vector<double> decile_edges(std::span<const double> sorted_reference);

// Counts per bin for edges e1 < ... < ek: (-inf, e1], (e1, e2], ..., (ek, inf).
std::vector<std::uint64_t> bin_counts(std::span<const double> sorted, std::span<const double> edges);

}  // namespace lean
