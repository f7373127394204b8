#pragma once

#include <cstdint>

namespace lean {

// Survival function of the two-sided one-sample Kolmogorov-Smirnov statistic D_n,
// Pr(D_n > x), as scipy.stats.kstwo.sf(x, n) computes it (Simard & L'Ecuyer's choice of
// algorithm per region: Ruben-Gambino, Durbin/MTW matrix, Pomeranz, Pelz-Good, Smirnov).
double kolmogorov_sf(std::uint64_t n, double x);

// Survival function of the one-sided Smirnov statistic D_n^+, Pr(D_n^+ > x), as
// scipy.special.smirnov(n, x) (Birnbaum-Tingey sum).
double smirnov_sf(std::uint64_t n, double x);

// Exact two-sided two-sample probabilities Pr(D >= h / lcm(m, n)), the lattice-path
// counts scipy.stats.ks_2samp uses for method='exact' (Hodges 1958; Viehmann 2021).
double ks_prob_outside_square(std::uint64_t n, std::uint64_t h);
double ks_outer_prob_inside(std::uint64_t m, std::uint64_t n, std::uint64_t g, std::uint64_t h);

}  // namespace lean
