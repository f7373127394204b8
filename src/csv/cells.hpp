#pragma once

#include <optional>
#include <string_view>

namespace lean {

// A cell that stands for "no value": empty, NA, N/A, NaN, nan, null, NULL or None.
bool is_missing_cell(std::string_view cell);

// The cell as a finite number ("1", "-2.5e3", " +0.1 "; spaces and tabs around allowed),
// or nullopt for text, infinities and values out of double's range.
std::optional<double> parse_finite_number(std::string_view cell);

}  // namespace lean
