#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/tool.hpp"
#include "profile/profile.hpp"

namespace lean {

// The command lines of `ml-drift profile` and its subcommands, typed: one struct and one
// parse function (the only reader of its variables_map) per subcommand, as each has its own
// options.

// ml-drift profile DATA... --output FILE.profile
struct ProfileCommandOptions {
  std::vector<std::string> paths;
  std::string output;
  ProfileOptions profile;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> shard;  // --shard I/N: index, count
};
ProfileCommandOptions parse_profile_options(const po::variables_map& vm);

// ml-drift profile merge A.profile B.profile... --output FILE.profile
struct MergeCommandOptions {
  std::vector<std::string> paths;
  std::string output;
  bool allow_new_columns = false;
};
MergeCommandOptions parse_merge_options(const po::variables_map& vm);

// ml-drift profile import-kll --column NAME=FILE.bin... --output FILE.profile
struct ImportCommandOptions {
  std::vector<std::pair<std::string, std::string>> sketches;  // column, sketch file
  std::string add_to;                                         // empty: a new profile
  std::string output;
};
ImportCommandOptions parse_import_options(const po::variables_map& vm);

// Their ToolSpecs (profile_main picks one by argv[1]).
ToolSpec profile_tool();
ToolSpec profile_merge_tool();
ToolSpec profile_import_tool();

// `ml-drift profile ...`: argv[0] is "profile"; "profile merge" and "profile import-kll"
// are its subcommands (docs/ml-drift.md, "Profiles").
int profile_main(int argc, const char* const* argv);

}  // namespace lean
