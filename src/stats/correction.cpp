#include "stats/correction.hpp"

#include <algorithm>
#include <numeric>

namespace lean {

std::optional<Correction> parse_correction(const std::string& text) {
  if (text == "none") return Correction::none;
  if (text == "bonferroni") return Correction::bonferroni;
  if (text == "fdr") return Correction::fdr;
  return std::nullopt;
}

const char* correction_name(Correction correction) {
  switch (correction) {
    case Correction::bonferroni: return "bonferroni";
    case Correction::fdr: return "fdr";
    default: return "none";
  }
}

std::vector<double> adjust_p_values(const std::vector<double>& p_values, Correction correction) {
  const std::size_t m = p_values.size();
  std::vector<double> adjusted = p_values;
  if (correction == Correction::bonferroni) {
    for (double& p : adjusted) p = std::min(1.0, p * static_cast<double>(m));
  } else if (correction == Correction::fdr && m > 0) {
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
    double running_min = 1.0;
    for (std::size_t rank = m; rank >= 1; --rank) {
      const std::size_t at = order[rank - 1];
      running_min = std::min(running_min, p_values[at] * static_cast<double>(m) / static_cast<double>(rank));
      adjusted[at] = running_min;
    }
  }
  return adjusted;
}

}  // namespace lean
