#include "release/release.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/printable.hpp"
#include "core/redact.hpp"
#include "core/suggest.hpp"
#include "core/url.hpp"
#include "metrics/metrics.hpp"
#include "profile/profile.hpp"
#include "storage/open_storage.hpp"
#include "registry/registry.hpp"
#include "release/maintenance.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;
namespace fs = std::filesystem;

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
    case Option::endpoint_url:
      declare_endpoint_url_option(options);
      return;
    case Option::region:
      declare_region_option(options);
      return;
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
      options.add_options()("no-verify",
            "promote without re-reading the version's files (only the manifest and the files' presence are checked)");
      return;
    case Option::clean:
      options.add_options()("clean",
            "DIR ends up holding exactly the version's files (other files in it are removed)");
      return;
    case Option::files:
      options.add_options()("files", po::value<std::vector<std::string>>()->value_name("FILE"), "files to publish");
      return;
    case Option::profile:
      options.add_options()("profile", po::value<std::string>()->value_name("FILE"),
        "a reference profile (ml-drift profile) to publish with the version, checked first");
      return;
    case Option::verbose:
      options.add_options()("verbose,v", "say each step on stderr");
      return;
    case Option::ca_bundle:
      options.add_options()("ca-bundle", po::value<std::string>()->value_name("FILE"),
            "PEM file of the CAs to trust for https (a private CA); certificates are always verified");
      return;
    case Option::from_channel:
      options.add_options()("from-channel", po::value<std::string>()->value_name("CH"),
            "promote the version this channel points to (exit 5 if it moves during the command)");
      return;
    case Option::expect_version:
      options.add_options()("expect-version", po::value<std::string>()->value_name("VER"),
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
      options.add_options()("keep", po::value<long long>()->value_name("N"),
            "keep the newest N versions");
      return;
    case Option::keep_days:
      options.add_options()("keep-days", po::value<double>()->value_name("D"),
            "also keep every version younger than D days");
      return;
    case Option::keep_history:
      options.add_options()("keep-history", po::value<long long>()->value_name("K"),
            "also keep the versions in each channel's last K history entries (default: 10)");
      return;
    case Option::grace:
      options.add_options()("grace", po::value<double>()->value_name("SECONDS"),
            "wait between hiding versions and deleting their files (default: 5)");
      return;
    case Option::dry_run:
      options.add_options()("dry-run", "print what would be deleted, delete nothing");
      return;
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
  std::function<Outcome(const po::variables_map&)> run;
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
    if (vm.count(name) && !is_utf8(vm[name].as<std::string>())) throw_usage(std::string("--") + name + " is not valid UTF-8");
  }
  for (const char* name : {"meta", "files"}) {
    if (!vm.count(name)) continue;
    const auto& items = vm[name].as<std::vector<std::string>>();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (is_utf8(items[i])) continue;
      throw_usage(std::string(name) == "meta" ? "--meta (pair " + std::to_string(i + 1) + "): not valid UTF-8"
                                              : "cannot publish file " + std::to_string(i + 1) +
                                                    ": its name is not valid UTF-8");
    }
  }
}

std::string text_option(const po::variables_map& vm, const char* name) {
  return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

std::string required(const po::variables_map& vm, const char* name, const char* value_name) {
  if (!vm.count(name)) throw_usage(std::string("missing --") + name + " " + value_name);
  return vm[name].as<std::string>();
}

std::optional<std::string> optional_option(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

// The storage and the registry over it for one run.
struct Session {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Registry> registry;
};

Session open_session(const po::variables_map& vm) {
  check_utf8_options(vm);
  const std::string url = vm.count("registry") ? vm["registry"].as<std::string>() : default_registry_url();
  RegistryOptions options;
  options.endpoint_url = text_option(vm, "endpoint-url");
  options.region = text_option(vm, "region");
  options.progress = vm.count("quiet") == 0;
  options.api_url = text_option(vm, "api-url");
  options.tag_format = text_option(vm, "tag-format");
  options.gitlab_release = vm.count("gitlab-release") > 0;
  options.ca_bundle = ca_bundle_option(vm);
  Session session;
  session.storage = open_storage(url, options);
  Registry::Log log;
  if (vm.count("verbose")) log = [](const std::string& line) { std::cerr << "ml-release: " << safe_line(line) << std::endl; };
  session.registry = std::make_unique<Registry>(*session.storage, log);
  return session;
}

// The folder of a local registry (a plain path or file://); empty for a remote one.
std::string local_registry_folder(const po::variables_map& vm) {
  const std::string url = vm.count("registry") ? vm["registry"].as<std::string>() : default_registry_url();
  if (url.find("://") != std::string::npos && !has_scheme(url, "file")) return "";
  return local_path_of(url);
}

// The commands that only read, and gc (which only removes): a local registry folder that
// does not exist is a mistyped --registry (exit 2), not an empty registry, as in ml-compare.
void require_existing_registry(const po::variables_map& vm) {
  const std::string folder = local_registry_folder(vm);
  std::error_code ec;
  if (!folder.empty() && !fs::exists(folder, ec)) throw_config(folder, "the registry folder does not exist");
}

// An absolute, normalized path without a trailing separator, for comparing folders.
fs::path comparable_path(const std::string& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(path), ec).lexically_normal();
  if (out.has_relative_path() && out.filename().empty()) out = out.parent_path();
  return out;
}

bool is_within(const fs::path& inner, const fs::path& outer) {
  const auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

// fetch replaces DEST (with --clean, removes what else is in it): a DEST inside the registry
// or containing it would destroy the registry, an output file inside DEST would be
// overwritten by (or overwrite) a file of the version, and the current folder cannot be
// renamed away. All refused before anything is read.
void check_fetch_dest(const po::variables_map& vm, const std::string& dest, bool clean) {
  const fs::path target = comparable_path(dest);
  const std::string folder = local_registry_folder(vm);
  if (!folder.empty()) {
    const fs::path registry = comparable_path(folder);
    if (is_within(target, registry)) throw_config(dest, "--dest is inside the registry " + folder + "; fetch into a folder outside it");
    if (is_within(registry, target)) throw_config(dest, "--dest contains the registry " + folder + "; fetch into a folder outside it");
  }
  std::error_code ec;
  fs::path named(dest);  // "link/" names the link itself, not the folder it points to
  while (named.has_relative_path() && named.filename().empty()) named = named.parent_path();
  if (clean && fs::is_symlink(fs::symlink_status(named, ec))) {
    // The verified folder would take the link's place: a deploy's "current -> v3" link would
    // become a folder. Refused rather than followed, so what is replaced is what was named.
    throw_config(dest, "--clean replaces DEST whole, and DEST is a symbolic link; give the folder it points to");
  }
  if (clean && is_within(comparable_path("."), target)) {
    throw_config(dest, "--clean cannot replace the current folder or one that contains it; fetch into a folder below it");
  }
  for (const char* option : {"report", "markdown", "junit", "dotenv"}) {
    if (vm.count(option) && is_within(comparable_path(vm[option].as<std::string>()), target)) {
      throw_config(vm[option].as<std::string>(), std::string("--") + option + " is inside --dest " + dest +
                                                     "; write it outside the folder fetch fills");
    }
  }
}

Selector selector_of(const po::variables_map& vm) {
  Selector selector{optional_option(vm, "version"), optional_option(vm, "channel")};
  if (selector.version && selector.channel) throw_usage("give --version VER or --channel CH, not both");
  if (!selector.version && !selector.channel) throw_usage("missing --version VER or --channel CH");
  if (selector.version) check_name("version", *selector.version);
  if (selector.channel) check_name("channel", *selector.channel);
  return selector;
}

std::string human_bytes(std::uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return text;
}

std::uint64_t total_size(const Manifest& manifest) {
  std::uint64_t total = 0;
  for (const auto& file : manifest.files) total += file.size;
  return total;
}

ordered_json files_json(const std::vector<ManifestFile>& files) {
  ordered_json out = ordered_json::array();
  for (const auto& file : files) out.push_back({{"name", file.name}, {"size", file.size}, {"sha256", file.sha256}});
  return out;
}

Outcome base_outcome(const std::string& command, const Session& session, const std::string& model) {
  Outcome outcome;
  outcome.fields["command"] = command;
  outcome.fields["registry"] = session.storage->describe();
  if (!model.empty()) outcome.fields["model"] = model;
  return outcome;
}

// One markdown/JUnit check and console line for a run that has one result.
void conclude(Outcome& outcome, const std::string& check, const std::string& headline) {
  outcome.headline = headline;
  outcome.checks.push_back({check, true, headline});
  outcome.console += "ml-release: " + headline + "\n";
}

Outcome run_publish(const po::variables_map& vm) {
  check_utf8_options(vm);
  PublishRequest request;
  request.model = required(vm, "model", "NAME");
  request.version = required(vm, "version", "VER");
  check_name("model", request.model);
  check_name("version", request.version);
  if (!vm.count("files") && !vm.count("profile")) throw_usage("nothing to publish: give one or more FILE");
  if (vm.count("files")) request.files = vm["files"].as<std::vector<std::string>>();
  if (vm.count("profile")) {  // an ordinary file of the version, once it reads as a profile
    const std::string profile = vm["profile"].as<std::string>();
    (void)read_profile(profile);
    if (!profile.ends_with(".profile")) throw_usage("--profile " + profile + ": name the file NAME.profile, so ml-drift finds it");
    request.files.push_back(profile);
  }
  if (vm.count("meta")) {
    for (const auto& pair : vm["meta"].as<std::vector<std::string>>()) {
      const std::size_t equals = pair.find('=');
      if (equals == std::string::npos || equals == 0) throw_usage("invalid --meta \"" + pair + "\": expected KEY=VALUE");
      request.meta.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
    }
  }
  if (vm.count("metrics")) {
    const std::string path = vm["metrics"].as<std::string>();
    const MetricSet metrics = MetricSet::load(path);
    if (metrics.size() > limits::kManifestMetrics) {
      throw_input(path, "holds " + std::to_string(metrics.size()) + " metrics; a manifest carries at most " +
                            std::to_string(limits::kManifestMetrics) + " (the limit; see docs/hardening.md)");
    }
    request.metrics = metrics.to_json();
  }

  Session session = open_session(vm);
  const PublishResult result = session.registry->publish(request);
  Outcome outcome = base_outcome("publish", session, request.model);
  outcome.fields["version"] = request.version;
  outcome.fields["already_published"] = result.already_published;
  outcome.fields["manifest_sha256"] = result.manifest.sha256;
  outcome.fields["files"] = files_json(result.manifest.files);
  MarkdownTable table({"File", "Size", "SHA-256"});
  for (const auto& file : result.manifest.files) {
    table.add_row({markdown_code(file.name), human_bytes(file.size), markdown_code(file.sha256)});
    outcome.checks.push_back({"store " + file.name, true, file.sha256 + ", " + std::to_string(file.size) + " bytes"});
    outcome.console += "  " + file.sha256 + "  " + file.name + " (" + human_bytes(file.size) + ")\n";
  }
  outcome.headline = result.already_published
                         ? request.model + " " + request.version + " was already published with identical files"
                         : "published " + request.model + " " + request.version + " (" +
                               std::to_string(result.manifest.files.size()) + " file" +
                               (result.manifest.files.size() == 1 ? "" : "s") + ", " +
                               human_bytes(total_size(result.manifest)) + ")";
  outcome.console += "ml-release: " + outcome.headline + "\n";
  outcome.markdown_body = table.render();
  outcome.dotenv = {{"MODEL", request.model}, {"VERSION", request.version}, {"MANIFEST_SHA256", result.manifest.sha256}};
  return outcome;
}

// The metrics of a manifest as markdown rows (nested ones by JSON Pointer), for the summaries.
std::string metrics_markdown(const Manifest& manifest) {
  if (!manifest.doc.contains("metrics") || !manifest.doc["metrics"].is_object() || manifest.doc["metrics"].empty()) {
    return "";
  }
  MarkdownTable table({"Metric", "Value"});
  const ordered_json leaves = manifest.doc["metrics"].flatten();
  for (const auto& [name, value] : leaves.items()) {
    table.add_row({markdown_code(name), value.is_number() ? value.dump() : markdown_code(value.dump())});
  }
  return "\n" + table.render();
}

Outcome channel_outcome(const char* command, Session& session, const std::string& model, const ChannelChange& change) {
  Outcome outcome = base_outcome(command, session, model);
  outcome.fields["channel"] = change.channel;
  outcome.fields["version"] = change.version;
  outcome.fields["previous_version"] = change.previous ? ordered_json(*change.previous) : ordered_json(nullptr);
  outcome.fields["changed"] = change.changed;
  outcome.fields["manifest_sha256"] = change.pointer.manifest_sha256;
  outcome.fields["attempts"] = change.attempts;
  std::string headline = change.channel + " of " + model;
  if (!change.changed) {
    headline += " already points to " + change.version;
  } else {
    headline += " now points to " + change.version + (change.previous ? " (was " + *change.previous + ")" : " (new channel)");
  }
  conclude(outcome, std::string(command) + " " + change.channel, headline);
  MarkdownTable table({"Channel", "Previous version", "Version"});
  table.add_row({markdown_code(change.channel), change.previous ? markdown_code(*change.previous) : "(new channel)",
                 markdown_code(change.version)});
  const Manifest manifest = change.manifest ? *change.manifest
                                            : session.registry->resolve(model, Selector{change.version, std::nullopt}, false).second;
  outcome.markdown_body = table.render() + metrics_markdown(manifest);
  outcome.dotenv = {{"MODEL", model},
                    {"CHANNEL", change.channel},
                    {"VERSION", change.version},
                    {"PREVIOUS_VERSION", change.previous.value_or("")}};
  return outcome;
}

// promote --from-channel: the version the source channel points to, read before and
// after the write; a source that moved in between undoes the promote (exit 5).
Outcome run_promote_from_channel(const po::variables_map& vm, const std::string& model, const std::string& channel) {
  const std::string source = vm["from-channel"].as<std::string>();
  check_name("model", model);
  check_name("channel", source);
  const std::optional<std::string> expected = optional_option(vm, "expect-version");
  if (expected) check_name("version", *expected);
  if (source == channel) throw_usage("--from-channel must differ from --channel");
  Session session = open_session(vm);
  const std::optional<Channel> before = session.registry->channel(model, source);
  if (!before) {
    session.registry->resolve(model, Selector{std::nullopt, source});  // throws the registry's "no channel"
    throw Error(ExitStatus::input_data, session.storage->describe(), "model " + model + " has no channel " + source);
  }
  if (expected && before->version != *expected) {
    throw Error(ExitStatus::integrity, session.storage->describe(),
                "channel " + source + " of " + model + " points to " + before->version + ", not the checked " +
                    *expected + "; not promoting");
  }
  const ChannelChange change = session.registry->promote(model, before->version, channel, vm.count("no-verify") == 0);
  const std::optional<Channel> after = session.registry->channel(model, source);
  if (!after || after->version != before->version || after->manifest_sha256 != before->manifest_sha256) {
    if (change.changed && change.previous) session.registry->rollback(model, channel, change.previous);
    throw Error(ExitStatus::integrity, session.storage->describe(),
                "channel " + source + " of " + model + " moved from " + before->version + " to " +
                    (after ? after->version : std::string("nothing")) + " during the promote; " + channel +
                    (change.changed && change.previous ? " was put back to " + *change.previous : " was left as it was"));
  }
  Outcome outcome = channel_outcome("promote", session, model, change);
  outcome.fields["from_channel"] = source;
  return outcome;
}

Outcome run_promote(const po::variables_map& vm) {
  const std::string model = required(vm, "model", "NAME");
  if (vm.count("verify") && vm.count("no-verify")) throw_usage("give --verify or --no-verify, not both");
  if (vm.count("from-channel")) {
    if (vm.count("version")) throw_usage("give --version VER or --from-channel CH, not both");
    return run_promote_from_channel(vm, model, required(vm, "channel", "CH"));
  }
  if (vm.count("expect-version")) throw_usage("--expect-version needs --from-channel CH");
  const std::string version = required(vm, "version", "VER");
  const std::string channel = required(vm, "channel", "CH");
  Session session = open_session(vm);
  const ChannelChange change = session.registry->promote(model, version, channel, vm.count("no-verify") == 0);
  return channel_outcome("promote", session, model, change);
}

Outcome run_rollback(const po::variables_map& vm) {
  const std::string model = required(vm, "model", "NAME");
  const std::string channel = required(vm, "channel", "CH");
  Session session = open_session(vm);
  if (const auto only_from = optional_option(vm, "if-version")) {
    // Idempotent for a retried job: a channel that no longer points to VER is left alone.
    check_name("model", model);
    check_name("channel", channel);
    check_name("version", *only_from);
    const std::optional<Channel> current = session.registry->channel(model, channel);
    if (!current) {
      session.registry->resolve(model, Selector{std::nullopt, channel});  // throws the registry's "no channel"
      throw Error(ExitStatus::input_data, session.storage->describe(), "model " + model + " has no channel " + channel);
    }
    auto nothing_to_roll_back = [&](const std::string& now) {
      Outcome outcome = base_outcome("rollback", session, model);
      outcome.fields["channel"] = channel;
      outcome.fields["version"] = now;
      outcome.fields["previous_version"] = nullptr;
      outcome.fields["changed"] = false;
      conclude(outcome, "rollback " + channel,
               channel + " of " + model + " points to " + now + ", not " + *only_from + ": nothing to roll back");
      outcome.dotenv = {{"MODEL", model}, {"CHANNEL", channel}, {"VERSION", now}, {"PREVIOUS_VERSION", ""}};
      return outcome;
    };
    if (current->version != *only_from) return nothing_to_roll_back(current->version);
    // The rollback checks VER again right before its write: a channel that moved away from
    // VER in between (a newer version promoted) is left as it is.
    const ChannelChange change = session.registry->rollback(model, channel, optional_option(vm, "to"), only_from);
    if (!change.changed && change.version != *only_from) return nothing_to_roll_back(change.version);
    return channel_outcome("rollback", session, model, change);
  }
  const ChannelChange change = session.registry->rollback(model, channel, optional_option(vm, "to"));
  return channel_outcome("rollback", session, model, change);
}

Outcome run_maintenance(const po::variables_map& vm, const char* command,
                        Outcome (*run)(Outcome, Storage&, Registry&, const std::string&, const po::variables_map&)) {
  const std::string model = required(vm, "model", "NAME");
  check_name("model", model);
  if (std::string(command) == "history") check_name("channel", required(vm, "channel", "CH"));
  require_existing_registry(vm);
  Session session = open_session(vm);
  return run(base_outcome(command, session, model), *session.storage, *session.registry, model, vm);
}

Outcome run_list_models(Session& session) {
  Outcome outcome = base_outcome("list", session, "");
  const std::vector<std::string> models = session.registry->models();
  outcome.fields["models"] = models;
  MarkdownTable table({"Model"});
  for (const auto& model : models) {
    table.add_row({markdown_code(model)});
    outcome.console += model + "\n";
  }
  outcome.markdown_body = table.render();
  outcome.headline = std::to_string(models.size()) + " model" + (models.size() == 1 ? "" : "s") + " in " +
                     session.storage->describe();
  outcome.checks.push_back({"list", true, outcome.headline});
  return outcome;
}

Outcome run_list(const po::variables_map& vm) {
  require_existing_registry(vm);
  Session session = open_session(vm);
  if (!vm.count("model")) return run_list_models(session);
  const std::string model = vm["model"].as<std::string>();
  const ModelListing listing = session.registry->list(model);
  Outcome outcome = base_outcome("list", session, model);

  ordered_json versions = ordered_json::array();
  MarkdownTable table({"Version", "Created", "Files", "Size", "Channels"});
  std::string console = "VERSION\tCREATED\tFILES\tSIZE\tCHANNELS\n";
  for (const auto& v : listing.versions) {
    const std::string created = v.manifest.doc.value("created_at", "");
    versions.push_back({{"version", v.version},
                        {"created_at", created},
                        {"files", v.manifest.files.size()},
                        {"size", total_size(v.manifest)},
                        {"manifest_sha256", v.manifest.sha256},
                        {"channels", v.channels}});
    std::string channels;
    for (const auto& c : v.channels) channels += (channels.empty() ? "" : ",") + c;
    table.add_row({markdown_code(v.version), markdown_text(created), std::to_string(v.manifest.files.size()),
                   human_bytes(total_size(v.manifest)), markdown_text(channels)});
    console += printable(v.version) + "\t" + printable(created) + "\t" + std::to_string(v.manifest.files.size()) + "\t" +
               human_bytes(total_size(v.manifest)) + "\t" + printable(channels) + "\n";
  }
  ordered_json channels = ordered_json::object();
  for (const auto& [name, pointer] : listing.channels) {
    ordered_json history = ordered_json::array();
    for (const auto& entry : pointer.doc["history"]) history.push_back(entry["version"]);
    channels[name] = {{"version", pointer.version},
                      {"updated_at", pointer.doc.value("updated_at", "")},
                      {"updated_by", pointer.doc.value("updated_by", "")},
                      {"history", history}};
    console += "channel " + name + " -> " + pointer.version + "\n";
  }
  for (const auto& version : listing.incomplete) {
    console += "incomplete " + version + " (files without a manifest: an interrupted publish, not usable)\n";
  }
  for (const auto& version : listing.removing) {
    console += "removing " + version + " (hidden by an ml-release gc that did not finish: the next gc finishes it)\n";
  }
  // Malformed objects are listed after the good ones, and make the run exit 5.
  ordered_json malformed = ordered_json::array();
  for (const auto& [kind, entries] : {std::pair{"version", &listing.malformed_versions},
                                      std::pair{"channel", &listing.malformed_channels}}) {
    for (const auto& [name, message] : *entries) {
      malformed.push_back({{"kind", kind}, {"name", name}, {"error", message}});
      console += std::string("malformed ") + kind + " " + printable(name) + " (" + printable(message) + ")\n";
      outcome.checks.push_back({std::string(kind) + " " + name, false, message});
    }
  }
  outcome.fields["versions"] = versions;
  outcome.fields["channels"] = channels;
  outcome.fields["incomplete"] = listing.incomplete;
  outcome.fields["removing"] = listing.removing;
  outcome.fields["malformed"] = malformed;
  if (!malformed.empty()) {
    outcome.status = ExitStatus::integrity;
    outcome.error = malformed[0]["error"].get<std::string>();
    if (malformed.size() > 1) outcome.error += " (and " + std::to_string(malformed.size() - 1) + " more malformed; see the listing)";
  }
  outcome.console = console;
  outcome.markdown_body = table.render();
  outcome.headline = std::to_string(listing.versions.size()) + " version" + (listing.versions.size() == 1 ? "" : "s") +
                     " of " + model + ", " + std::to_string(listing.channels.size()) + " channel" +
                     (listing.channels.size() == 1 ? "" : "s");
  if (!malformed.empty()) outcome.headline += ", " + std::to_string(malformed.size()) + " malformed";
  outcome.checks.push_back({"list " + model, true, outcome.headline});
  return outcome;
}

Outcome run_show(const po::variables_map& vm) {
  const std::string model = required(vm, "model", "NAME");
  check_name("model", model);
  const Selector selector = selector_of(vm);
  require_existing_registry(vm);
  Session session = open_session(vm);
  const auto [version, manifest] = session.registry->resolve(model, selector);
  Outcome outcome = base_outcome("show", session, model);
  if (selector.channel) outcome.fields["channel"] = *selector.channel;
  outcome.fields["version"] = version;
  outcome.fields["manifest_sha256"] = manifest.sha256;
  outcome.fields["manifest"] = manifest.doc;
  outcome.console = manifest.doc.dump(2) + "\n";  // the manifest alone, for `| jq`
  outcome.headline = model + " " + version;
  MarkdownTable files({"File", "Size", "SHA-256"});
  for (const auto& file : manifest.files) {
    files.add_row({markdown_code(file.name), human_bytes(file.size), markdown_code(file.sha256)});
  }
  outcome.markdown_body = files.render() + metrics_markdown(manifest);
  outcome.checks.push_back({"show " + model + " " + version, true, outcome.headline});
  outcome.dotenv = {{"MODEL", model}, {"VERSION", version}, {"MANIFEST_SHA256", manifest.sha256}};
  return outcome;
}

Outcome run_fetch(const po::variables_map& vm) {
  const std::string model = required(vm, "model", "NAME");
  check_name("model", model);
  const Selector selector = selector_of(vm);
  const std::string dest = required(vm, "dest", "DIR");
  if (dest.empty()) throw_usage("--dest is empty: give the folder to fetch into");
  require_existing_registry(vm);
  check_fetch_dest(vm, dest, vm.count("clean") > 0);
  Session session = open_session(vm);
  const auto [version, manifest] = session.registry->resolve(model, selector);
  const std::vector<ManifestFile> files = session.registry->fetch(model, version, manifest, dest, vm.count("clean") > 0);
  Outcome outcome = base_outcome("fetch", session, model);
  if (selector.channel) outcome.fields["channel"] = *selector.channel;
  outcome.fields["version"] = version;
  outcome.fields["dest"] = dest;
  outcome.fields["manifest_sha256"] = manifest.sha256;
  outcome.fields["files"] = files_json(files);
  for (const auto& file : files) {
    outcome.console += "  " + file.sha256 + "  " + file.name + " (" + human_bytes(file.size) + ")\n";
  }
  conclude(outcome, "fetch " + model + " " + version,
           "fetched " + model + " " + version + " into " + dest + " (" + std::to_string(files.size()) + " file" +
               (files.size() == 1 ? "" : "s") + ", every SHA-256 verified)");
  outcome.dotenv = {{"MODEL", model}, {"VERSION", version}, {"DEST", dest}};
  return outcome;
}

Outcome run_verify(const po::variables_map& vm) {
  const std::string model = required(vm, "model", "NAME");
  check_name("model", model);
  const Selector selector = selector_of(vm);
  require_existing_registry(vm);
  Session session = open_session(vm);
  const auto [version, manifest] = session.registry->resolve(model, selector, false);
  const std::vector<FileCheck> checks = session.registry->verify(model, version, manifest);
  std::vector<std::string> bad;
  for (const auto& check : checks) {
    if (!check.ok()) bad.push_back(check.expected.name + (check.actual ? " (sha256 " + check.actual->sha256 + ")" : " (missing)"));
  }
  if (!bad.empty()) {
    throw Error(ExitStatus::integrity, session.registry->location(version_prefix(model, version)),
                std::to_string(bad.size()) + " of " + std::to_string(checks.size()) +
                    " files do not match the manifest: " + join_limited(bad, 10));
  }
  Outcome outcome = base_outcome("verify", session, model);
  if (selector.channel) outcome.fields["channel"] = *selector.channel;
  outcome.fields["version"] = version;
  outcome.fields["manifest_sha256"] = manifest.sha256;
  outcome.fields["files"] = files_json(manifest.files);
  for (const auto& check : checks) {
    outcome.checks.push_back({"verify " + check.expected.name, true, check.expected.sha256});
    outcome.console += "OK    " + check.expected.name + " " + check.expected.sha256 + "\n";
  }
  const auto leftovers = session.registry->leftovers(model, version, manifest);
  outcome.fields["leftovers"] = ordered_json::array();
  for (const auto& leftover : leftovers) {
    outcome.fields["leftovers"].push_back(leftover.location);
    outcome.console += "LEFTOVER " + printable(leftover.location) +
                       (leftover.temporary ? " (left by an interrupted write; not part of the version)\n"
                                           : " (not in the manifest; not part of the version)\n");
  }
  outcome.headline = model + " " + version + ": " + std::to_string(checks.size()) + " of " +
                     std::to_string(checks.size()) + " files match the manifest";
  if (!leftovers.empty()) {
    outcome.headline += ", " + std::to_string(leftovers.size()) + (leftovers.size() == 1 ? " leftover" : " leftovers") +
                        " not part of it";
  }
  outcome.console += "ml-release: " + outcome.headline + "\n";
  outcome.dotenv = {{"MODEL", model}, {"VERSION", version}};
  return outcome;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"publish",
       "ml-release publish --model NAME --version VER [--metrics M.json] [--meta KEY=VALUE ...] [--profile P.profile] FILE...",
       {Option::model, Option::version, Option::metrics, Option::meta, Option::gitlab_release, Option::files,
        Option::profile},
       run_publish},
      {"promote",
       "ml-release promote --model NAME (--version VER | --from-channel CH [--expect-version VER]) --channel CH "
       "[--no-verify]",
       {Option::model, Option::version, Option::channel, Option::verify, Option::no_verify, Option::from_channel,
        Option::expect_version},
       run_promote},
      {"rollback", "ml-release rollback --model NAME --channel CH [--to VER] [--if-version VER]",
       {Option::model, Option::channel, Option::to, Option::if_version}, run_rollback},
      {"list", "ml-release list [--model NAME]", {Option::model}, run_list},
      {"show", "ml-release show --model NAME (--version VER | --channel CH)",
       {Option::model, Option::version, Option::channel}, run_show},
      {"fetch", "ml-release fetch --model NAME (--version VER | --channel CH) --dest DIR [--clean]",
       {Option::model, Option::version, Option::channel, Option::dest, Option::clean}, run_fetch},
      {"verify", "ml-release verify --model NAME (--version VER | --channel CH)",
       {Option::model, Option::version, Option::channel}, run_verify},
      {"history", "ml-release history --model NAME --channel CH [--at TIME]", {Option::model, Option::channel, Option::at},
       [](const po::variables_map& vm) { return run_maintenance(vm, "history", history_command); }},
      {"gc", "ml-release gc --model NAME --keep N [--keep-days D] [--keep-history K] [--grace SECONDS] [--dry-run]",
       {Option::model, Option::keep, Option::keep_days, Option::keep_history, Option::grace, Option::dry_run},
       [](const po::variables_map& vm) { return run_maintenance(vm, "gc", gc_command); }},
      {"diff", "ml-release diff --model NAME A B   (A, B: versions or channels)", {Option::model, Option::versions},
       [](const po::variables_map& vm) { return run_maintenance(vm, "diff", diff_command); }},
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
    spec.run = command.run;
    // What publish reads: an output flag naming one of them is refused (docs/conventions.md).
    spec.inputs = [](const po::variables_map& vm) {
      std::vector<std::string> inputs;
      if (vm.count("files")) inputs = vm["files"].as<std::vector<std::string>>();
      for (const char* option : {"metrics", "profile"}) {
        if (vm.count(option)) inputs.push_back(vm[option].as<std::string>());
      }
      return inputs;
    };
    // An output inside a local registry would overwrite a stored object (docs/conventions.md).
    spec.protected_folders = [](const po::variables_map& vm) {
      const std::string folder = local_registry_folder(vm);
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
    if (!vm.count("command")) throw_usage("missing command: give one of " + list);
    const std::string word = vm["command"].as<std::string>();
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
