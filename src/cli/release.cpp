#include "cli/release.hpp"

#include <algorithm>
#include <array>
#include <iostream>
#include <limits>

#include "cli/options.hpp"
#include "core/error.hpp"
#include "core/suggest.hpp"
#include "core/timestamp.hpp"
#include "storage/open_storage.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

// Every option any command takes, one enumerator each, so each command lists its own and a
// misspelt one does not compile (and -Wswitch flags an option declared nowhere).
enum class Option {
  registry,
  endpoint_url,
  region,
  api_url,
  tag_format,
  gitlab_release,
  model,
  version,
  channel,
  to,
  metrics,
  meta,
  dest,
  verify,
  no_verify,
  clean,
  files,
  profile,
  verbose,
  ca_bundle,
  from_channel,
  expect_version,
  if_version,
  at,
  keep,
  keep_days,
  keep_history,
  grace,
  dry_run,
  versions,
};

void declare_option(po::options_description& options, Option option) {
  switch (option) {
    case Option::registry:
      options.add_options()("registry", po::value<std::string>()->value_name("URL"),
                            "a folder, file:///PATH, s3://BUCKET/PREFIX, github://OWNER/REPO or gitlab://GROUP/PROJECT "
                            "(default: $ML_REGISTRY, else ./.ml-registry)");
      return;
    case Option::endpoint_url: declare_endpoint_url_option(options); return;
    case Option::region: declare_region_option(options); return;
    case Option::api_url:
      options.add_options()("api-url", po::value<std::string>()->value_name("URL"),
                            "github:// and gitlab:// only: the API base, e.g. GitHub Enterprise's https://HOST/api/v3 "
                            "(default: $GITHUB_API_URL or $CI_API_V4_URL, else the public service)");
      return;
    case Option::tag_format:
      options.add_options()("tag-format", po::value<std::string>()->value_name("FORMAT"),
                            "github:// and gitlab://: the tag of a version's release (default: {model}-v{version})");
      return;
    case Option::gitlab_release:
      options.add_options()("gitlab-release",
                            "gitlab:// only: publish also creates a GitLab release linking the version's files");
      return;
    case Option::model:
      options.add_options()("model", po::value<std::string>()->value_name("NAME"), "the model");
      return;
    case Option::version:
      options.add_options()("version", po::value<std::string>()->value_name("VER"), "the model version");
      return;
    case Option::channel:
      options.add_options()("channel", po::value<std::string>()->value_name("CH"),
                            "a channel: staging, production, ...");
      return;
    case Option::to:
      options.add_options()("to", po::value<std::string>()->value_name("VER"),
                            "roll back to this earlier version of the channel (default: the previous one)");
      return;
    case Option::metrics:
      options.add_options()("metrics", po::value<std::string>()->value_name("FILE"),
                            "metrics JSON stored in the manifest (ml-compare --baseline-registry reads it)");
      return;
    case Option::meta:
      options.add_options()("meta", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
                            "a metadata pair for the manifest (repeatable)");
      return;
    case Option::dest:
      options.add_options()("dest", po::value<std::string>()->value_name("DIR"),
                            "folder to fetch into; written only when every file matches");
      return;
    case Option::verify:
      options.add_options()("verify", "re-read every file of the version before promoting it (the default)");
      return;
    case Option::no_verify:
      options.add_options()(
          "no-verify",
          "promote without re-reading the version's files (only the manifest and the files' presence are checked)");
      return;
    case Option::clean:
      options.add_options()("clean", "DIR ends up holding exactly the version's files (other files in it are removed)");
      return;
    case Option::files:
      options.add_options()("files", po::value<std::vector<std::string>>()->value_name("FILE"), "files to publish");
      return;
    case Option::profile:
      options.add_options()("profile", po::value<std::string>()->value_name("FILE"),
                            "a reference profile (ml-drift profile) to publish with the version, checked first");
      return;
    case Option::verbose: options.add_options()("verbose,v", "say each step on stderr"); return;
    case Option::ca_bundle:
      options.add_options()("ca-bundle", po::value<std::string>()->value_name("FILE"),
                            "PEM file of the CAs to trust for https (a private CA); certificates are always verified");
      return;
    case Option::from_channel:
      options.add_options()("from-channel", po::value<std::string>()->value_name("CH"),
                            "promote the version this channel points to (exit 5 if it moves during the command)");
      return;
    case Option::expect_version:
      options.add_options()(
          "expect-version", po::value<std::string>()->value_name("VER"),
          "with --from-channel: the version that was checked; exit 5 if the channel points elsewhere");
      return;
    case Option::if_version:
      options.add_options()("if-version", po::value<std::string>()->value_name("VER"),
                            "roll back only while the channel points to VER (else nothing to do, exit 0)");
      return;
    case Option::at:
      options.add_options()("at", po::value<std::string>()->value_name("TIME"),
                            "the version the channel pointed to at TIME (RFC 3339 or Unix seconds)");
      return;
    case Option::keep:
      options.add_options()("keep", po::value<std::string>()->value_name("N"), "keep the newest N versions");
      return;
    case Option::keep_days:
      options.add_options()("keep-days", po::value<std::string>()->value_name("D"),
                            "also keep every version younger than D days");
      return;
    case Option::keep_history:
      options.add_options()("keep-history", po::value<std::string>()->value_name("K"),
                            "also keep the versions in each channel's last K history entries (default: 10)");
      return;
    case Option::grace:
      options.add_options()("grace", po::value<std::string>()->value_name("SECONDS"),
                            "wait between hiding versions and deleting their files (default: 5)");
      return;
    case Option::dry_run: options.add_options()("dry-run", "print what would be deleted, delete nothing"); return;
    case Option::versions:
      options.add_options()("versions", po::value<std::vector<std::string>>()->value_name("A B"),
                            "the two versions or channels to compare");
      return;
  }
}

struct Command {
  std::string name;
  std::string synopsis;
  std::vector<Option> options;  // its own; every command also takes kSharedOptions
  Outcome (*run)(const ReleaseOptions&);
};

// Whether `text` is UTF-8, checked by the JSON library that writes manifests and reports, so
// what passes here can never fail there after files were uploaded.
bool is_utf8(const std::string& text) {
  try {
    (void)ordered_json(text).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// Every text an option gives ends up in a manifest or a report: it must be UTF-8 (exit 2).
void check_utf8_options(const po::variables_map& vm) {
  for (const char* name : {"registry", "endpoint-url", "region", "api-url", "tag-format", "model", "version", "channel",
                           "to", "metrics", "dest", "ca-bundle"}) {
    const std::optional<std::string> value = string_option(vm, name);
    if (value && !is_utf8(*value)) throw_usage(std::string("--") + name + " is not valid UTF-8");
  }
  for (const char* name : {"meta", "files"}) {
    const std::vector<std::string> items = strings_option(vm, name);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (is_utf8(items[i])) continue;
      throw_usage(std::string(name) == "meta"
                      ? "--meta (pair " + std::to_string(i + 1) + "): not valid UTF-8"
                      : "cannot publish file " + std::to_string(i + 1) + ": its name is not valid UTF-8");
    }
  }
}

std::string required(const po::variables_map& vm, const char* name, const char* value_name) {
  std::optional<std::string> value = string_option(vm, name);
  if (!value) throw_usage(std::string("missing --") + name + " " + value_name);
  return *value;
}

Selector selector_of(const po::variables_map& vm) {
  Selector selector{string_option(vm, "version"), string_option(vm, "channel")};
  if (selector.version && selector.channel) throw_usage("give --version VER or --channel CH, not both");
  if (!selector.version && !selector.channel) throw_usage("missing --version VER or --channel CH");
  if (selector.version) check_name("version", *selector.version);
  if (selector.channel) check_name("channel", *selector.channel);
  return selector;
}

// A count (--keep N, --keep-history K): a negative number "cannot be negative"; any other
// text that is not a whole number gets parse_whole_number's wording.
std::optional<std::size_t> count_option(const po::variables_map& vm, const char* name) {
  const std::optional<std::string> text = string_option(vm, name);
  if (!text) return std::nullopt;
  if (text->starts_with('-')) {
    (void)parse_number(*text, std::string("--") + name);
    throw_usage(std::string("--") + name + " cannot be negative");
  }
  return parse_whole_number(*text, name, 0, std::numeric_limits<std::size_t>::max());
}

// The registry and its connection: every command's, read after the command's own options
// (as the registry is opened after they are checked).
RegistryAccess registry_access(const po::variables_map& vm) {
  check_utf8_options(vm);
  RegistryAccess access;
  access.url = string_option_or(vm, "registry", default_registry_url());
  access.options.endpoint_url = string_option_or(vm, "endpoint-url");
  access.options.region = string_option_or(vm, "region");
  access.options.progress = !flag_option(vm, "quiet");
  access.options.api_url = string_option_or(vm, "api-url");
  access.options.tag_format = string_option_or(vm, "tag-format");
  access.options.gitlab_release = flag_option(vm, "gitlab-release");
  access.options.ca_bundle = ca_bundle_option(vm);
  access.verbose = flag_option(vm, "verbose");
  return access;
}

void parse_publish(const po::variables_map& vm, ReleaseOptions& options) {
  check_utf8_options(vm);
  PublishRequest& request = options.publish.request;
  request.model = required(vm, "model", "NAME");
  request.version = required(vm, "version", "VER");
  check_name("model", request.model);
  check_name("version", request.version);
  if (!vm.count("files") && !vm.count("profile")) throw_usage("nothing to publish: give one or more FILE");
  request.files = strings_option(vm, "files");
  if (const auto profile = string_option(vm, "profile")) {  // an ordinary file of the version
    if (!profile->ends_with(".profile"))
      throw_usage("--profile " + *profile + ": name the file NAME.profile, so ml-drift finds it");
    options.publish.profile = *profile;
    request.files.push_back(*profile);
  }
  for (const auto& pair : strings_option(vm, "meta")) {
    const std::size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) throw_usage("invalid --meta \"" + pair + "\": expected KEY=VALUE");
    request.meta.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
  }
  options.publish.metrics = string_option_or(vm, "metrics");
}

void parse_promote(const po::variables_map& vm, ReleaseOptions& options) {
  PromoteInput& input = options.promote;
  input.model = required(vm, "model", "NAME");
  if (vm.count("verify") && vm.count("no-verify")) throw_usage("give --verify or --no-verify, not both");
  input.verify = !flag_option(vm, "no-verify");
  if (vm.count("from-channel")) {
    if (vm.count("version")) throw_usage("give --version VER or --from-channel CH, not both");
    input.channel = required(vm, "channel", "CH");
    input.from_channel = string_option(vm, "from-channel");
    check_name("model", input.model);
    check_name("channel", *input.from_channel);
    input.expect_version = string_option(vm, "expect-version");
    if (input.expect_version) check_name("version", *input.expect_version);
    if (*input.from_channel == input.channel) throw_usage("--from-channel must differ from --channel");
    return;
  }
  if (vm.count("expect-version")) throw_usage("--expect-version needs --from-channel CH");
  input.version = required(vm, "version", "VER");
  input.channel = required(vm, "channel", "CH");
}

void parse_rollback(const po::variables_map& vm, ReleaseOptions& options) {
  RollbackInput& input = options.rollback;
  input.model = required(vm, "model", "NAME");
  input.channel = required(vm, "channel", "CH");
  check_utf8_options(vm);
  input.to = string_option(vm, "to");
  input.if_version = string_option(vm, "if-version");
  if (input.if_version) {
    check_name("model", input.model);
    check_name("channel", input.channel);
    check_name("version", *input.if_version);
  }
}

// show, verify and fetch: --model and --version or --channel.
VersionInput version_input(const po::variables_map& vm) {
  VersionInput input;
  input.model = required(vm, "model", "NAME");
  check_name("model", input.model);
  input.selector = selector_of(vm);
  return input;
}

void parse_fetch(const po::variables_map& vm, ReleaseOptions& options) {
  FetchInput& input = options.fetch;
  input.version = version_input(vm);
  input.dest = required(vm, "dest", "DIR");
  if (input.dest.empty()) throw_usage("--dest is empty: give the folder to fetch into");
  input.clean = flag_option(vm, "clean");
  for (const char* option : {"report", "markdown", "junit", "dotenv"}) {
    if (const auto path = string_option(vm, option)) input.outputs.emplace_back(option, *path);
  }
}

// history, gc and diff: --model first, then each command's own options.
std::string maintenance_model(const po::variables_map& vm) {
  const std::string model = required(vm, "model", "NAME");
  check_name("model", model);
  return model;
}

void parse_history(const po::variables_map& vm, ReleaseOptions& options) {
  HistoryInput& input = options.history;
  input.model = maintenance_model(vm);
  input.channel = required(vm, "channel", "CH");
  check_name("channel", input.channel);
  check_utf8_options(vm);
  if (const auto at = string_option(vm, "at")) {
    input.at = parse_timestamp(*at);
    if (!input.at) throw_usage("invalid --at \"" + *at + "\": use 2026-11-24T09:00Z or Unix seconds");
  }
}

void parse_gc(const po::variables_map& vm, ReleaseOptions& options) {
  GcRequest& request = options.gc;
  request.model = maintenance_model(vm);
  check_utf8_options(vm);
  const std::optional<std::size_t> keep = count_option(vm, "keep");
  if (!keep) throw_usage("missing --keep N");
  request.keep = *keep;
  if (const auto keep_days = number_option(vm, "keep-days")) {
    if (!(*keep_days >= 0)) throw_usage("--keep-days cannot be negative");
    request.keep_days = *keep_days;
  }
  if (const auto keep_history = count_option(vm, "keep-history")) request.keep_history = *keep_history;
  if (const auto grace = number_option(vm, "grace")) {
    if (!(*grace >= 0 && *grace <= 3600)) throw_usage("--grace must be 0 to 3600 seconds");
    request.grace_seconds = *grace;
  }
  request.dry_run = flag_option(vm, "dry-run");
}

void parse_diff(const po::variables_map& vm, ReleaseOptions& options) {
  DiffInput& input = options.diff;
  input.model = maintenance_model(vm);
  check_utf8_options(vm);
  const std::vector<std::string> sides = strings_option(vm, "versions");
  if (sides.size() != 2) throw_usage("diff compares two versions or channels: ml-release diff --model NAME A B");
  for (const auto& side : sides) check_name("version or channel", side);
  input.a = sides[0];
  input.b = sides[1];
}

Outcome run_publish(const ReleaseOptions& options) { return publish_command(options.registry, options.publish); }
Outcome run_promote(const ReleaseOptions& options) { return promote_command(options.registry, options.promote); }
Outcome run_rollback(const ReleaseOptions& options) { return rollback_command(options.registry, options.rollback); }
Outcome run_list(const ReleaseOptions& options) { return list_command(options.registry, options.list_model); }
Outcome run_show(const ReleaseOptions& options) { return show_command(options.registry, options.version); }
Outcome run_fetch(const ReleaseOptions& options) { return fetch_command(options.registry, options.fetch); }
Outcome run_verify(const ReleaseOptions& options) { return verify_command(options.registry, options.version); }
Outcome run_history(const ReleaseOptions& options) { return history_command(options.registry, options.history); }
Outcome run_gc(const ReleaseOptions& options) { return gc_command(options.registry, options.gc); }
Outcome run_diff(const ReleaseOptions& options) { return diff_command(options.registry, options.diff); }

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"publish",
       "ml-release publish --model NAME --version VER [--metrics M.json] [--meta KEY=VALUE ...] [--profile P.profile] "
       "FILE...",
       {Option::model, Option::version, Option::metrics, Option::meta, Option::gitlab_release, Option::files,
        Option::profile},
       run_publish},
      {"promote",
       "ml-release promote --model NAME (--version VER | --from-channel CH [--expect-version VER]) --channel CH "
       "[--no-verify]",
       {Option::model, Option::version, Option::channel, Option::verify, Option::no_verify, Option::from_channel,
        Option::expect_version},
       run_promote},
      {"rollback",
       "ml-release rollback --model NAME --channel CH [--to VER] [--if-version VER]",
       {Option::model, Option::channel, Option::to, Option::if_version},
       run_rollback},
      {"list", "ml-release list [--model NAME]", {Option::model}, run_list},
      {"show",
       "ml-release show --model NAME (--version VER | --channel CH)",
       {Option::model, Option::version, Option::channel},
       run_show},
      {"fetch",
       "ml-release fetch --model NAME (--version VER | --channel CH) --dest DIR [--clean]",
       {Option::model, Option::version, Option::channel, Option::dest, Option::clean},
       run_fetch},
      {"verify",
       "ml-release verify --model NAME (--version VER | --channel CH)",
       {Option::model, Option::version, Option::channel},
       run_verify},
      {"history",
       "ml-release history --model NAME --channel CH [--at TIME]",
       {Option::model, Option::channel, Option::at},
       run_history},
      {"gc",
       "ml-release gc --model NAME --keep N [--keep-days D] [--keep-history K] [--grace SECONDS] [--dry-run]",
       {Option::model, Option::keep, Option::keep_days, Option::keep_history, Option::grace, Option::dry_run},
       run_gc},
      {"diff",
       "ml-release diff --model NAME A B   (A, B: versions or channels)",
       {Option::model, Option::versions},
       run_diff},
  };
  return kCommands;
}

// The options every command takes (the registry's connection and --verbose), as
// kSharedSynopsis spells them; --gitlab-release is publish's own.
const std::vector<Option> kSharedOptions = {Option::registry,   Option::endpoint_url, Option::region, Option::api_url,
                                            Option::tag_format, Option::ca_bundle,    Option::verbose};
constexpr const char* kSharedSynopsis =
    "[--registry URL] [--endpoint-url URL] [--region REGION] [--api-url URL] [--tag-format FORMAT]\n"
    "         [--ca-bundle FILE] [--verbose]";
constexpr const char* kExitCodes =
    "Exit codes: 0 done, 2 usage, 3 input data, 4 remote, 5 integrity or conflict. See docs/ml-release.md";

}  // namespace

ReleaseOptions parse_release_options(const std::string& command, const po::variables_map& vm) {
  ReleaseOptions options;
  options.command = command;
  if (command == "publish") parse_publish(vm, options);
  if (command == "promote") parse_promote(vm, options);
  if (command == "rollback") parse_rollback(vm, options);
  if (command == "list") options.list_model = string_option(vm, "model");
  if (command == "show" || command == "verify") options.version = version_input(vm);
  if (command == "fetch") parse_fetch(vm, options);
  if (command == "history") parse_history(vm, options);
  if (command == "gc") parse_gc(vm, options);
  if (command == "diff") parse_diff(vm, options);
  options.registry = registry_access(vm);
  return options;
}

const std::vector<std::string>& release_commands() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& command : commands()) names.push_back(command.name);
    return names;
  }();
  return kNames;
}

ToolSpec release_tool(const std::string& name) {
  ToolSpec spec;
  spec.name = "ml-release";
  spec.exit_codes = kExitCodes;
  for (const auto& command : commands()) {
    if (command.name != name) continue;
    spec.synopsis = command.synopsis + "\n         " + kSharedSynopsis;
    spec.declare_options = [command](po::options_description& options, po::positional_options_description& positional) {
      for (const auto& option : command.options) declare_option(options, option);
      for (const auto& option : kSharedOptions) declare_option(options, option);
      if (command.name == "publish") positional.add("files", -1);
      if (command.name == "diff") positional.add("versions", -1);
    };
    spec.run = [command](const po::variables_map& vm) { return command.run(parse_release_options(command.name, vm)); };
    // What publish reads: an output flag naming one of them is refused (docs/conventions.md).
    spec.inputs = input_options({"files", "metrics", "profile"});
    // An output inside a local registry would overwrite a stored object (docs/conventions.md).
    spec.protected_folders = [](const po::variables_map& vm) {
      const std::string folder = local_registry_folder(string_option_or(vm, "registry", default_registry_url()));
      return folder.empty() ? std::vector<std::string>{} : std::vector<std::string>{folder};
    };
    return spec;
  }
  // No command, or an unknown one: accept every option so the message is about the command.
  spec.synopsis = "ml-release COMMAND [OPTIONS]   (ml-release COMMAND --help for its options)\n";
  for (const auto& command : commands()) spec.synopsis += "       " + command.synopsis + "\n";
  spec.synopsis += "       shared: " + std::string(kSharedSynopsis);
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()("command", po::value<std::string>()->value_name("COMMAND"), "the command");
    for (const Option option : {Option::model, Option::channel, Option::to, Option::metrics, Option::meta, Option::dest,
                                Option::verify, Option::gitlab_release, Option::files}) {
      declare_option(options, option);
    }
    for (const auto& option : kSharedOptions) declare_option(options, option);
    positional.add("command", 1).add("files", -1);
  };
  spec.run = [](const po::variables_map& vm) -> Outcome {
    const std::string list = join_limited(release_commands(), release_commands().size());
    const std::optional<std::string> command = string_option(vm, "command");
    if (!command) throw_usage("missing command: give one of " + list);
    const std::string& word = *command;
    const auto& names = release_commands();
    if (std::find(names.begin(), names.end(), word) != names.end()) {
      throw_usage("put the command first: ml-release " + word + " [OPTIONS]");
    }
    std::string message = "unknown command '" + word + "'";
    message += did_you_mean(word, names);
    throw_usage(message + " (commands: " + list + ")");
  };
  return spec;
}

int release_main(int argc, const char* const* argv) {
  // The commands, not the options of the command-less parser (it accepts every option only
  // to say the command is missing).
  const auto commands_help = [] {
    std::cout << "usage: " << release_tool("").synopsis << "\n\n" << kExitCodes << "\n";
    return 0;
  };
  if (argc >= 2) {
    const std::string first = argv[1];
    const auto& names = release_commands();
    if (first == "rollback") {
      for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--version" || arg.rfind("--version=", 0) == 0) {
          ToolSpec spec = release_tool("");
          spec.run = [](const po::variables_map&) -> Outcome {
            throw_usage("rollback takes --to VER (the earlier version to go back to), not --version");
          };
          const char* const just_the_tool[] = {argv[0]};
          return run_tool(spec, 1, just_the_tool);
        }
      }
    }
    if (first == "help" && argc <= 3) {
      // "ml-release help [COMMAND]", as git and gh answer it.
      if (argc == 2) return commands_help();
      const bool known = std::find(names.begin(), names.end(), std::string(argv[2])) != names.end();
      if (known) return run_tool(release_tool(argv[2]), 2, std::array<const char*, 2>{argv[2], "--help"}.data());
      return run_tool(release_tool(""), 2, std::array<const char*, 2>{argv[0], argv[2]}.data());
    }
    if (std::find(names.begin(), names.end(), first) != names.end()) {
      // The command's own parser sees the command word where a program name would be.
      return run_tool(release_tool(argv[1]), argc - 1, argv + 1);
    }
    if (!first.empty() && first[0] != '-') {
      // An unknown command: exit 2 with a did-you-mean, whatever follows (also --help or
      // --version, which would otherwise answer 0 as if the command existed).
      const char* const just_the_command[] = {argv[0], argv[1]};
      return run_tool(release_tool(""), 2, just_the_command);
    }
    if (first[0] == '-') {
      // An option before the command ("--registry reg publish ..."): the command-less parser
      // would take --version VER for the tool's --version and answer 0 without publishing.
      for (int i = 2; i < argc; ++i) {
        if (std::find(names.begin(), names.end(), std::string(argv[i])) == names.end()) continue;
        const std::string word = argv[i];
        ToolSpec spec = release_tool("");
        spec.run = [word](const po::variables_map&) -> Outcome {
          throw_usage("put the command first: ml-release " + word + " [OPTIONS]");
        };
        const char* const just_the_tool[] = {argv[0]};
        return run_tool(spec, 1, just_the_tool);
      }
    }
    if (first == "--help" || first == "-h") return commands_help();
  }
  return run_tool(release_tool(""), argc, argv);
}

}  // namespace lean
