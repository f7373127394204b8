#pragma once

#include <vector>

#include "cli/tool.hpp"

namespace lean::test {

// The variables_map run_tool hands a tool's parse function: `args` (without the program
// name) parsed with the spec's options and the common ones, as run_tool parses them.
inline po::variables_map command_line(const ToolSpec& spec, std::vector<const char*> args) {
  po::options_description options;
  po::positional_options_description positional;
  spec.declare_options(options, positional);
  declare_common_options(options);
  args.insert(args.begin(), spec.name.c_str());
  po::variables_map vm;
  store_command_line(options, positional, static_cast<int>(args.size()), args.data(), vm);
  po::notify(vm);
  return vm;
}

}  // namespace lean::test
