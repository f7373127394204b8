#pragma once

#include <string>

#include "drift/report.hpp"

namespace lean {

// Per-column scores and the dataset verdict as OpenMetrics text (ends with "# EOF"), for
// GitLab's metrics report and Prometheus' textfile collector.
std::string render_openmetrics(const DriftRun& run);

// The same metrics in the Prometheus text format 0.0.4 that a Pushgateway accepts.
std::string render_prometheus_text(const DriftRun& run);

// A label value with \, " and line feeds escaped.
std::string escape_label_value(const std::string& text);

}  // namespace lean
