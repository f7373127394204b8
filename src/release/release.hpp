#pragma once

#include <string>
#include <vector>

#include "cli/tool.hpp"

namespace lean {

// The commands of ml-release, in the order --help lists them.
const std::vector<std::string>& release_commands();

// The ToolSpec of one command ("publish", ...); an empty or unknown command gives the
// command-less spec, whose run explains the usage (with a did-you-mean).
ToolSpec release_tool(const std::string& command);

// main() of ml-release: `ml-release COMMAND [OPTIONS]`.
int release_main(int argc, const char* const* argv);

}  // namespace lean
