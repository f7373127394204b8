#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "registry/gc.hpp"
#include "registry/registry.hpp"
#include "report/outcome.hpp"
#include "storage/open_storage.hpp"

namespace lean {

// The commands of ml-release on typed input (cli/release.cpp reads the command line into
// these): each opens the registry, does its work and returns the Outcome every output is
// rendered from. Names and selectors are checked (check_name) before they get here.

// The registry every command works on (--registry, its connection options, --verbose).
struct RegistryAccess {
  std::string url;
  RegistryOptions options;
  bool verbose = false;
};

// The folder of a local registry (a plain path or file://); empty for a remote one.
std::string local_registry_folder(const std::string& url);

// The commands that only read, and gc (which only removes): a local registry folder that
// does not exist is a mistyped --registry (exit 2), not an empty registry, as in ml-compare.
void require_existing_registry(const std::string& url);

struct PublishInput {
  PublishRequest request;  // files: the FILE arguments and --profile, in that order
  std::string profile;     // --profile (empty: none), read as a profile before anything is stored
  std::string metrics;     // --metrics (empty: none)
};
Outcome publish_command(const RegistryAccess& access, const PublishInput& input);

struct PromoteInput {
  std::string model, channel;
  std::string version;                        // empty with from_channel
  std::optional<std::string> from_channel;    // promote what this channel points to
  std::optional<std::string> expect_version;  // with from_channel
  bool verify = true;
};
Outcome promote_command(const RegistryAccess& access, const PromoteInput& input);

struct RollbackInput {
  std::string model, channel;
  std::optional<std::string> to, if_version;
};
Outcome rollback_command(const RegistryAccess& access, const RollbackInput& input);

// list (no model: the models), show, verify, fetch: a version chosen by version or channel.
struct VersionInput {
  std::string model;
  Selector selector;
};
Outcome list_command(const RegistryAccess& access, const std::optional<std::string>& model);
Outcome show_command(const RegistryAccess& access, const VersionInput& input);
Outcome verify_command(const RegistryAccess& access, const VersionInput& input);

struct FetchInput {
  VersionInput version;
  std::string dest;
  bool clean = false;
  std::vector<std::pair<std::string, std::string>> outputs;  // (option, path): none may be inside dest
};
Outcome fetch_command(const RegistryAccess& access, const FetchInput& input);

// history, gc and diff (release/maintenance.hpp): the registry opened, then the command.
struct HistoryInput {
  std::string model, channel;
  std::optional<double> at;  // Unix seconds
};
struct DiffInput {
  std::string model;
  std::string a, b;  // versions or channels
};
Outcome history_command(const RegistryAccess& access, const HistoryInput& input);
Outcome gc_command(const RegistryAccess& access, const GcRequest& request);
Outcome diff_command(const RegistryAccess& access, const DiffInput& input);

}  // namespace lean
