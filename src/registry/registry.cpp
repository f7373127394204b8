#include "registry/registry.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/limits.hpp"
#include "core/printable.hpp"
#include "core/signals.hpp"
#include "core/suggest.hpp"
#include "core/version.hpp"
#include "crypto/sha256.hpp"
#include "registry/provenance.hpp"
#include "storage/ids.hpp"
#include "storage/layout.hpp"
#include "storage/local_file.hpp"
#include "core/temp_names.hpp"

namespace lean {
namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

namespace {

constexpr const char* kFetchTempPrefix = ".lean-fetch-";
constexpr std::size_t kMaxNameLength = 128;
constexpr std::size_t kMaxHistory = 100;  // a channel keeps the last 100 earlier versions
constexpr int kMaxChannelAttempts = 50;   // lost races before a promote gives up (exit 5)

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '+';
}

std::string in_quotes(const std::string& text) { return "\"" + text + "\""; }

std::string join(const std::vector<std::string>& items) { return join_limited(items, 10); }

// "20261105T101112.123456Z": audit objects sort by when they were written.
std::string audit_time_stamp() {
  const auto now = std::chrono::system_clock::now();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%S", &tm);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lldZ", static_cast<long long>(micros % 1000000));
  return std::string(text) + fraction;
}

ordered_json optional_text(const std::optional<std::string>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

std::string serialize(const ordered_json& doc) { return doc.dump(2) + "\n"; }

[[noreturn]] void throw_integrity(const std::string& subject, const std::string& message) {
  throw Error(ExitStatus::integrity, subject, message);
}

// A stored object is read whole and its document is printed back (show, list): the limits
// of every JSON file apply (docs/hardening.md), as an integrity error, since the registry
// itself never writes such an object.
void check_stored_json(const std::string& body, const std::string& where, const std::string& what) {
  if (body.size() > limits::kJsonFileBytes) {
    throw_integrity(where, "malformed " + what + ": larger than " + describe_bytes_limit(limits::kJsonFileBytes));
  }
  if (json_nesting_depth(body) > limits::kJsonDepth) {
    throw_integrity(where,
                    "malformed " + what + ": nested deeper than " + std::to_string(limits::kJsonDepth) + " levels");
  }
  // The document keeps its key order, at the price of a linear search per key: bounded here.
  if (json_member_count(body, limits::kStoredJsonMembers + 1) > limits::kStoredJsonMembers) {
    throw_integrity(where,
                    "malformed " + what + ": more than " + std::to_string(limits::kStoredJsonMembers) + " members");
  }
}

// A text as it appears in messages: quoted as every message quotes (core/printable.hpp).
std::string json_quoted(const std::string& text) { return quote_printable(text); }

bool is_valid_name(const std::string& name) {
  return !name.empty() && name.size() <= kMaxNameLength && std::isalnum(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

// No C0 or C1 control character, no DEL: a stored text printed as it is cannot forge a line.
bool is_printable(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      return false;
    }
  }
  return true;
}

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Parses a stored object. A key written twice in one object is malformed: the JSON library
// would keep the last one silently, and two readers could disagree about what it says.
ordered_json parse_stored_json(const std::string& body, const std::string& where, const std::string& what) {
  check_stored_json(body, where, what);
  std::vector<std::set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  const ordered_json::parser_callback_t track = [&](int, ordered_json::parse_event_t event, ordered_json& parsed) {
    using Event = ordered_json::parse_event_t;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() && !duplicate && parsed.is_string()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  ordered_json doc;
  try {
    doc = ordered_json::parse(body, track);
  } catch (const nlohmann::json::exception&) {  // also out_of_range: a number like 1e999
    throw_integrity(where, "malformed " + what + ": not JSON");
  }
  if (duplicate) throw_integrity(where, "malformed " + what + ": key " + json_quoted(*duplicate) + " twice");
  return doc;
}

// A text field that must be absent, null or printable text.
void check_text_field(const ordered_json& doc, const char* key, const std::string& where, const std::string& what) {
  if (!doc.contains(key) || doc[key].is_null()) return;
  if (!doc[key].is_string() || !is_printable(doc[key].get<std::string>())) {
    throw_integrity(where, "malformed " + what + ": \"" + key + "\" is not printable text");
  }
}

// Reads a stored manifest, rejecting anything a later fetch could not trust.
Manifest parse_manifest(const StoredObject& object, const std::string& model, const std::string& version,
                        const std::string& where) {
  Manifest manifest;
  manifest.sha256 = sha256_hex(object.body);
  manifest.doc = parse_stored_json(object.body, where, "manifest");
  const ordered_json& doc = manifest.doc;
  if (!doc.is_object() || text_of(doc, "model") != model || text_of(doc, "version") != version) {
    throw_integrity(where, "malformed manifest: it is not the manifest of " + model + " " + version);
  }
  if (!doc.contains("files") || !doc["files"].is_array() || doc["files"].empty()) {
    throw_integrity(where, "malformed manifest: no \"files\" list");
  }
  for (const char* key : {"created_at", "created_by", "git_commit", "ci_run_url", "tool_version"}) {
    check_text_field(doc, key, where, "manifest");
  }
  manifest.files_prefix = version_prefix(model, version);
  if (doc.contains("files_folder")) {
    const ordered_json& folder = doc["files_folder"];
    if (!folder.is_string() || !is_valid_name(folder.get<std::string>())) {
      throw_integrity(where, "malformed manifest: \"files_folder\" is not a folder name");
    }
    manifest.files_prefix += folder.get<std::string>() + "/";
  }
  std::set<std::string> names;
  for (const auto& entry : doc["files"]) {
    ManifestFile file;
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() || !entry.contains("size") ||
        !entry["size"].is_number_unsigned() || !entry.contains("sha256") || !entry["sha256"].is_string() ||
        !is_sha256_hex(entry["sha256"].get<std::string>())) {
      throw_integrity(where, "malformed manifest: a file entry needs name, size and sha256");
    }
    file.name = entry["name"].get<std::string>();
    file.size = entry["size"].get<std::uint64_t>();
    file.sha256 = entry["sha256"].get<std::string>();
    try {
      check_file_name(file.name, file.name);
    } catch (const Error&) {
      // A name that could escape the fetch destination is never acted on.
      throw_integrity(where, "malformed manifest: unsafe file name " + json_quoted(file.name));
    }
    if (!names.insert(file.name).second)
      throw_integrity(where, "malformed manifest: file " + json_quoted(file.name) + " twice");
    manifest.files.push_back(std::move(file));
  }
  return manifest;
}

// A channel pointer names versions that become path segments and lines of `list`: each is
// checked as a name, and the pointer must be the one of this model and channel.
Channel parse_channel(const StoredObject& object, const std::string& where, const std::string& model,
                      const std::string& name) {
  Channel channel;
  channel.etag = object.etag;
  channel.doc = parse_stored_json(object.body, where, "channel pointer");
  const ordered_json& doc = channel.doc;
  auto malformed = [&](const std::string& why) { throw_integrity(where, "malformed channel pointer: " + why); };
  auto valid_entry = [](const ordered_json& entry) {
    return entry.is_object() && entry.contains("version") && entry["version"].is_string() &&
           is_valid_name(entry["version"].get<std::string>()) && entry.contains("manifest_sha256") &&
           entry["manifest_sha256"].is_string() && is_sha256_hex(entry["manifest_sha256"].get<std::string>());
  };
  if (!doc.is_object() || !doc.contains("version") || !doc["version"].is_string() || !doc.contains("manifest_sha256") ||
      !doc["manifest_sha256"].is_string() || !doc.contains("history") || !doc["history"].is_array()) {
    malformed("needs version, manifest_sha256 and history");
  }
  if (!valid_entry(doc)) malformed("\"version\" is not a version name or \"manifest_sha256\" not a SHA-256");
  if ((doc.contains("model") && doc["model"] != model) || (doc.contains("channel") && doc["channel"] != name)) {
    malformed("it is not the pointer of channel " + name + " of " + model);
  }
  for (const auto& entry : doc["history"]) {
    if (!valid_entry(entry)) malformed("a history entry needs a version name and a manifest_sha256");
  }
  for (const char* key : {"updated_at", "updated_by", "ci_run_url", "action"})
    check_text_field(doc, key, where, "channel pointer");
  if (doc.contains("previous_version") && !doc["previous_version"].is_null() &&
      !(doc["previous_version"].is_string() && is_valid_name(doc["previous_version"].get<std::string>()))) {
    malformed("\"previous_version\" is not a version name");
  }
  channel.version = doc["version"].get<std::string>();
  channel.manifest_sha256 = doc["manifest_sha256"].get<std::string>();
  return channel;
}

// A temporary folder beside the fetch destination, removed unless it was moved into place.
class StagingDir {
 public:
  explicit StagingDir(const fs::path& dest) {
    fs::path parent = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(parent, ec);
    remove_stale_temps(parent.string(), kFetchTempPrefix);  // what a killed fetch left
    path_ = (parent / (kFetchTempPrefix + temp_owner() + dest.filename().string() + "-XXXXXX")).string();
    SignalsHeldBack held;  // guarded from its creation on: SIGINT/SIGTERM remove it too
    if (!::mkdtemp(path_.data()))
      throw_input(dest.string(), std::string("cannot create a folder beside it: ") + std::strerror(errno));
    guard_.emplace(path_, true);
  }
  ~StagingDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const std::string& path() const { return path_; }
  void release() {
    path_.clear();
    guard_.reset();
  }

 private:
  std::string path_;
  std::optional<TempFileGuard> guard_;
};

// An exclusive flock on a folder, held while it lives (flock works on a folder's descriptor:
// no lock file is left beside DEST).
class FolderLock {
 public:
  FolderLock(const std::string& folder, const std::string& subject) {
    fd_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw_input(subject, std::string("cannot open the folder beside it: ") + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd_);
      throw_input(subject, std::string("cannot lock the folder beside it: ") + std::strerror(err));
    }
  }
  ~FolderLock() { ::close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

ordered_json parse_audit_event(const std::string& body, const std::string& where) {
  ordered_json doc = parse_stored_json(body, where, "audit event");
  if (!doc.is_object()) throw_integrity(where, "malformed audit event: not a JSON object");
  for (const char* key : {"event", "model", "channel", "version", "previous_version", "manifest_sha256", "at", "by",
                          "git_commit", "ci_run_url", "tool_version"}) {
    check_text_field(doc, key, where, "audit event");
  }
  return doc;
}

std::string version_prefix(const std::string& model, const std::string& version) {
  return model + "/versions/" + version + "/";
}
std::string manifest_key(const std::string& model, const std::string& version) {
  return version_prefix(model, version) + kManifestName;
}
std::string hidden_manifest_key(const std::string& model, const std::string& version) {
  return version_prefix(model, version) + ".gc-hidden-manifest.json";  // no published file starts with '.'
}
std::string channel_key(const std::string& model, const std::string& channel) {
  return model + "/channels/" + channel + ".json";
}
std::string audit_prefix(const std::string& model) { return model + "/audit/"; }

void check_name(const std::string& what, const std::string& name) {
  if (name.empty()) throw_usage(what + " name is empty");
  if (!is_valid_name(name)) {
    throw_usage("invalid " + what + " name " + in_quotes(name) +
                ": use a letter or digit, then letters, digits, '.', '_', '-' or '+' (at most 128)");
  }
}

void check_file_name(const std::string& name, const std::string& origin) {
  const bool has_control =
      std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  if (name.empty() || name.size() > 255 || name[0] == '.' || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos || has_control) {
    throw_usage("cannot publish '" + origin +
                "': a file name must not start with '.' nor hold '/', '\\' or control characters");
  }
  if (name == kManifestName)
    throw_usage("cannot publish '" + origin + "': manifest.json is the registry's own file name");
}

bool version_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && digit(a[i_end])) ++i_end;
      while (j_end < b.size() && digit(b[j_end])) ++j_end;
      // Compare the digit runs as numbers without converting: skip leading zeros, then
      // the longer run is larger, then the first differing digit decides.
      std::size_t i_start = i, j_start = j;
      while (i_start + 1 < i_end && a[i_start] == '0') ++i_start;
      while (j_start + 1 < j_end && b[j_start] == '0') ++j_start;
      std::string_view x(a.data() + i_start, i_end - i_start), y(b.data() + j_start, j_end - j_start);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;  // equal under the natural order ("01" and "1"): still a strict order
}

Registry::Registry(Storage& storage, Log log) : storage_(storage), log_(std::move(log)) {}

void Registry::log(const std::string& line) const {
  if (log_) log_(line);
}

std::string Registry::location(const std::string& key) const {
  std::string base = storage_.describe();
  if (!base.empty() && base.back() == '/') base.pop_back();
  std::string path = base + "/" + key;
  if (path.back() == '/') path.pop_back();
  return path;
}

std::vector<std::string> Registry::models() {
  std::set<std::string> names;
  for (const auto& key : storage_.list("")) {
    const std::size_t slash = key.find('/');
    if (slash == std::string::npos) continue;
    const std::string rest = key.substr(slash + 1);
    if (rest.rfind("versions/", 0) == 0 || rest.rfind("channels/", 0) == 0) names.insert(key.substr(0, slash));
  }
  return {names.begin(), names.end()};
}

void Registry::throw_no_model(const std::string& model) {
  const std::vector<std::string> known = models();
  std::string message = "no model " + in_quotes(model) + " in the registry" + did_you_mean(model, known);
  if (!known.empty()) message += " (models: " + join(known) + ")";
  throw Error(ExitStatus::input_data, storage_.describe(), message);
}

void Registry::throw_no_version(const std::string& model, const std::string& version) {
  const ModelListing listing = list(model);  // throws for an unknown model
  std::vector<std::string> versions;
  for (const auto& v : listing.versions) versions.push_back(v.version);
  std::string message = "model " + model + " has no version " + in_quotes(version) + did_you_mean(version, versions);
  message += versions.empty() ? " (no complete version yet)" : " (versions: " + join(versions) + ")";
  throw Error(ExitStatus::input_data, storage_.describe(), message);
}

void Registry::throw_no_channel(const std::string& model, const std::string& channel) {
  const ModelListing listing = list(model);
  std::vector<std::string> channels;
  for (const auto& [name, pointer] : listing.channels) channels.push_back(name);
  std::string message = "model " + model + " has no channel " + in_quotes(channel) + did_you_mean(channel, channels);
  message += channels.empty() ? " (no channel yet: promote a version first)" : " (channels: " + join(channels) + ")";
  throw Error(ExitStatus::input_data, storage_.describe(), message);
}

std::optional<Manifest> Registry::hidden_manifest(const std::string& model, const std::string& version) {
  const std::string key = hidden_manifest_key(model, version);
  log("reading " + location(key));
  const std::optional<StoredObject> object = storage_.get(key);
  if (!object) return std::nullopt;
  return parse_manifest(*object, model, version, location(key));
}

Manifest Registry::load_manifest(const std::string& model, const std::string& version) {
  const std::string key = manifest_key(model, version);
  log("reading " + location(key));
  std::optional<StoredObject> object = storage_.get(key);
  if (!object) {
    if (storage_.get(hidden_manifest_key(model, version))) {
      throw Error(
          ExitStatus::input_data, location(version_prefix(model, version)),
          "version " + version + " of " + model +
              " is being removed by ml-release gc (or an interrupted gc was removing it: the next gc finishes it)");
    }
    if (!storage_.list(version_prefix(model, version)).empty()) {
      throw Error(ExitStatus::input_data, location(version_prefix(model, version)),
                  "version " + version + " of " + model +
                      " is incomplete: it has files but no manifest (an interrupted publish); publish it again");
    }
    throw_no_version(model, version);
  }
  return parse_manifest(*object, model, version, location(key));
}

std::vector<std::string> Registry::missing_files(const Manifest& manifest) {
  const std::vector<std::string> stored = storage_.list(manifest.files_prefix);
  const std::set<std::string> present(stored.begin(), stored.end());
  std::vector<std::string> missing;
  for (const auto& file : manifest.files) {
    if (!present.count(manifest.file_key(file.name))) missing.push_back(file.name);
  }
  return missing;
}

Manifest Registry::load_complete(const std::string& model, const std::string& version) {
  Manifest manifest = load_manifest(model, version);
  const std::vector<std::string> missing = missing_files(manifest);
  if (!missing.empty()) {
    throw_integrity(location(manifest.file_key(missing.front())), "is in the manifest but missing from the registry");
  }
  return manifest;
}

bool Registry::conditional_writes_atomic() {
  if (!storage_.known_atomic_conditional_writes()) {
    log("probing whether " + storage_.describe() +
        " enforces conditional writes (writing and removing a .lean-probe-* object)");
  }
  return storage_.atomic_conditional_writes();
}

std::optional<Channel> Registry::channel(const std::string& model, const std::string& name) {
  return read_channel(model, name);
}

std::optional<Channel> Registry::read_channel(const std::string& model, const std::string& name) {
  const std::string key = channel_key(model, name);
  // A store without atomic writes (s3rver writes objects in place) can show a concurrent
  // writer's half-written pointer: read again before calling it malformed. Whether the
  // store is one is not probed here: that would write, and reading commands never write.
  const int attempts = storage_.known_atomic_conditional_writes().value_or(false) ? 1 : 5;
  for (int attempt = 1;; ++attempt) {
    log("reading " + location(key));
    std::optional<StoredObject> object = storage_.get(key);
    if (!object) return std::nullopt;
    try {
      return parse_channel(*object, location(key), model, name);
    } catch (const Error&) {
      if (attempt >= attempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
  }
}

std::pair<std::string, Manifest> Registry::resolve(const std::string& model, const Selector& selector,
                                                   bool require_files) {
  auto load = [&](const std::string& version) {
    return require_files ? load_complete(model, version) : load_manifest(model, version);
  };
  if (selector.version) return {*selector.version, load(*selector.version)};
  std::optional<Channel> pointer = channel(model, *selector.channel);
  if (!pointer) throw_no_channel(model, *selector.channel);
  Manifest manifest = load(pointer->version);
  if (manifest.sha256 != pointer->manifest_sha256) {
    throw_integrity(location(manifest_key(model, pointer->version)),
                    "manifest changed after channel " + *selector.channel + " pointed to it (sha256 " +
                        manifest.sha256 + ", the channel recorded " + pointer->manifest_sha256 + ")");
  }
  return {pointer->version, std::move(manifest)};
}

std::optional<Registry::ChannelMetrics> Registry::channel_metrics(const std::string& model, const std::string& name) {
  check_name("model", model);
  check_name("channel", name);
  if (!channel(model, name)) return std::nullopt;
  const auto [version, manifest] = resolve(model, Selector{std::nullopt, name});
  const std::string source = location(manifest_key(model, version));
  const ordered_json& metrics = manifest.doc.contains("metrics") ? manifest.doc["metrics"] : ordered_json();
  if (!metrics.is_object()) {
    throw_input(source, "version " + version + " has no metrics to compare against (publish with --metrics M.json)");
  }
  return ChannelMetrics{version, metrics.dump(), source};
}

void Registry::record_event(const std::string& model, ordered_json event, const std::optional<std::string>& name) {
  const Provenance who = provenance_from_env();
  event["at"] = utc_timestamp(now_epoch_seconds());
  event["by"] = who.actor;
  event["git_commit"] = optional_text(who.git_commit);
  event["ci_run_url"] = optional_text(who.ci_run_url);
  event["tool_version"] = std::string("ml-release ") + kVersion;
  const std::string body = serialize(event);
  if (name) {  // an event of a fixed name: written once, however often it is retried
    const std::string key = audit_prefix(model) + *name + ".json";
    if (storage_.put(key, body, WriteCondition::absent())) log("audit event " + location(key));
    return;
  }
  // A fresh object per event: concurrent writers never touch each other's events.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::string key = audit_prefix(model) + audit_time_stamp() + "-" + random_hex(16) + ".json";
    if (storage_.put(key, body, WriteCondition::absent())) {
      log("audit event " + location(key));
      return;
    }
  }
  throw_integrity(location(audit_prefix(model)), "cannot write an audit event under a fresh name");
}

namespace {

// The audit object of a version's publish is named after its manifest (its creation time,
// then its hash): a re-publish that finds the version complete writes it if a failure
// (a full disk) stopped the first publish between the manifest and its event.
std::string publish_event_name(const Manifest& manifest) {
  std::string stamp;
  for (char c : text_of(manifest.doc, "created_at")) {
    if (std::isdigit(static_cast<unsigned char>(c)) || c == 'T') stamp += c;
  }
  if (stamp.size() != 15) stamp = "00000000T000000";  // not written by ml-release: sorts first
  return stamp + ".000000Z-publish-" + manifest.sha256.substr(0, 16);
}

// A name no other publish attempt uses: it staged its files under it.
std::string attempt_name() { return "upload-" + audit_time_stamp() + "-" + random_hex(12); }

// How old an attempt folder on a remote store must be before a publish removes it: longer
// than any upload runs (a live attempt's files must never go before its manifest is written).
constexpr std::time_t kStaleAttemptSeconds = 24 * 3600;

// When the attempt folder "upload-20261105T101112.123456Z-..." was started; nullopt for
// another name.
std::optional<std::time_t> attempt_started(const std::string& folder) {
  std::tm tm{};
  if (folder.rfind("upload-", 0) != 0 || !strptime(folder.c_str() + 7, "%Y%m%dT%H%M%S", &tm)) return std::nullopt;
  return timegm(&tm);
}

}  // namespace

bool is_stale_attempt_folder(const std::string& folder) {
  const auto started = attempt_started(folder);
  return started && std::time(nullptr) - *started > kStaleAttemptSeconds;
}

namespace {

// JSON values compared as data: the order of an object's keys does not matter.
bool same_data(const ordered_json& a, const ordered_json& b) { return nlohmann::json(a) == nlohmann::json(b); }

}  // namespace

struct Registry::PublishInputs {
  const PublishRequest& request;
  std::vector<std::string> names;      // the files' base names, as stored
  std::vector<LocalFileState> states;  // as they were before the upload
  ordered_json meta = ordered_json::object();
  ordered_json metrics;
  Provenance who;
  // Hashes of the local files, computed once when a published version is compared.
  mutable std::vector<std::optional<std::string>> local_sha256;

  // Everything that can be wrong with the inputs fails before anything is written.
  explicit PublishInputs(const PublishRequest& publish) : request(publish) {
    check_name("model", request.model);
    check_name("version", request.version);
    for (const auto& path : request.files) {
      states.push_back(stat_local_file(path));
      std::string name = fs::path(path).filename().string();
      check_file_name(name, path);
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        throw_usage("two files named " + in_quotes(name) + ": files are stored under their base names");
      }
      names.push_back(std::move(name));
    }
    std::set<std::string> meta_keys;
    for (const auto& [key, value] : request.meta) {
      if (!meta_keys.insert(key).second) throw_usage("--meta " + key + " given twice");
      meta[key] = value;
    }
    metrics = request.metrics ? *request.metrics : ordered_json(nullptr);
    who = provenance_from_env();
    try {  // what goes into the manifest must serialize: checked before the first write
      (void)ordered_json({optional_text(who.git_commit), optional_text(who.ci_run_url), who.actor, meta}).dump();
    } catch (const nlohmann::json::type_error&) {
      throw_usage("the CI environment (commit, run URL, actor) or --meta is not valid UTF-8");
    }
    local_sha256.resize(names.size());
  }

  // How a published version differs from these inputs (files: names, sizes, hashes;
  // metrics; meta); nullopt when it is identical.
  std::optional<std::string> difference(const Manifest& published) const {
    if (published.files.size() != names.size()) {
      std::vector<std::string> stored;
      for (const auto& f : published.files) stored.push_back(f.name);
      return "it holds " + join(stored) + ", not " + join(names);
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto it = std::find_if(published.files.begin(), published.files.end(),
                             [&](const ManifestFile& f) { return f.name == names[i]; });
      if (it == published.files.end()) return "it has no file " + names[i];
      if (!local_sha256[i] && it->size == states[i].size) local_sha256[i] = sha256_file_hex(request.files[i]);
      if (it->size != states[i].size || it->sha256 != *local_sha256[i]) return names[i] + " differs";
    }
    const ordered_json none;
    if (!same_data(published.doc.contains("metrics") ? published.doc["metrics"] : none, metrics)) {
      return "its metrics differ from --metrics";
    }
    if (!same_data(published.doc.contains("meta") ? published.doc["meta"] : ordered_json::object(), meta)) {
      return "its meta differs from --meta";
    }
    return std::nullopt;
  }

  // The manifest of the uploaded `files` (staged in `folder`, if any).
  std::string manifest_body(const ordered_json& files, const std::string& folder) const {
    ordered_json doc;
    doc["model"] = request.model;
    doc["version"] = request.version;
    doc["files"] = files;
    if (!folder.empty()) doc["files_folder"] = folder;
    doc["metrics"] = metrics;
    doc["meta"] = meta;
    doc["git_commit"] = optional_text(who.git_commit);
    doc["ci_run_url"] = optional_text(who.ci_run_url);
    doc["created_at"] = utc_timestamp(now_epoch_seconds());
    doc["created_by"] = who.actor;
    doc["tool_version"] = std::string("ml-release ") + kVersion;
    return serialize(doc);
  }
};

// A complete version is "identical" only when its manifest matches and its stored files
// still verify: a damaged version is never reported as published.
PublishResult Registry::settle_published(const PublishInputs& inputs, const StoredObject& stored) {
  const std::string& model = inputs.request.model;
  const std::string& version = inputs.request.version;
  const std::string key = manifest_key(model, version);
  Manifest published = parse_manifest(stored, model, version, location(key));
  if (auto why = inputs.difference(published)) {
    throw_integrity(location(version_prefix(model, version)),
                    "version " + version + " of " + model + " is already published with different content (" + *why +
                        "); versions are immutable: publish a new version");
  }
  for (const FileCheck& check : verify(model, version, published)) {
    if (check.ok()) continue;
    throw_integrity(
        location(published.file_key(check.expected.name)),
        std::string(check.actual ? "does not match the manifest" : "is in the manifest but missing from the registry") +
            ": version " + version + " of " + model + " is damaged; publish a new version");
  }
  log("version " + version + " is already published with identical content: nothing to do");
  remove_stale_leftovers(model);
  record_event(model,
               {{"event", "publish"}, {"model", model}, {"version", version}, {"manifest_sha256", published.sha256}},
               publish_event_name(published));
  storage_.version_published(model, version, stored.body);
  return {std::move(published), true};
}

// Stages each file under `keys` in the attempt; the manifest's "files".
ordered_json Registry::upload_files(const PublishInputs& inputs, const std::vector<std::string>& keys,
                                    const std::string& attempt) {
  const auto& paths = inputs.request.files;
  ordered_json files = ordered_json::array();
  for (std::size_t i = 0; i < inputs.names.size(); ++i) {
    log("uploading " + paths[i] + " (" + std::to_string(inputs.states[i].size) + " bytes) to " + location(keys[i]));
    const FileDigest digest = storage_.stage_file(keys[i], paths[i], attempt);
    // The digest is of the bytes that were stored; the file must not have changed meanwhile.
    if (digest.size != inputs.states[i].size || stat_local_file(paths[i]) != inputs.states[i]) {
      throw Error(ExitStatus::integrity, paths[i], "changed while it was being published; publish it again");
    }
    log("stored " + inputs.names[i] + " sha256 " + digest.sha256);
    files.push_back({{"name", inputs.names[i]}, {"size", digest.size}, {"sha256", digest.sha256}});
  }
  return files;
}

PublishResult Registry::publish(const PublishRequest& request) {
  const PublishInputs inputs(request);
  const std::string& model = request.model;
  const std::string& version = request.version;
  const std::string prefix = version_prefix(model, version);
  const std::string key = manifest_key(model, version);

  log("reading " + location(key));
  if (std::optional<StoredObject> existing = storage_.get(key)) return settle_published(inputs, *existing);

  // Each attempt stages its files under names no other attempt uses; the manifest, written
  // only while absent, decides which attempt's files the version is (docs/hardening.md).
  const std::string attempt = attempt_name();
  const std::string folder = storage_.attempt_folder(attempt);
  const std::string files_prefix = prefix + (folder.empty() ? "" : folder + "/");
  remove_stale_leftovers(model);
  std::vector<std::string> keys;
  for (const auto& name : inputs.names) keys.push_back(files_prefix + name);
  bool committed = false;
  auto discard = [&]() {
    try {
      storage_.discard_staged(keys, attempt);
      if (!folder.empty()) {
        for (const auto& staged : keys) storage_.remove(staged);
      }
    } catch (const Error&) {
      // Left behind: a later publish removes a stale attempt (docs/hardening.md, "Crashes").
    }
  };
  struct DiscardUnlessCommitted {
    std::function<void()> run;
    ~DiscardUnlessCommitted() { run(); }
  } cleanup{[&] {
    if (!committed) discard();
  }};

  const std::string body = inputs.manifest_body(upload_files(inputs, keys, attempt), folder);

  // The last step, and only if no one else completed this version meanwhile.
  conditional_writes_atomic();  // probed before the write, so --verbose shows the probe
  log("writing " + location(key) + " if absent");
  if (!storage_.commit_version(key, body, keys, attempt)) {
    discard();
    committed = true;  // discarded already
    log("another publish completed version " + version + " first");
    std::optional<StoredObject> winner = storage_.get(key);
    if (!winner) throw_integrity(location(key), "the manifest could not be written and is not there");
    return settle_published(inputs, *winner);
  }
  committed = true;
  log("wrote " + location(key));
  Manifest manifest = parse_manifest({body, ""}, model, version, location(key));
  record_event(model,
               {{"event", "publish"}, {"model", model}, {"version", version}, {"manifest_sha256", manifest.sha256}},
               publish_event_name(manifest));
  storage_.version_published(model, version, body);
  return {std::move(manifest), false};
}

ChannelChange Registry::update_channel(const std::string& model, const std::string& name, const ChannelEdit& edit) {
  const std::string key = channel_key(model, name);
  if (!conditional_writes_atomic()) {
    log("warning: " + storage_.describe() +
        " does not enforce conditional writes atomically; a concurrent change of "
        "channel " +
        name + " can be lost (see docs/ml-release.md)");
  }
  std::mt19937 jitter{std::random_device{}()};
  for (int attempt = 1; attempt <= kMaxChannelAttempts; ++attempt) {
    std::optional<Channel> current = read_channel(model, name);
    std::optional<ordered_json> next = edit(current);
    ChannelChange change;
    change.channel = name;
    change.attempts = attempt;
    if (current) change.previous = current->version;
    if (!next) {  // already where it should be
      change.version = current->version;
      change.pointer = *current;
      return change;
    }
    const std::string body = serialize(*next);
    const WriteCondition condition = current ? WriteCondition::match(current->etag) : WriteCondition::absent();
    log("writing " + location(key) + (current ? " if unchanged since it was read" : " if absent"));
    if (storage_.put(key, body, condition)) {
      change.changed = true;
      change.pointer = parse_channel({body, ""}, location(key), model, name);
      change.version = change.pointer.version;
      return change;
    }
    // Another writer changed the channel after we read it: read again and redo the change.
    log("channel " + name + " changed while updating it; retrying (attempt " + std::to_string(attempt + 1) + ")");
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 20)(jitter) * std::min(attempt, 10)));
  }
  throw_integrity(location(key), "other writers kept changing the channel; gave up after " +
                                     std::to_string(kMaxChannelAttempts) + " attempts");
}

namespace {

// The pointer a channel gets when it moves to `version`; `history` is what it keeps.
ordered_json channel_doc(const std::string& model, const std::string& name, const std::string& version,
                         const Manifest& manifest, const char* action, const std::optional<Channel>& current,
                         ordered_json history) {
  const Provenance who = provenance_from_env();
  ordered_json doc;
  doc["model"] = model;
  doc["channel"] = name;
  doc["version"] = version;
  doc["manifest_sha256"] = manifest.sha256;
  doc["action"] = action;
  doc["previous_version"] = current ? ordered_json(current->version) : ordered_json(nullptr);
  doc["updated_at"] = utc_timestamp(now_epoch_seconds());
  doc["updated_by"] = who.actor;
  doc["ci_run_url"] = optional_text(who.ci_run_url);
  if (history.size() > kMaxHistory) history.erase(history.begin() + kMaxHistory, history.end());
  doc["history"] = std::move(history);
  return doc;
}

// The entry the current pointer becomes in the history when the channel moves on.
ordered_json history_entry(const Channel& current) {
  return {{"version", current.version},
          {"manifest_sha256", current.manifest_sha256},
          {"updated_at", text_of(current.doc, "updated_at")},
          {"updated_by", text_of(current.doc, "updated_by")}};
}

}  // namespace

ChannelChange Registry::promote(const std::string& model, const std::string& version, const std::string& name,
                                bool verify_files) {
  check_name("model", model);
  check_name("version", version);
  check_name("channel", name);
  const Manifest manifest = load_complete(model, version);
  if (verify_files) {
    for (const auto& check : verify(model, version, manifest)) {
      if (!check.ok()) {
        throw_integrity(location(manifest.file_key(check.expected.name)), "does not match the manifest; not promoting");
      }
    }
  }
  ChannelChange change =
      update_channel(model, name, [&](const std::optional<Channel>& current) -> std::optional<ordered_json> {
        if (current && current->version == version && current->manifest_sha256 == manifest.sha256) return std::nullopt;
        ordered_json history = ordered_json::array();
        if (current) {
          history.push_back(history_entry(*current));
          for (const auto& entry : current->doc["history"]) history.push_back(entry);
        }
        return channel_doc(model, name, version, manifest, "promote", current, std::move(history));
      });
  change.manifest = manifest;
  if (change.changed) {
    record_event(model, {{"event", "promote"},
                         {"model", model},
                         {"channel", name},
                         {"version", version},
                         {"previous_version", optional_text(change.previous)},
                         {"manifest_sha256", manifest.sha256}});
  }
  return change;
}

ChannelChange Registry::rollback(const std::string& model, const std::string& name,
                                 const std::optional<std::string>& to, const std::optional<std::string>& only_from) {
  check_name("model", model);
  check_name("channel", name);
  if (to) check_name("version", *to);
  if (!channel(model, name)) throw_no_channel(model, name);
  std::string from;
  std::optional<Manifest> landed;
  ChannelChange change =
      update_channel(model, name, [&](const std::optional<Channel>& current) -> std::optional<ordered_json> {
        if (!current) throw_no_channel(model, name);
        if (only_from && current->version != *only_from) return std::nullopt;  // moved on: not ours to roll back
        // Rolling back to where the channel already is: done (a retried `rollback --to` is safe).
        if (to && current->version == *to) return std::nullopt;
        const ordered_json& history = current->doc["history"];
        std::size_t index = 0;
        if (to) {
          while (index < history.size() && history[index]["version"] != *to) ++index;
          if (index == history.size()) {
            std::vector<std::string> earlier;
            for (const auto& entry : history) earlier.push_back(entry["version"].get<std::string>());
            throw Error(ExitStatus::input_data, storage_.describe(),
                        "version " + *to + " was not on channel " + name + " of " + model + " before (" +
                            (earlier.empty() ? std::string("no earlier version") : "history: " + join(earlier)) +
                            "); promote it instead");
          }
        } else if (history.empty()) {
          throw Error(ExitStatus::input_data, storage_.describe(),
                      "channel " + name + " of " + model + " has no earlier version to roll back to");
        }
        const std::string target = history[index]["version"].get<std::string>();
        const Manifest manifest = load_complete(model, target);
        if (manifest.sha256 != history[index]["manifest_sha256"].get<std::string>()) {
          throw_integrity(location(manifest_key(model, target)), "manifest changed since it was on channel " + name);
        }
        from = current->version;
        ordered_json rest = ordered_json::array();
        for (std::size_t i = index + 1; i < history.size(); ++i) rest.push_back(history[i]);
        landed = manifest;
        return channel_doc(model, name, target, manifest, "rollback", current, std::move(rest));
      });
  if (change.changed) change.manifest = std::move(landed);
  if (change.changed) {
    record_event(model, {{"event", "rollback"},
                         {"model", model},
                         {"channel", name},
                         {"version", change.version},
                         {"previous_version", from},
                         {"manifest_sha256", change.pointer.manifest_sha256}});
  }
  return change;
}

ModelListing Registry::list(const std::string& model) {
  check_name("model", model);
  const std::vector<std::string> keys = storage_.list(model + "/");
  const std::string versions_prefix = model + "/versions/";
  const std::string channels_prefix = model + "/channels/";
  std::set<std::string> versions, complete, hidden;
  std::vector<std::string> channel_names;
  for (const auto& key : keys) {
    if (key.rfind(versions_prefix, 0) == 0) {
      const std::string rest = key.substr(versions_prefix.size());
      const std::size_t slash = rest.find('/');
      if (slash == std::string::npos) continue;
      versions.insert(rest.substr(0, slash));
      if (rest.substr(slash + 1) == kManifestName) complete.insert(rest.substr(0, slash));
      if (key == hidden_manifest_key(model, rest.substr(0, slash))) hidden.insert(rest.substr(0, slash));
    } else if (key.rfind(channels_prefix, 0) == 0) {
      const std::string rest = key.substr(channels_prefix.size());
      if (rest.size() > 5 && rest.compare(rest.size() - 5, 5, ".json") == 0 && rest.find('/') == std::string::npos) {
        channel_names.push_back(rest.substr(0, rest.size() - 5));
      }
    }
  }
  if (versions.empty() && channel_names.empty()) throw_no_model(model);

  ModelListing listing;
  // One malformed object does not hide the others: each is listed as what it is.
  for (const auto& name : channel_names) {
    if (!is_valid_name(name)) {
      listing.malformed_channels.emplace_back(
          json_quoted(name),
          "'" + location(channels_prefix) + "': malformed channel " + json_quoted(name) + ": not a channel name");
      continue;
    }
    try {
      if (auto pointer = channel(model, name)) listing.channels.emplace_back(name, std::move(*pointer));
    } catch (const Error& e) {
      if (e.status() != ExitStatus::integrity) throw;
      listing.malformed_channels.emplace_back(name, e.describe());
    }
  }
  for (const auto& version : versions) {
    if (!is_valid_name(version)) {  // not written by ml-release: named, escaped, never used
      listing.malformed_versions.emplace_back(json_quoted(version), "'" + location(versions_prefix) +
                                                                        "': malformed version folder " +
                                                                        json_quoted(version) + ": not a version name");
      continue;
    }
    if (!complete.count(version)) {
      (hidden.count(version) ? listing.removing : listing.incomplete).push_back(version);
      continue;
    }
    VersionSummary summary;
    summary.version = version;
    try {
      summary.manifest = load_manifest(model, version);
    } catch (const Error& e) {
      if (e.status() != ExitStatus::integrity) throw;
      listing.malformed_versions.emplace_back(version, e.describe());
      continue;
    }
    for (const auto& [name, pointer] : listing.channels) {
      if (pointer.version == version) summary.channels.push_back(name);
    }
    listing.versions.push_back(std::move(summary));
  }
  std::sort(listing.versions.begin(), listing.versions.end(),
            [](const VersionSummary& a, const VersionSummary& b) { return version_less(a.version, b.version); });
  std::sort(listing.incomplete.begin(), listing.incomplete.end(), version_less);
  std::sort(listing.removing.begin(), listing.removing.end(), version_less);
  return listing;
}

std::vector<Registry::Leftover> Registry::leftovers(const std::string& model, const std::string& version,
                                                    const Manifest& manifest) {
  const std::string prefix = version_prefix(model, version);
  std::vector<Leftover> found;
  for (auto& temporary : storage_.leftovers(prefix)) found.push_back({std::move(temporary), true});
  std::set<std::string> expected{manifest_key(model, version)};
  for (const auto& file : manifest.files) expected.insert(manifest.file_key(file.name));
  for (const auto& key : storage_.list(prefix)) {
    if (!expected.count(key)) found.push_back({location(key), false});
  }
  return found;
}

std::vector<std::string> Registry::remove_stale_leftovers(const std::string& model) {
  const std::string versions = model + "/versions/";
  std::vector<std::string> removed = storage_.remove_stale_leftovers(versions);
  if (!storage_.attempt_folder("any").empty()) {  // a backend that stages attempt folders
    std::set<std::string> complete;
    std::vector<std::pair<std::string, std::string>> in_attempts;  // version, key
    for (const auto& key : storage_.list(versions)) {
      const std::string rest = key.substr(versions.size());
      const std::size_t slash = rest.find('/');
      if (slash == std::string::npos) continue;
      const std::string version = rest.substr(0, slash);
      if (key == manifest_key(model, version) || key == hidden_manifest_key(model, version)) {
        complete.insert(version);
      } else if (const std::string inner = rest.substr(slash + 1);
                 inner.find('/') != std::string::npos && is_stale_attempt_folder(inner.substr(0, inner.find('/')))) {
        in_attempts.emplace_back(version, key);
      }
    }
    // Only attempts of versions no manifest completes: a complete version's files stay, and
    // so do those of a version gc hid, whose manifest it may still restore.
    for (const auto& [version, key] : in_attempts) {
      if (complete.count(version)) continue;
      storage_.remove(key);
      removed.push_back(location(key));
    }
  }
  for (const auto& path : removed) log("removed the leftover of an interrupted publish " + path);
  return removed;
}

std::vector<FileCheck> Registry::verify(const std::string& model, const std::string& version,
                                        const Manifest& manifest) {
  log("verifying " + model + " " + version + " (" + std::to_string(manifest.files.size()) +
      (manifest.files.size() == 1 ? " file)" : " files)"));
  const std::vector<std::string> missing = missing_files(manifest);
  std::vector<FileCheck> checks;
  for (const auto& file : manifest.files) {
    FileCheck check{file, std::nullopt};
    if (std::find(missing.begin(), missing.end(), file.name) == missing.end()) {
      log("reading " + location(manifest.file_key(file.name)));
      check.actual = storage_.read_digest(manifest.file_key(file.name));
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

std::vector<ManifestFile> Registry::fetch(const std::string& model, const std::string& version,
                                          const Manifest& manifest, const std::string& dest, bool clean) {
  log("fetching " + model + " " + version + " into " + dest);
  // "out/" is the folder out: the staging folder goes beside it, not into it.
  fs::path target(dest);
  while (target.has_relative_path() && target.filename().empty()) target = target.parent_path();
  const std::string into_dest = target.string();
  std::error_code ec;
  if (fs::exists(target, ec) && !fs::is_directory(target, ec)) throw_input(dest, "exists and is not a folder");
  StagingDir staging(target);
  for (const auto& file : manifest.files) {
    const std::string key = manifest.file_key(file.name);
    log("downloading " + location(key) + " (" + std::to_string(file.size) + " bytes)");
    const FileDigest got = storage_.download_file(key, (fs::path(staging.path()) / file.name).string());
    if (got.size != file.size || got.sha256 != file.sha256) {
      throw_integrity(location(key), "does not match the manifest (sha256 " + got.sha256 + ", " +
                                         std::to_string(got.size) + " bytes; expected " + file.sha256 + ", " +
                                         std::to_string(file.size) + " bytes); nothing was written to '" + dest + "'");
    }
  }
  ::chmod(staging.path().c_str(), 0755);  // mkdtemp makes 0700; DEST is an ordinary folder
  // Every file matched. Fetches into one DEST place their files one at a time (a lock on
  // DEST's parent folder), so a DEST never mixes the files of two fetches, and every target
  // is checked before anything is replaced: DEST ends all new or untouched.
  const FolderLock placing(staging.path().substr(0, staging.path().rfind('/')), dest);
  const bool dest_exists = fs::exists(target, ec);
  if (dest_exists && !fs::is_directory(target, ec)) throw_input(dest, "exists and is not a folder");
  if (!dest_exists) {
    if (::rename(staging.path().c_str(), into_dest.c_str()) == 0) {
      staging.release();
      return manifest.files;
    }
    // Created meanwhile by a process that is not a fetch: placed into as an existing DEST.
    if (errno != ENOTEMPTY && errno != EEXIST) throw_input(dest, std::string("cannot create: ") + std::strerror(errno));
  }
  if (clean) {
    // Exactly the version's files: the staged folder takes DEST's place, the old one goes. An
    // exchange of the two names in one step, where the file system has it, so DEST is never
    // missing for a reader either.
    if (::renameat2(AT_FDCWD, staging.path().c_str(), AT_FDCWD, into_dest.c_str(), RENAME_EXCHANGE) == 0) {
      fs::remove_all(staging.path(), ec);  // the old DEST, now under the staging name
      staging.release();
      return manifest.files;
    }
    std::string old = (target.has_parent_path() ? target.parent_path() : fs::path(".")).string() + "/" +
                      kFetchTempPrefix + temp_owner() + "old-" + target.filename().string() + "-" + random_hex(8);
    if (::rename(into_dest.c_str(), old.c_str()) != 0)
      throw_input(dest, std::string("cannot replace: ") + std::strerror(errno));
    if (::rename(staging.path().c_str(), into_dest.c_str()) != 0) {
      const int err = errno;
      ::rename(old.c_str(), into_dest.c_str());
      throw_input(dest, std::string("cannot replace: ") + std::strerror(err));
    }
    staging.release();
    fs::remove_all(old, ec);
    return manifest.files;
  }
  for (const auto& file : manifest.files) {
    const fs::path into = target / file.name;
    const fs::file_status status = fs::symlink_status(into, ec);
    if (fs::is_directory(status)) throw_input(into.string(), "is a folder; nothing was written to '" + dest + "'");
    if (fs::exists(status) && !fs::is_regular_file(status) && !fs::is_symlink(status)) {
      throw_input(into.string(), "is not a regular file; nothing was written to '" + dest + "'");
    }
  }
  if (::access(into_dest.c_str(), W_OK | X_OK) != 0) {
    throw_input(dest, std::string("cannot write: ") + std::strerror(errno) + "; nothing was written to it");
  }
  for (const auto& file : manifest.files) {
    const std::string from = (fs::path(staging.path()) / file.name).string();
    const std::string into = (target / file.name).string();
    if (::rename(from.c_str(), into.c_str()) != 0)
      throw_input(into, std::string("cannot write: ") + std::strerror(errno));
  }
  return manifest.files;
}

}  // namespace lean
