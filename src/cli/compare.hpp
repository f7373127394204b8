#pragma once

#include "cli/tool.hpp"

namespace lean {

ToolSpec compare_tool();

// main() of ml-compare.
int compare_main(int argc, const char* const* argv);

}  // namespace lean
