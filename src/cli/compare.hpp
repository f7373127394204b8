#pragma once

#include <string>

#include "cli/tool.hpp"
#include "gates/compare.hpp"

namespace lean {

// ml-compare's command line, read once. Every option is an input of the decision, so the
// options are its CompareInput (gates/compare.hpp).
using CompareOptions = CompareInput;

// The only reader of ml-compare's variables_map: converts every option and refuses every
// combination that does not make one comparison (usage errors, exit 2).
CompareOptions parse_compare_options(const po::variables_map& vm);

// --guard PATH[:TOL][:higher|lower], read from the right (a metric name may hold ":").
Guard parse_guard(const std::string& text);

ToolSpec compare_tool();

// main() of ml-compare.
int compare_main(int argc, const char* const* argv);

}  // namespace lean
