#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/storage.hpp"

namespace lean {

// The layout, the same on every backend (docs/ml-release.md):
//   MODEL/versions/VER/FILE...          the files, written first
//   MODEL/versions/VER/manifest.json    written last: the version exists once it does
//   MODEL/channels/CH.json              the version a channel points to, and its history
//   MODEL/audit/TIME-RANDOM.json        one object per publish, promote and rollback
std::string version_prefix(const std::string& model, const std::string& version);
std::string manifest_key(const std::string& model, const std::string& version);
// Where gc keeps the manifest of a version it hid until it deletes the files (or puts the
// manifest back): found without a manifest, the version is one an interrupted gc was removing.
std::string hidden_manifest_key(const std::string& model, const std::string& version);
std::string channel_key(const std::string& model, const std::string& channel);
std::string audit_prefix(const std::string& model);
// A stored audit event, validated like a channel pointer (exit 5 `malformed audit event: ...`):
// JSON without a key twice, an object, its text fields printable.
nlohmann::ordered_json parse_audit_event(const std::string& body, const std::string& where);

// Model, version and channel names become path segments on every backend: a letter or
// digit, then letters, digits and . _ - +, at most 128 characters. Usage error otherwise.
void check_name(const std::string& what, const std::string& name);
// A published file's name: no "/", no leading ".", no control characters, not the
// manifest's own name. `origin` is the local path it came from, for the message.
void check_file_name(const std::string& name, const std::string& origin);

// Whether a publish attempt's folder ("upload-TIME-RANDOM") was started so long ago (a day)
// that no publish still writes into it: a killed attempt's, which may go.
bool is_stale_attempt_folder(const std::string& folder);

// Versions in natural order: runs of digits compare as numbers, so 1.10 follows 1.9.
bool version_less(const std::string& a, const std::string& b);

struct ManifestFile {
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;
};

// A published version's manifest as stored, checked to be well formed.
struct Manifest {
  nlohmann::ordered_json doc;
  std::string sha256;  // of the stored bytes; channels record it
  std::vector<ManifestFile> files;
  // Where its files are: the version's prefix, plus the folder of the publish attempt that
  // won ("files_folder", on backends that stage per attempt in place).
  std::string files_prefix;
  std::string file_key(const std::string& name) const { return files_prefix + name; }
};

// A channel pointer (CH.json) as stored, with the token a conditional write needs.
struct Channel {
  nlohmann::ordered_json doc;
  std::string etag;
  std::string version;
  std::string manifest_sha256;
};

struct PublishRequest {
  std::string model;
  std::string version;
  std::vector<std::string> files;  // local paths; stored under their base names
  std::optional<nlohmann::ordered_json> metrics;
  std::vector<std::pair<std::string, std::string>> meta;  // --meta key=value, in order
};

struct PublishResult {
  Manifest manifest;
  bool already_published = false;  // byte-identical re-publish: nothing was written
};

struct ChannelChange {
  std::string channel;
  std::string version;                  // where the channel points now
  std::optional<std::string> previous;  // where it pointed before (none: new channel)
  bool changed = false;                 // false: it already pointed there
  int attempts = 0;                     // read-modify-write rounds (> 1: lost a race)
  Channel pointer;
  // The manifest of `version` as the change read it, before the write: a gc may hide it
  // right after (and puts it back, a channel pointing to it), so it is not read again.
  std::optional<Manifest> manifest;
};

struct FileCheck {
  ManifestFile expected;
  std::optional<FileDigest> actual;  // none: missing from the store
  bool ok() const { return actual && actual->size == expected.size && actual->sha256 == expected.sha256; }
};

struct VersionSummary {
  std::string version;
  Manifest manifest;
  std::vector<std::string> channels;  // channels that point to it
};

struct ModelListing {
  std::vector<VersionSummary> versions;                   // complete versions, natural order
  std::vector<std::pair<std::string, Channel>> channels;  // by channel name
  std::vector<std::string> incomplete;                    // files without a manifest
  std::vector<std::string> removing;                      // hidden by a gc that did not finish
  // Versions and channels whose stored object is malformed: (name, the error's text), each
  // listed beside the good ones; the list command then exits 5.
  std::vector<std::pair<std::string, std::string>> malformed_versions, malformed_channels;
};

// Either a version or a channel, as the show/fetch/verify commands take them.
struct Selector {
  std::optional<std::string> version;
  std::optional<std::string> channel;
};

// The registry's rules over any Storage backend. Every failure throws lean::Error with the
// exit status of docs/conventions.md.
class Registry {
 public:
  using Log = std::function<void(const std::string&)>;
  explicit Registry(Storage& storage, Log log = {});

  PublishResult publish(const PublishRequest& request);
  // `verify_files`: re-read every file of the version before pointing the channel at it.
  ChannelChange promote(const std::string& model, const std::string& version, const std::string& channel,
                        bool verify_files);
  // Back to the previous version in the channel's history, or to `to` (which must be in it).
  // `only_from` (--if-version): only while the channel points to it, checked on each
  // read-modify-write round right before the write; otherwise the channel is left as it is
  // (changed: false, version: where it points).
  ChannelChange rollback(const std::string& model, const std::string& channel, const std::optional<std::string>& to,
                         const std::optional<std::string>& only_from = std::nullopt);

  std::vector<std::string> models();
  ModelListing list(const std::string& model);
  // The version a selector names and its manifest (a channel must point to an intact
  // manifest). `require_files`: every file of the manifest must be in the store (exit 5);
  // verify passes false to report each missing file itself.
  std::pair<std::string, Manifest> resolve(const std::string& model, const Selector& selector,
                                           bool require_files = true);
  std::optional<Channel> channel(const std::string& model, const std::string& channel);

  // The metrics published with the version a channel points to (ml-compare's baseline);
  // nullopt while the channel does not exist. A version without metrics is an input error.
  struct ChannelMetrics {
    std::string version;
    std::string metrics_json;  // the manifest's "metrics" object
    std::string source;        // the manifest's location, for messages
  };
  std::optional<ChannelMetrics> channel_metrics(const std::string& model, const std::string& channel);

  // Downloads a version into a temporary folder beside `dest`, checks every file and every
  // target, and only then moves them into `dest`: on any failure `dest` is left as it was.
  // Other files in `dest` stay, unless `clean`: then `dest` holds exactly the version's files.
  std::vector<ManifestFile> fetch(const std::string& model, const std::string& version, const Manifest& manifest,
                                  const std::string& dest, bool clean = false);
  // What interrupted writes left in a version's folder: temporaries and the files of
  // attempts that did not become the version (the next publish removes stale ones).
  struct Leftover {
    std::string location;
    bool temporary = false;  // an interrupted write's; otherwise a stored file no manifest names
  };
  std::vector<Leftover> leftovers(const std::string& model, const std::string& version, const Manifest& manifest);
  // Removes what killed publishes left under any version of the model, also of a version
  // never published again: stale temporaries, and attempt folders more than a day old of
  // versions without a manifest (none gc hid). Returns where they were. Publish and gc run it.
  std::vector<std::string> remove_stale_leftovers(const std::string& model);
  // Re-reads every file of a version and compares it with the manifest.
  std::vector<FileCheck> verify(const std::string& model, const std::string& version, const Manifest& manifest);

  // The copy of its manifest gc keeps while a version is hidden (ModelListing::removing);
  // nullopt when there is none. Validated like any manifest.
  std::optional<Manifest> hidden_manifest(const std::string& model, const std::string& version);

  // "REGISTRY/KEY", the subject of messages about a stored object (or folder: no trailing "/").
  std::string location(const std::string& key) const;

 private:
  Manifest load_manifest(const std::string& model, const std::string& version);
  std::vector<std::string> missing_files(const Manifest& manifest);
  Manifest load_complete(const std::string& model, const std::string& version);
  std::optional<Channel> read_channel(const std::string& model, const std::string& channel);
  // Whether the store enforces conditional writes; the first ask of an S3 store writes a
  // probe object, which --verbose shows.
  bool conditional_writes_atomic();
  [[noreturn]] void throw_no_version(const std::string& model, const std::string& version);
  [[noreturn]] void throw_no_model(const std::string& model);
  [[noreturn]] void throw_no_channel(const std::string& model, const std::string& channel);
  // `name`: the event's fixed object name (written if absent), else a fresh one.
  void record_event(const std::string& model, nlohmann::ordered_json event,
                    const std::optional<std::string>& name = std::nullopt);
  // The new pointer for the current one (none: the channel does not exist yet), or none
  // to leave it as it is.
  using ChannelEdit = std::function<std::optional<nlohmann::ordered_json>(const std::optional<Channel>&)>;
  // Read-modify-write of a channel with a conditional put, repeated when another writer
  // changed it in between.
  ChannelChange update_channel(const std::string& model, const std::string& channel, const ChannelEdit& edit);
  void log(const std::string& line) const;
  // The steps of publish: its inputs, checked before anything is written; a version found
  // published (identical and intact, or a conflict); the files uploaded into an attempt.
  struct PublishInputs;
  PublishResult settle_published(const PublishInputs& inputs, const StoredObject& stored);
  nlohmann::ordered_json upload_files(const PublishInputs& inputs, const std::vector<std::string>& keys,
                                      const std::string& attempt);

  Storage& storage_;
  Log log_;
};

}  // namespace lean
