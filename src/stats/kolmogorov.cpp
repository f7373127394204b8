#include "stats/kolmogorov.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <tuple>
#include <vector>

// Written by hand: no Debian-packaged C++ library computes these distributions (Boost.Math
// has no Kolmogorov distribution), and the p-values must agree with scipy's, so each
// function follows the region boundaries and algorithms scipy 1.10 uses.

namespace lean {
namespace {

constexpr int kScaleExponent = 128;
const long double kScaleUp = std::ldexp(1.0L, kScaleExponent);
const long double kScaleDown = std::ldexp(1.0L, -kScaleExponent);
constexpr double kPi = std::numbers::pi;
// cephes' MINLOG: exp() of anything below underflows to 0.
constexpr double kMinLog = -745.13321910194110842;

double clip_probability(double p) { return std::clamp(p, 0.0, 1.0); }

using Matrix = std::vector<std::vector<double>>;

Matrix multiply(const Matrix& a, const Matrix& b) {
  const std::size_t m = a.size();
  Matrix out(m, std::vector<double>(m, 0.0));
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t k = 0; k < m; ++k) {
      const double aik = a[i][k];
      if (aik == 0) continue;
      for (std::size_t j = 0; j < m; ++j) out[i][j] += aik * b[k][j];
    }
  }
  return out;
}

// Pr(D_n <= d) by Durbin's matrix method as Marsaglia, Tsang and Wang compute it.
double kolmogorov_cdf_durbin(std::uint64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const auto k = static_cast<std::size_t>(std::ceil(nd));
  const double h = static_cast<double>(k) - nd;
  const std::size_t m = 2 * k - 1;

  std::vector<double> v(m), w(m);
  double factorial_inverse = 1.0;
  for (std::size_t j = 1; j <= m; ++j) {
    w[j - 1] = factorial_inverse;
    factorial_inverse /= static_cast<double>(j);
    v[j - 1] = (1.0 - std::pow(h, static_cast<double>(j))) * factorial_inverse;
  }
  const double tt =
      std::pow(std::max(2 * h - 1.0, 0.0), static_cast<double>(m)) - 2 * std::pow(h, static_cast<double>(m));
  v[m - 1] = (1.0 + tt) * factorial_inverse;

  Matrix H(m, std::vector<double>(m, 0.0));
  for (std::size_t i = 1; i < m; ++i) {
    for (std::size_t r = i - 1; r < m; ++r) H[r][i] = w[r - (i - 1)];
  }
  for (std::size_t r = 0; r < m; ++r) H[r][0] = v[r];
  for (std::size_t c = 0; c < m; ++c) H[m - 1][c] = v[m - 1 - c];

  Matrix power(m, std::vector<double>(m, 0.0));
  for (std::size_t i = 0; i < m; ++i) power[i][i] = 1.0;
  std::uint64_t remaining = n;
  long exponent = 0, h_exponent = 0;
  while (remaining > 0) {
    if (remaining % 2) {
      power = multiply(power, H);
      exponent += h_exponent;
    }
    H = multiply(H, H);
    h_exponent *= 2;
    if (std::fabs(H[k - 1][k - 1]) > kScaleUp) {
      for (auto& row : H) {
        for (auto& x : row) x = static_cast<double>(x / kScaleUp);
      }
      h_exponent += kScaleExponent;
    }
    remaining /= 2;
  }
  long double p = power[k - 1][k - 1];
  for (std::uint64_t i = 1; i <= n; ++i) {
    p = static_cast<long double>(i) * p / static_cast<long double>(n);
    if (std::fabs(p) < kScaleDown) {
      p *= kScaleUp;
      exponent -= kScaleExponent;
    }
  }
  return clip_probability(static_cast<double>(std::ldexp(p, static_cast<int>(exponent))));
}

// The interval of row i in Pomeranz's recursion.
std::pair<long, long> pomeranz_bounds(long i, long n, long ll, long ceilf, long roundf) {
  long j1, j2;
  if (i == 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const long half = (i + 1) / 2;
    if ((i + 1) % 2 == 0) {
      if (half == n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return {std::max(j1 + 2, 0L), std::min(j2, n)};
}

// Pr(D_n <= x) by Pomeranz's recursion (1974).
double kolmogorov_cdf_pomeranz(std::uint64_t n_unsigned, double x) {
  const long n = static_cast<long>(n_unsigned);
  const double t = static_cast<double>(n) * x;
  const long ll = static_cast<long>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1.0 - f);
  const long ceilf = f > 0 ? 1 : 0;
  const long roundf = f > 0.5 ? 1 : 0;
  const std::size_t powers = static_cast<std::size_t>(2 * (ll + 1));
  std::vector<double> gpower(powers), twogpower(powers), onem2gpower(powers);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
  const double dn = static_cast<double>(n);
  const double g_over_n = g / dn, two_g_over_n = 2 * g / dn, one_minus_two_g_over_n = (1 - 2 * g) / dn;
  for (std::size_t m = 1; m < powers; ++m) {
    gpower[m] = gpower[m - 1] * g_over_n / static_cast<double>(m);
    twogpower[m] = twogpower[m - 1] * two_g_over_n / static_cast<double>(m);
    onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / static_cast<double>(m);
  }

  std::vector<double> v0(powers, 0.0), v1(powers, 0.0);
  v1[0] = 1;
  long v0_start = 0, v1_start = 0;
  long exponent = 0;
  auto [j1, j2] = pomeranz_bounds(0, n, ll, ceilf, roundf);
  for (long i = 1; i < 2 * n + 2; ++i) {
    const long k1 = j1;
    std::swap(v0, v1);
    std::swap(v0_start, v1_start);
    std::fill(v1.begin(), v1.end(), 0.0);
    std::tie(j1, j2) = pomeranz_bounds(i, n, ll, ceilf, roundf);
    const std::vector<double>& pwrs = (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 ? twogpower : onem2gpower);
    const long ln2 = j2 - k1 + 1;
    if (ln2 <= 0) continue;
    // The needed part of the full convolution of v0[k1 - v0_start, +ln2) with pwrs[0, ln2).
    const long lo = k1 - v0_start;
    const long a_len = std::min<long>(ln2, static_cast<long>(powers) - lo);
    const long conv_start = j1 - k1;
    const long conv_len = j2 - j1 + 1;
    double largest = 0;
    for (long c = 0; c < conv_len; ++c) {
      const long at = conv_start + c;
      double sum = 0;
      for (long a = std::max(0L, at - ln2 + 1); a <= std::min(at, a_len - 1); ++a) {
        sum += v0[static_cast<std::size_t>(lo + a)] * pwrs[static_cast<std::size_t>(at - a)];
      }
      v1[static_cast<std::size_t>(c)] = sum;
      largest = std::max(largest, sum);
    }
    if (0 < largest && largest < kScaleDown) {
      for (auto& value : v1) value = static_cast<double>(value * kScaleUp);
      exponent -= kScaleExponent;
    }
    v1_start = v0_start + j1 - k1;
  }
  long double answer = v1[static_cast<std::size_t>(n - v1_start)];
  for (long m = 1; m <= n; ++m) {
    if (std::fabs(answer) > kScaleUp) {
      answer *= kScaleDown;
      exponent += kScaleExponent;
    }
    answer *= static_cast<long double>(m);
  }
  return clip_probability(static_cast<double>(std::ldexp(answer, static_cast<int>(exponent))));
}

// Pelz-Good asymptotic approximation of Pr(D_n <= x) (1976).
double kolmogorov_cdf_pelz_good(std::uint64_t n, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double z = std::sqrt(dn) * x;
  const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
  const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
  const double qlog = -pi2 / 8 / z2;
  if (qlog < -708) return 0.0;
  double q = std::exp(qlog);

  const double k1a = -z2, k1b = pi2 / 4;
  const double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16;
  const double k3d = pi6 * (5 - 30 * z2) / 64;
  const double k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
  const double k3b = pi2 * (135 * z4 - 96 * z6) / 4;
  const double k3a = -30 * z6 - 90 * std::pow(z, 8);

  double K[4] = {0, 0, 0, 0};
  const long maxk = static_cast<long>(std::ceil(16 * z / kPi));
  for (long k = maxk; k > 0; --k) {
    const double m = static_cast<double>(2 * k - 1);
    const double m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
    const double qpower = std::pow(q, static_cast<double>(8 * k));
    const double coeffs[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) K[i] = K[i] * qpower + coeffs[i];
  }
  const double sqrt_2pi = std::sqrt(2 * kPi);
  const double divisors[4] = {z, 6 * z4, 72 * std::pow(z, 7), 6480 * std::pow(z, 10)};
  for (int i = 0; i < 4; ++i) K[i] = K[i] * q * sqrt_2pi / divisors[i];

  q = std::exp(-pi2 / 2 / z2);
  double k2extra = 0, k3extra = 0;
  const double sqrt3z = std::sqrt(3.0) * z;
  for (long k = maxk; k > 0; --k) {
    const double kk = static_cast<double>(k);
    const double qk = std::pow(q, kk * kk);
    k2extra += kk * kk * qk;
    k3extra += (sqrt3z + kPi * kk) * (sqrt3z - kPi * kk) * kk * kk * qk;
  }
  K[2] += k2extra * pi2 * sqrt_2pi / (-36 * z3);
  K[3] += k3extra * pi2 * sqrt_2pi / (216 * z6);
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += K[i] / std::pow(dn, i / 2.0);
  return sum;
}

// log(n! / n^n) by Stirling's series.
double log_factorial_over_power(double n) {
  static constexpr double kStirling[] = {-2.955065359477124183e-2,  6.4102564102564102564e-3, -1.9175269175269175269e-3,
                                         8.4175084175084175084e-4,  -5.952380952380952381e-4, 7.9365079365079365079e-4,
                                         -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  const double rn = 1.0 / n;
  double poly = 0;
  for (double c : kStirling) poly = poly * (rn / n) + c;
  return std::log(n) / 2 - n + std::log(2 * kPi) / 2 + rn * poly;
}

}  // namespace

double smirnov_sf(std::uint64_t n, double x) {
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return std::nan("");
  if (n == 1) return 1 - x;
  if (x == 0.0) return 1.0;
  if (x == 1.0) return 0.0;
  const double dn = static_cast<double>(n);
  // floor(n x) and its remainder, exactly: n x as a double-double.
  const double nx_hi = dn * x;
  const double nx_lo = std::fma(dn, x, -nx_hi);
  double floor_nx = std::floor(nx_hi);
  double alpha = (nx_hi - floor_nx) + nx_lo;
  if (alpha < 0) {
    floor_nx -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    floor_nx += 1;
    alpha = 0;
  }
  const auto nxfl = static_cast<std::int64_t>(floor_nx);
  const auto ni = static_cast<std::int64_t>(n);
  std::int64_t n1mxfl = ni - nxfl - (alpha == 0 ? 0 : 1);
  std::int64_t n1mxceil = ni - nxfl;
  if (alpha == 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }
  if (nxfl == 0 || (nxfl == 1 && alpha == 0)) {
    const long double cdf = x * std::pow(1.0L + x, static_cast<long double>(n - 1));
    return clip_probability(static_cast<double>(1 - cdf));
  }
  if (-2 * dn * x * x < kMinLog) return 0.0;
  if (nxfl >= ni - 1) return clip_probability(static_cast<double>(std::pow(1.0L - x, static_cast<long double>(n))));
  if (n > 1000000) {
    const double logp = -std::pow(6.0 * dn * x + 1.0, 2) / 18.0 / dn;
    return clip_probability(std::exp(logp));
  }
  const std::int64_t upper_terms = ni - n1mxceil + 1;
  const bool upper_sum = (upper_terms <= 1 && x < 0.5) || (ni >= 10 && upper_terms <= 3 && x <= 0.5 / std::sqrt(dn));

  // Terms A_v = C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v), in logs (long double) so
  // n up to a million neither overflows nor loses the relative accuracy of small tails.
  const long double lx = x, ln = dn;
  const long double log_n_factorial = std::lgamma(ln + 1);
  auto term = [&](std::int64_t v) {
    const long double vv = static_cast<long double>(v);
    const long double a = lx + vv / ln;
    const long double b = (ln - vv) / ln - lx;
    if (b == 0) return v == ni ? std::exp((vv - 1) * std::log(a)) : 0.0L;
    long double log_term = log_n_factorial - std::lgamma(vv + 1) - std::lgamma(ln - vv + 1) + (vv - 1) * std::log(a) +
                           (ln - vv) * std::log(std::fabs(b));
    long double value = std::exp(log_term);
    return (b < 0 && (ni - v) % 2) ? -value : value;
  };
  const std::int64_t start = upper_sum ? ni : 0, step = upper_sum ? -1 : 1;
  const std::int64_t terms = upper_sum ? upper_terms : n1mxfl + 1;
  long double sum = 0;
  for (std::int64_t j = 0; j < terms; ++j) {
    const long double a = term(start + j * step);
    sum += a;
    // Stop once the remaining terms cannot change the sum (scipy's criterion).
    if (a != 0 && j != terms - 1 &&
        4 * static_cast<long double>(terms - j) * std::fabs(a) < 2.220446049250313e-16L * sum) {
      break;
    }
    if (a == 0 && j > ni / 2) break;
  }
  const double prob = static_cast<double>(lx * sum);
  return clip_probability(upper_sum ? 1 - prob : prob);
}

double kolmogorov_sf(std::uint64_t n, double x) {
  if (n == 0 || std::isnan(x)) return std::nan("");
  const double dn = static_cast<double>(n);
  // scipy's support of kstwo is [1/(2n), 1]; outside it the survival function is 1 or 0.
  if (x <= 0.5 / dn) return 1.0;
  if (x >= 1.0) return 0.0;
  const double t = dn * x;
  if (t <= 1.0) {  // Ruben-Gambino
    double cdf;
    if (n <= 140) {
      cdf = 1.0;
      for (std::uint64_t i = 1; i <= n; ++i) cdf *= static_cast<double>(i) * (1.0 / dn) * (2 * t - 1);
    } else {
      cdf = std::exp(log_factorial_over_power(dn) + dn * std::log(2 * t - 1));
    }
    return clip_probability(1.0 - cdf);
  }
  if (t >= dn - 1) return clip_probability(2 * std::pow(1.0 - x, dn));
  if (x >= 0.5) return clip_probability(2 * smirnov_sf(n, x));

  const double nx_squared = t * x;
  if (n <= 140) {
    if (nx_squared <= 0.754693) return clip_probability(1.0 - kolmogorov_cdf_durbin(n, x));
    if (nx_squared <= 4) return clip_probability(1.0 - kolmogorov_cdf_pomeranz(n, x));
    return clip_probability(2 * smirnov_sf(n, x));
  }
  if (nx_squared >= 370.0) return 0.0;
  if (nx_squared >= 2.2) return clip_probability(2 * smirnov_sf(n, x));
  const double cdf =
      (n <= 100000 && dn * std::pow(x, 1.5) <= 1.4) ? kolmogorov_cdf_durbin(n, x) : kolmogorov_cdf_pelz_good(n, x);
  return clip_probability(1.0 - cdf);
}

double ks_prob_outside_square(std::uint64_t n_unsigned, std::uint64_t h_unsigned) {
  // Pr(D_{n,n} >= h/n) = 2 (A0 (1 - A1 (1 - A2 (...)))), Horner-like to avoid cancellation.
  const auto n = static_cast<std::int64_t>(n_unsigned), h = static_cast<std::int64_t>(h_unsigned);
  double P = 0.0;
  for (std::int64_t k = n / h; k >= 0; --k) {
    double p1 = 1.0;
    for (std::int64_t j = 0; j < h; ++j) {
      p1 = static_cast<double>(n - k * h - j) * p1 / static_cast<double>(n + k * h + j + 1);
    }
    P = p1 * (1.0 - P);
  }
  return 2 * P;
}

double ks_outer_prob_inside(std::uint64_t m_unsigned, std::uint64_t n_unsigned, std::uint64_t g_unsigned,
                            std::uint64_t h_unsigned) {
  auto m = static_cast<std::int64_t>(m_unsigned), n = static_cast<std::int64_t>(n_unsigned);
  const auto g = static_cast<std::int64_t>(g_unsigned), h = static_cast<std::int64_t>(h_unsigned);
  if (m < n) std::swap(m, n);
  const std::int64_t mg = m / g, ng = n / g;
  // One column of the lattice-path table, a sliding window of it, holding 1 - p directly
  // (Viehmann's recursion), as scipy does.
  std::int64_t minj = 0;
  std::int64_t maxj = std::min<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(static_cast<double>(h) / static_cast<double>(mg))), n + 1);
  std::int64_t curlen = maxj - minj;
  const std::int64_t lenA = std::min(2 * maxj + 2, n + 1);
  std::vector<double> A(static_cast<std::size_t>(lenA), 1.0);
  for (std::int64_t j = minj; j < std::min(maxj, lenA); ++j) A[static_cast<std::size_t>(j)] = 0.0;
  for (std::int64_t i = 1; i <= m; ++i) {
    const std::int64_t lastminj = minj, lastlen = curlen;
    minj = std::max<std::int64_t>(
        static_cast<std::int64_t>(std::floor(static_cast<double>(ng * i - h) / static_cast<double>(mg))) + 1, 0);
    minj = std::min(minj, n);
    maxj = std::min<std::int64_t>(
        static_cast<std::int64_t>(std::ceil(static_cast<double>(ng * i + h) / static_cast<double>(mg))), n + 1);
    if (maxj <= minj) return 1.0;
    double val = minj == 0 ? 0.0 : 1.0;
    for (std::int64_t jj = 0; jj < maxj - minj; ++jj) {
      const std::int64_t j = jj + minj;
      val =
          (A[static_cast<std::size_t>(jj + minj - lastminj)] * static_cast<double>(i) + val * static_cast<double>(j)) /
          static_cast<double>(i + j);
      A[static_cast<std::size_t>(jj)] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const std::int64_t from = maxj - minj, to = std::min(maxj - minj + (lastlen - curlen), lenA);
      for (std::int64_t j = from; j < to; ++j) A[static_cast<std::size_t>(j)] = 1;
    }
  }
  return A[static_cast<std::size_t>(maxj - minj - 1)];
}

}  // namespace lean
