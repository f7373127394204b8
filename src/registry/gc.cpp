#include "registry/gc.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/timestamp.hpp"
#include "crypto/sha256.hpp"
#include "registry/channel_history.hpp"
#include "registry/provenance.hpp"

namespace lean {
namespace {

// Why each version must stay because of a channel: "channel production", "history of canary".
std::map<std::string, std::string> channel_holds(Storage& storage, Registry& registry, const std::string& model,
                                                 std::size_t keep_history) {
  std::map<std::string, std::string> holds;
  const std::string prefix = model + "/channels/";
  for (const auto& key : storage.list(prefix)) {
    const std::string rest = key.substr(prefix.size());
    if (rest.size() <= 5 || rest.compare(rest.size() - 5, 5, ".json") != 0 || rest.find('/') != std::string::npos)
      continue;
    const std::string name = rest.substr(0, rest.size() - 5);
    const std::optional<Channel> pointer = registry.channel(model, name);
    if (!pointer) continue;
    holds.emplace(pointer->version, "channel " + name);
    std::size_t taken = 0;
    const auto history = pointer->doc.find("history");
    if (history == pointer->doc.end() || !history->is_array()) continue;
    for (const auto& entry : *history) {
      if (taken++ == keep_history) break;
      if (entry.contains("version") && entry["version"].is_string()) {
        holds.emplace(entry["version"].get<std::string>(), "history of " + name);
      }
    }
  }
  return holds;
}

GcVersion describe_version(const VersionSummary& summary) {
  return {summary.version, summary.manifest.doc.value("created_at", ""), "", summary.manifest.sha256,
          summary.manifest.files.size()};
}

void write_delete_event(Storage& storage, Registry& registry, const std::string& model, const GcVersion& v) {
  write_audit_event(
      storage, registry, model,
      {{"event", "delete"}, {"model", model}, {"version", v.version}, {"manifest_sha256", v.manifest_sha256}});
}

// The last step of a deletion, after its audit event: gc's copy of the manifest (until then
// an interrupted run is finished by the next one) and, on a folder, the empty version folder.
void remove_hidden_copy(Storage& storage, const std::string& model, const std::string& version) {
  if (!storage.remove_unless_published(manifest_key(model, version), {hidden_manifest_key(model, version)})) {
    storage.remove(hidden_manifest_key(model, version));  // published again: that version stays
  }
}

// Whether every file a manifest names is still stored: a gc interrupted while it deleted a
// version's files left some of them gone.
bool files_present(Storage& storage, const std::string& model, const std::string& version, const Manifest& manifest) {
  std::set<std::string> stored;
  for (auto& key : storage.list(version_prefix(model, version))) stored.insert(std::move(key));
  return std::all_of(manifest.files.begin(), manifest.files.end(),
                     [&](const ManifestFile& file) { return stored.count(manifest.file_key(file.name)) > 0; });
}

// Versions an interrupted gc hid (its copy of the manifest is there, the manifest is not):
// one whose files are all there gets its manifest back, so this run decides about it like
// about any other version; one whose deletion had begun is finished (its files, its audit
// event, the copy) and returned.
std::vector<GcVersion> finish_interrupted(Storage& storage, Registry& registry, const std::string& model) {
  std::vector<GcVersion> finished;
  const std::string prefix = model + "/versions/";
  for (const auto& key : storage.list(prefix)) {
    const std::string rest = key.substr(prefix.size());
    const std::string version = rest.substr(0, rest.find('/'));
    if (key != hidden_manifest_key(model, version)) continue;
    if (storage.get(manifest_key(model, version))) {  // published again since: that version stays as it is
      storage.remove(key);
      continue;
    }
    const std::optional<Manifest> copy = registry.hidden_manifest(model, version);
    if (copy && !files_present(storage, model, version, *copy)) {
      for (const auto& file : copy->files) storage.remove(copy->file_key(file.name));
      GcVersion v = describe_version({version, *copy, {}});
      write_delete_event(storage, registry, model, v);
      remove_hidden_copy(storage, model, version);
      v.reason = "deleted (finishing a gc that was interrupted)";
      finished.push_back(std::move(v));
      continue;
    }
    if (const std::optional<StoredObject> body = storage.get(key)) {
      // Absent only: a publish that lands meanwhile keeps its manifest.
      storage.put(manifest_key(model, version), body->body, WriteCondition::absent());
    }
    storage.remove(key);
  }
  return finished;
}

}  // namespace

GcResult collect_garbage(Storage& storage, Registry& registry, const GcRequest& request) {
  GcResult result;
  if (!request.dry_run && !storage.removes_versions_whole()) {
    result.deleted = finish_interrupted(storage, registry, request.model);
  }
  ModelListing listing = registry.list(request.model);  // an unknown model fails before anything goes
  if (!request.dry_run) result.leftovers_removed = registry.remove_stale_leftovers(request.model);
  std::vector<VersionSummary>& versions = listing.versions;
  // A dry run restores nothing, so it decides about what an interrupted gc hid from gc's copy
  // of the manifest, as the real run does once it has put the manifest back.
  std::set<std::string> hidden_before;
  std::vector<GcVersion> half_deleted;  // --dry-run: what the real run finishes deleting first
  if (request.dry_run) {
    for (const auto& version : listing.removing) {
      if (std::optional<Manifest> copy = registry.hidden_manifest(request.model, version)) {
        if (!files_present(storage, request.model, version, *copy)) {
          half_deleted.push_back(describe_version({version, *copy, {}}));
          half_deleted.back().hidden = true;
          half_deleted.back().reason = "would be deleted; a gc that did not finish was deleting it: gc finishes it";
          continue;
        }
        versions.push_back({version, std::move(*copy), {}});
        hidden_before.insert(version);
      }
    }
  }
  // Newest first: by creation time, then by version order.
  std::stable_sort(versions.begin(), versions.end(), [](const VersionSummary& a, const VersionSummary& b) {
    const std::string ca = a.manifest.doc.value("created_at", ""), cb = b.manifest.doc.value("created_at", "");
    if (ca != cb) return ca > cb;
    return version_less(b.version, a.version);
  });
  const double now = static_cast<double>(now_epoch_seconds());
  const auto holds = channel_holds(storage, registry, request.model, request.keep_history);

  std::vector<GcVersion> candidates;
  std::map<std::string, Manifest> manifests;  // of the candidates, as gc found them
  for (std::size_t i = 0; i < versions.size(); ++i) {
    GcVersion v = describe_version(versions[i]);
    manifests[v.version] = versions[i].manifest;
    const auto created = parse_timestamp(v.created_at);
    if (i < request.keep) {
      v.reason = "one of the newest " + std::to_string(request.keep);
    } else if (auto hold = holds.find(v.version); hold != holds.end()) {
      v.reason = hold->second;
    } else if (request.keep_days && (!created || now - *created < *request.keep_days * 86400)) {
      v.reason = "younger than " + format_number(*request.keep_days) + " days";
    }
    if (!v.reason.empty()) {
      result.kept.push_back(std::move(v));
    } else {
      candidates.push_back(std::move(v));
    }
  }
  std::reverse(candidates.begin(), candidates.end());  // oldest first
  if (request.dry_run) {
    for (auto& v : result.kept) {
      v.hidden = hidden_before.count(v.version) > 0;
      if (v.hidden) v.reason += "; hidden by an ml-release gc that did not finish: gc restores its manifest";
    }
    for (auto& v : candidates) {
      v.hidden = hidden_before.count(v.version) > 0;
      v.reason = v.hidden ? "would be deleted; hidden by an ml-release gc that did not finish: gc finishes deleting it"
                          : "would be deleted";
    }
    result.deleted = std::move(half_deleted);
    result.deleted.insert(result.deleted.end(), candidates.begin(), candidates.end());
    return result;
  }

  // A fresh look at the channels right before a version goes: one a promote made since gc
  // started is kept.
  const auto kept_since_start = [&](GcVersion& v) {
    const auto now_holds = channel_holds(storage, registry, request.model, request.keep_history);
    const auto hold = now_holds.find(v.version);
    if (hold == now_holds.end()) return false;
    v.reason = hold->second + " (since gc started)";
    result.kept.push_back(std::move(v));
    return true;
  };

  if (storage.removes_versions_whole()) {
    // One request deletes the whole version (a GitHub release), so it is never half deleted
    // and cannot be hidden first: each version is re-checked against every channel right
    // before it goes (the window that remains: docs/ml-release.md).
    for (auto& v : candidates) {
      if (kept_since_start(v)) continue;
      storage.remove_version(request.model, v.version);
      write_delete_event(storage, registry, request.model, v);
      v.reason = "deleted";
      result.deleted.push_back(std::move(v));
    }
    return result;
  }

  // Pass 1: hide, each after a fresh look at the channels. The manifest is copied aside
  // first, so a gc interrupted from here on is finished by the next one.
  struct Hidden {
    GcVersion version;
    std::string manifest_body;
  };
  std::vector<Hidden> hidden;
  for (auto& v : candidates) {
    if (kept_since_start(v)) continue;
    const std::string key = manifest_key(request.model, v.version);
    const std::optional<StoredObject> manifest = storage.get(key);
    if (!manifest) continue;                                        // deleted by someone else meanwhile
    if (sha256_hex(manifest->body) != v.manifest_sha256) continue;  // deleted and published again meanwhile
    storage.put(hidden_manifest_key(request.model, v.version), manifest->body, WriteCondition::always());
    storage.remove(key);
    hidden.push_back({std::move(v), manifest->body});
  }
  if (hidden.empty()) return result;

  // Pass 2: a promote that read a manifest before it was hidden has had time to write.
  if (request.grace_seconds > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(request.grace_seconds));
  }
  // A version published again while it was hidden (its manifest is there again: that
  // publish reported success) is kept; only the files of the hidden manifest that the new
  // one does not name go.
  const auto published_again = [&](Hidden& h) {
    const std::string version = h.version.version;
    const Manifest republished = registry.resolve(request.model, Selector{version, std::nullopt}, false).second;
    std::set<std::string> named;
    for (const auto& file : republished.files) named.insert(republished.file_key(file.name));
    const Manifest& before = manifests.at(version);
    for (const auto& file : before.files) {
      if (!named.count(before.file_key(file.name))) storage.remove(before.file_key(file.name));
    }
    storage.remove(hidden_manifest_key(request.model, version));
    h.version = describe_version({version, republished, {}});
    h.version.reason = "published again since gc started";
    result.kept.push_back(std::move(h.version));
  };
  // Pass 3: each version re-checked against every channel right before its files go; one
  // that a channel now points to gets its manifest back instead.
  for (auto& h : hidden) {
    const std::string& version = h.version.version;
    const auto holds_now = channel_holds(storage, registry, request.model, request.keep_history);
    if (auto hold = holds_now.find(version); hold != holds_now.end()) {
      storage.put(manifest_key(request.model, version), h.manifest_body, WriteCondition::absent());
      storage.remove(hidden_manifest_key(request.model, version));
      h.version.reason = hold->second + " (since gc started; manifest restored)";
      result.kept.push_back(h.version);
      continue;
    }
    // The hidden copy goes last: until then an interrupted run is finished by the next one.
    // Only what no publish can still be writing goes: the hidden manifest's files, files
    // outside attempt folders, and attempt folders a day old. Where each publish attempt keeps
    // its files in a folder of its own (S3, GitLab) and no lock keeps a publish from
    // completing between the check for a new manifest and the deletion, a publish that
    // completes meanwhile so keeps its files, and the check after the deletion sees it.
    const std::string prefix = version_prefix(request.model, version);
    std::set<std::string> named;
    for (const auto& file : manifests.at(version).files) named.insert(manifests.at(version).file_key(file.name));
    std::vector<std::string> keys;
    for (const auto& key : storage.list(prefix)) {
      if (key == hidden_manifest_key(request.model, version)) continue;
      const std::string rest = key.substr(prefix.size());
      const std::size_t slash = rest.find('/');
      if (named.count(key) || slash == std::string::npos || is_stale_attempt_folder(rest.substr(0, slash))) {
        keys.push_back(key);
      }
    }
    if (!storage.remove_unless_published(manifest_key(request.model, version), keys)) {
      published_again(h);
      continue;
    }
    if (const std::optional<StoredObject> again = storage.get(manifest_key(request.model, version))) {
      if (sha256_hex(again->body) != h.version.manifest_sha256) {
        published_again(h);  // completed between the check and the deletion, with its own files
        continue;
      }
      // The hidden manifest itself, put back by another gc that restored it meanwhile: its
      // files are gone, so it goes too rather than naming files that are not there.
      storage.remove(manifest_key(request.model, version));
    }
    write_delete_event(storage, registry, request.model, h.version);
    remove_hidden_copy(storage, request.model, version);
    h.version.reason = "deleted";
    result.deleted.push_back(std::move(h.version));
  }
  return result;
}

}  // namespace lean
