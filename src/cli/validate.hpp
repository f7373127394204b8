#pragma once

#include <string>
#include <vector>

#include "cli/tool.hpp"
#include "gates/validate.hpp"

namespace lean {

// ml-validate's command line, read once. Every option is an input of the decision, so the
// options are its ValidateInput (gates/validate.hpp).
using ValidateOptions = ValidateInput;

// The only reader of ml-validate's variables_map: converts every option, reads the --policy
// file (configuration: exit 2) and refuses every combination that does not name one source
// of metrics (usage errors, exit 2).
ValidateOptions parse_validate_options(const po::variables_map& vm);

ToolSpec validate_tool();

// main() of ml-validate.
int validate_main(int argc, const char* const* argv);

}  // namespace lean
