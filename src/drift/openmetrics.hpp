#pragma once

#include <string>

#include "drift/report.hpp"

namespace lean {

// Per-column scores and the dataset verdict as OpenMetrics text (ends with "# EOF"), for
// GitLab's metrics report and Prometheus' textfile collector.
std::string render_openmetrics(const DriftRun& run);

// The same metrics in the Prometheus text format 0.0.4 that a Pushgateway accepts.
std::string render_prometheus_text(const DriftRun& run);

// A label value: redacted, \, " and line feeds escaped as the format prescribes, every other
// control and bidi character as its printable escape (core/printable.hpp) with the backslash
// escaped: ESC reads back as the escape "\e", as on a terminal.
std::string escape_label_value(const std::string& text);

}  // namespace lean
