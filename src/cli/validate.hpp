#pragma once

#include "cli/tool.hpp"

namespace lean {

ToolSpec validate_tool();

// main() of ml-validate.
int validate_main(int argc, const char* const* argv);

}  // namespace lean
