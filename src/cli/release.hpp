#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/tool.hpp"
#include "release/release.hpp"

namespace lean {

// ml-release's command line, typed. One struct for every command rather than one per command:
// the registry's options are shared by all of them and read once, and each command fills only
// its own part (the others stay empty), so parse_release_options is the one place that reads
// and checks them.
struct ReleaseOptions {
  std::string command;  // "publish", ...
  RegistryAccess registry;
  PublishInput publish;
  PromoteInput promote;
  RollbackInput rollback;
  std::optional<std::string> list_model;  // list --model
  VersionInput version;                   // show, verify
  FetchInput fetch;
  HistoryInput history;
  GcRequest gc;
  DiffInput diff;
};

// The only reader of a command's variables_map: its options converted and every combination
// checked here (exit 2), before the registry is opened.
ReleaseOptions parse_release_options(const std::string& command, const po::variables_map& vm);

// The commands of ml-release, in the order --help lists them.
const std::vector<std::string>& release_commands();

// The ToolSpec of one command ("publish", ...); an empty or unknown command gives the
// command-less spec, whose run explains the usage (with a did-you-mean).
ToolSpec release_tool(const std::string& command);

// main() of ml-release: `ml-release COMMAND [OPTIONS]`.
int release_main(int argc, const char* const* argv);

}  // namespace lean
