#pragma once

#include <string>
#include <vector>

#include "report/outcome.hpp"

namespace lean {

// The data-change trigger: compares each file's SHA-256 with the one recorded in the
// state file, records the new hashes, and fails (exit 1) when any file changed. A missing
// state file means every file changed.
Outcome check_changed_files(const std::vector<std::string>& files, const std::string& state_path);

}  // namespace lean
