#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lean {

// Metrics files other than JSON, converted to the JSON text MetricSet parses (so every rule,
// from duplicate keys to finite numbers, is the same):
// - YAML (`.yaml`, `.yml`, as DVC writes metrics.yaml), through yaml-cpp;
// - an MLflow file-store run folder (mlruns/<experiment>/<run_id>): metrics/<name> holds
//   "timestamp value step" lines, of which the latest metric counts (the highest step, the
//   latest timestamp on ties), as MLflow's own "latest metric"; params/ is ignored.
// nullopt for any other path (a JSON file). Input errors name the file or folder.
std::optional<std::string> metrics_json_from_other_format(const std::string& path);

// The files reading `path` as a metrics input reads: an MLflow run folder's metrics/ files and
// meta.yaml, else `path` itself. For the check that no output overwrites an input.
std::vector<std::string> metrics_input_files(const std::string& path);

}  // namespace lean
