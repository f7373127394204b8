#pragma once

#include "cli/tool.hpp"

namespace lean {

ToolSpec drift_tool();

// main() of ml-drift.
int drift_main(int argc, const char* const* argv);

}  // namespace lean
