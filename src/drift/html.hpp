#pragma once

#include <string>

#include "drift/report.hpp"

namespace lean {

// One self-contained HTML page (inline CSS and SVG, no scripts, fonts or links): the
// verdict on top, a table of every column, then per column the reference and current
// distributions overlaid, drifted columns first.
std::string render_drift_html(const DriftRun& run);

std::string escape_html(const std::string& text);

}  // namespace lean
