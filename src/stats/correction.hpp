#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lean {

enum class Correction { none, bonferroni, fdr };

// "none", "bonferroni" or "fdr"; nullopt for anything else.
std::optional<Correction> parse_correction(const std::string& text);
const char* correction_name(Correction correction);

// Adjusted p-values, in the input order, for comparing against the unchanged threshold:
// bonferroni min(1, p m); fdr the Benjamini-Hochberg step-up values
// min(1, min over j >= rank of p_(j) m / j), as statsmodels' multipletests('fdr_bh').
std::vector<double> adjust_p_values(const std::vector<double>& p_values, Correction correction);

}  // namespace lean
