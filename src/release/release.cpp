#include "release/release.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/printable.hpp"
#include "core/redact.hpp"
#include "core/suggest.hpp"
#include "core/url.hpp"
#include "metrics/metrics.hpp"
#include "profile/profile.hpp"
#include "release/maintenance.hpp"
#include "report/markdown.hpp"

namespace lean {

std::string local_registry_folder(const std::string& url) {
  if (url.find("://") != std::string::npos && !has_scheme(url, "file")) return "";
  return local_path_of(url);
}

void require_existing_registry(const std::string& url) {
  const std::string folder = local_registry_folder(url);
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::exists(folder, ec))
    throw_config(folder, "the registry folder does not exist");
}

namespace {

using ordered_json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// The storage and the registry over it for one run.
struct Session {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Registry> registry;
};

Session open_session(const RegistryAccess& access) {
  Session session;
  session.storage = open_storage(access.url, access.options);
  Registry::Log log;
  if (access.verbose)
    log = [](const std::string& line) { std::cerr << "ml-release: " << safe_line(line) << std::endl; };
  session.registry = std::make_unique<Registry>(*session.storage, log);
  return session;
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
void check_fetch_dest(const std::string& registry_url, const FetchInput& input) {
  const std::string& dest = input.dest;
  const bool clean = input.clean;
  const fs::path target = comparable_path(dest);
  const std::string folder = local_registry_folder(registry_url);
  if (!folder.empty()) {
    const fs::path registry = comparable_path(folder);
    if (is_within(target, registry))
      throw_config(dest, "--dest is inside the registry " + folder + "; fetch into a folder outside it");
    if (is_within(registry, target))
      throw_config(dest, "--dest contains the registry " + folder + "; fetch into a folder outside it");
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
    throw_config(dest,
                 "--clean cannot replace the current folder or one that contains it; fetch into a folder below it");
  }
  for (const auto& [option, path] : input.outputs) {
    if (is_within(comparable_path(path), target)) {
      throw_config(path, "--" + option + " is inside --dest " + dest + "; write it outside the folder fetch fills");
    }
  }
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

}  // namespace

Outcome publish_command(const RegistryAccess& access, const PublishInput& input) {
  PublishRequest request = input.request;
  if (!input.profile.empty())
    (void)read_profile(input.profile);  // an ordinary file of the version, once it reads as a profile
  if (!input.metrics.empty()) {
    const std::string& path = input.metrics;
    const MetricSet metrics = MetricSet::load(path);
    if (metrics.size() > limits::kManifestMetrics) {
      throw_input(path, "holds " + std::to_string(metrics.size()) + " metrics; a manifest carries at most " +
                            std::to_string(limits::kManifestMetrics) + " (the limit; see docs/hardening.md)");
    }
    request.metrics = metrics.to_json();
  }

  Session session = open_session(access);
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
  outcome.dotenv = {
      {"MODEL", request.model}, {"VERSION", request.version}, {"MANIFEST_SHA256", result.manifest.sha256}};
  return outcome;
}

namespace {

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
    headline +=
        " now points to " + change.version + (change.previous ? " (was " + *change.previous + ")" : " (new channel)");
  }
  conclude(outcome, std::string(command) + " " + change.channel, headline);
  MarkdownTable table({"Channel", "Previous version", "Version"});
  table.add_row({markdown_code(change.channel), change.previous ? markdown_code(*change.previous) : "(new channel)",
                 markdown_code(change.version)});
  const Manifest manifest =
      change.manifest ? *change.manifest
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
Outcome promote_from_channel(const RegistryAccess& access, const PromoteInput& input) {
  const std::string &model = input.model, &channel = input.channel, &source = *input.from_channel;
  const std::optional<std::string>& expected = input.expect_version;
  Session session = open_session(access);
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
  const ChannelChange change = session.registry->promote(model, before->version, channel, input.verify);
  const std::optional<Channel> after = session.registry->channel(model, source);
  if (!after || after->version != before->version || after->manifest_sha256 != before->manifest_sha256) {
    if (change.changed && change.previous) session.registry->rollback(model, channel, change.previous);
    throw Error(
        ExitStatus::integrity, session.storage->describe(),
        "channel " + source + " of " + model + " moved from " + before->version + " to " +
            (after ? after->version : std::string("nothing")) + " during the promote; " + channel +
            (change.changed && change.previous ? " was put back to " + *change.previous : " was left as it was"));
  }
  Outcome outcome = channel_outcome("promote", session, model, change);
  outcome.fields["from_channel"] = source;
  return outcome;
}

}  // namespace

Outcome promote_command(const RegistryAccess& access, const PromoteInput& input) {
  if (input.from_channel) return promote_from_channel(access, input);
  Session session = open_session(access);
  const ChannelChange change = session.registry->promote(input.model, input.version, input.channel, input.verify);
  return channel_outcome("promote", session, input.model, change);
}

Outcome rollback_command(const RegistryAccess& access, const RollbackInput& input) {
  const std::string &model = input.model, &channel = input.channel;
  Session session = open_session(access);
  if (const auto& only_from = input.if_version) {
    // Idempotent for a retried job: a channel that no longer points to VER is left alone.
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
    const ChannelChange change = session.registry->rollback(model, channel, input.to, only_from);
    if (!change.changed && change.version != *only_from) return nothing_to_roll_back(change.version);
    return channel_outcome("rollback", session, model, change);
  }
  const ChannelChange change = session.registry->rollback(model, channel, input.to);
  return channel_outcome("rollback", session, model, change);
}

Outcome history_command(const RegistryAccess& access, const HistoryInput& input) {
  require_existing_registry(access.url);
  Session session = open_session(access);
  return history_command(base_outcome("history", session, input.model), *session.storage, *session.registry, input);
}

Outcome gc_command(const RegistryAccess& access, const GcRequest& request) {
  require_existing_registry(access.url);
  Session session = open_session(access);
  return gc_command(base_outcome("gc", session, request.model), *session.storage, *session.registry, request);
}

Outcome diff_command(const RegistryAccess& access, const DiffInput& input) {
  require_existing_registry(access.url);
  Session session = open_session(access);
  return diff_command(base_outcome("diff", session, input.model), *session.storage, *session.registry, input);
}

namespace {

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
  outcome.headline =
      std::to_string(models.size()) + " model" + (models.size() == 1 ? "" : "s") + " in " + session.storage->describe();
  outcome.checks.push_back({"list", true, outcome.headline});
  return outcome;
}

}  // namespace

Outcome list_command(const RegistryAccess& access, const std::optional<std::string>& model_option) {
  require_existing_registry(access.url);
  Session session = open_session(access);
  if (!model_option) return run_list_models(session);
  const std::string& model = *model_option;
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
    console += printable(v.version) + "\t" + printable(created) + "\t" + std::to_string(v.manifest.files.size()) +
               "\t" + human_bytes(total_size(v.manifest)) + "\t" + printable(channels) + "\n";
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
  for (const auto& [kind, entries] :
       {std::pair{"version", &listing.malformed_versions}, std::pair{"channel", &listing.malformed_channels}}) {
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
    if (malformed.size() > 1)
      outcome.error += " (and " + std::to_string(malformed.size() - 1) + " more malformed; see the listing)";
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

Outcome show_command(const RegistryAccess& access, const VersionInput& input) {
  const std::string& model = input.model;
  const Selector& selector = input.selector;
  require_existing_registry(access.url);
  Session session = open_session(access);
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

Outcome fetch_command(const RegistryAccess& access, const FetchInput& input) {
  const std::string& model = input.version.model;
  const Selector& selector = input.version.selector;
  const std::string& dest = input.dest;
  require_existing_registry(access.url);
  check_fetch_dest(access.url, input);
  Session session = open_session(access);
  const auto [version, manifest] = session.registry->resolve(model, selector);
  const std::vector<ManifestFile> files = session.registry->fetch(model, version, manifest, dest, input.clean);
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

Outcome verify_command(const RegistryAccess& access, const VersionInput& input) {
  const std::string& model = input.model;
  const Selector& selector = input.selector;
  require_existing_registry(access.url);
  Session session = open_session(access);
  const auto [version, manifest] = session.registry->resolve(model, selector, false);
  const std::vector<FileCheck> checks = session.registry->verify(model, version, manifest);
  std::vector<std::string> bad;
  for (const auto& check : checks) {
    if (!check.ok())
      bad.push_back(check.expected.name + (check.actual ? " (sha256 " + check.actual->sha256 + ")" : " (missing)"));
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

}  // namespace lean
