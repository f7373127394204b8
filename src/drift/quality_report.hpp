#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "drift/report.hpp"

namespace lean {

// The report's `quality` array: one object per finding, in the order found.
nlohmann::ordered_json quality_json(const std::vector<QualityFinding>& findings);

// The HTML report's "Data quality" section (empty without the quality checks).
std::string quality_html(const DriftRun& run);

// The `ml_drift_quality_failed{check,column}` gauges (empty without the quality checks).
std::string quality_openmetrics(const DriftRun& run);

}  // namespace lean
