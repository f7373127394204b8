#pragma once

#include "cli/tool.hpp"

namespace lean {

// `ml-drift profile ...`: argv[0] is "profile"; "profile merge" and "profile import-kll"
// are its subcommands (docs/ml-drift.md, "Profiles").
int profile_main(int argc, const char* const* argv);

}  // namespace lean
