#pragma once

#include <string>
#include <vector>

#include "cli/tool.hpp"
#include "drift/check.hpp"
#include "profile/profile_drift.hpp"

namespace lean {

// ml-drift's command line, typed. The tool runs in one of four modes, each with its own part
// (the other parts stay empty): one struct, so the checks of which options go together are in
// one function, parse_drift_options.
struct DriftOptions {
  enum class Mode { check, schema, profiles, changed };
  Mode mode = Mode::check;

  // Mode::check: raw data against raw data or a schema, and the outputs only it writes.
  DriftCheckInput check;
  std::string html, openmetrics, pushgateway, ca_bundle;

  // Mode::schema: `ml-drift schema`, from --reference (`schema`) or --reference-profile.
  SchemaInput schema;
  std::string schema_from_profile;  // empty: from schema.reference_path
  std::string output;

  // Mode::profiles: against a reference profile.
  ProfileDriftInput profiles;
  OnUndecided on_undecided = OnUndecided::drift;

  // Mode::changed: --changed FILE... --state STATE.json.
  std::vector<std::string> changed;
  std::string state;
};

// The only reader of ml-drift's variables_map: every option converted and every combination
// checked here (exit 2), before any file is read.
DriftOptions parse_drift_options(const po::variables_map& vm);

ToolSpec drift_tool();

// main() of ml-drift.
int drift_main(int argc, const char* const* argv);

}  // namespace lean
