#include "storage/github_storage.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>
#include <set>
#include <thread>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "crypto/sha256.hpp"
#include "storage/forge_common.hpp"
#include "storage/hashing_io.hpp"
#include "storage/layout.hpp"

namespace lean {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kMarker = "<!-- ml-release:";
constexpr long long kStaleDraftSeconds = 24 * 3600;  // a publish attempt's draft left this long was killed

using forge::id_of;
using forge::KeyRef;
constexpr auto kGenerationNames = forge::GenerationNames::plain;
using forge::parse_key;

// Seconds since the epoch of GitHub's "2026-11-05T10:11:12Z"; 0 when unparsable.
long long epoch_of(const std::string& timestamp) {
  std::tm tm{};
  if (timestamp.empty() || !::strptime(timestamp.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
  return static_cast<long long>(::timegm(&tm));
}

// An asset still uploading whose last change is older than `stale_after` was left by an
// interrupted upload.
bool stale_asset(const GithubAsset& asset, milliseconds stale_after) {
  const long long changed = epoch_of(asset.updated_at);
  return changed == 0 || (github_clock_seconds() - changed) * 1000 > stale_after.count();
}

// The marker in a release's body that says which model (and version, or role) it holds;
// releases without one are not the registry's and are never touched.
std::optional<json> marker_of(const std::string& body) {
  const std::size_t start = body.find(kMarker);
  if (start == std::string::npos) return std::nullopt;
  const std::size_t from = start + std::string(kMarker).size();
  const std::size_t end = body.find("-->", from);
  if (end == std::string::npos) return std::nullopt;
  try {
    json doc = json::parse(body.substr(from, end - from));
    if (doc.is_object() && doc.contains("model") && doc["model"].is_string()) return doc;
  } catch (const json::exception&) {
  }
  return std::nullopt;
}

std::string marker_line(const json& doc) { return std::string(kMarker) + doc.dump() + " -->"; }

std::string version_prefix_of(const KeyRef& ref) { return ref.model + "/versions/" + ref.version; }

// The real file name of a version's asset: its label when we set one, else the decoded name.
std::optional<std::string> real_name(const GithubAsset& asset) {
  auto decoded = forge::decode_name(asset.name);
  if (!asset.label.empty() && decoded && forge::encode_name(asset.label) == asset.name) return asset.label;
  return decoded;
}

class GithubStorage : public Storage {
 public:
  GithubStorage(std::string url, std::string repo, GithubOptions options, std::string api_url, std::string token)
      : url_(std::move(url)),
        options_(std::move(options)),
        api_(std::move(api_url), repo, std::move(token), url_, options_.http) {
    requested_format_ = options_.tag_format;
    if (options_.tag_format.empty()) options_.tag_format = "{model}-v{version}";
  }

  std::optional<StoredObject> get(const std::string& key) override;
  bool put(const std::string& key, const std::string& body, const WriteCondition& condition) override;
  FileDigest upload_file(const std::string& key, const std::string& local_path) override;
  FileDigest download_file(const std::string& key, const std::string& local_path) override;
  std::vector<std::string> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  // A publish attempt uploads into a draft release of its own, which only it ever changes;
  // publishing the draft is the if-absent step (GitHub publishes one release per tag).
  FileDigest stage_file(const std::string& key, const std::string& local_path, const std::string& attempt) override;
  bool commit_version(const std::string& manifest_key, const std::string& manifest_body,
                      const std::vector<std::string>& file_keys, const std::string& attempt) override;
  void discard_staged(const std::vector<std::string>& file_keys, const std::string& attempt) override;
  std::vector<std::string> leftovers(const std::string& prefix) override;
  // A version is a release: deleting the release deletes every file and the manifest at once
  // (also an immutable release, whose assets cannot be deleted one by one).
  bool removes_versions_whole() const override { return true; }
  void remove_version(const std::string& model, const std::string& version) override;
  bool atomic_conditional_writes() const override { return true; }
  std::string describe() const override { return url_; }

 private:
  std::string location(const std::string& key) const { return url_ + "/" + key; }
  std::string tag_of(const std::string& model, const std::string& version) {
    return github_tag(tag_format_of(model), model, version);
  }
  // The tag format of a model's versions: the one recorded in the marker of its first
  // version release, so later runs need no --tag-format; else --tag-format or the default.
  std::string tag_format_of(const std::string& model);
  const std::vector<GithubRelease>& all_releases(bool fresh);
  // The release of a version: the published one, else the oldest draft with its tag.
  std::optional<GithubRelease> version_release(const KeyRef& ref, bool fresh);
  GithubRelease version_release_for_upload(const KeyRef& ref, const std::string& key);
  // The body of a version's draft release; `attempt` names the publish attempt that owns it.
  json version_release_body(const KeyRef& ref, const std::string& attempt);
  // The published release of a version (nullopt while there is none); exit 5 for a release
  // of that tag that ml-release did not create.
  std::optional<GithubRelease> published_version(const KeyRef& ref);
  // The draft of a publish attempt, created on its first file; older drafts of the version
  // that killed attempts left (a day old) go then. nullopt when another run has published the
  // version since (GitHub refuses a draft of a published tag).
  std::optional<GithubRelease> attempt_draft(const KeyRef& ref, const std::string& attempt);
  // The draft that holds a model's channels ("channels") or audit events ("audit").
  std::optional<GithubRelease> state_release(const std::string& model, const std::string& role, bool create);
  GithubRelease create_converging(const json& body, const std::function<bool(const GithubRelease&)>& same);
  // Uploads `source` as `name` into the release, replacing what an interrupted upload left.
  // Returns the asset, or nullopt when an uploaded asset of that name is there already and
  // `accept_existing` says it is not ours to replace.
  std::optional<GithubAsset> upload(const GithubRelease& release, const std::string& name, const std::string& label,
                                    http::BodySource& source, const std::string& key,
                                    const std::function<bool(const GithubAsset&)>& replace_existing);
  void check_uploaded(const GithubAsset& asset, const FileDigest& sent, const std::string& key);
  std::string download_small(long long asset_id, const std::string& key);
  bool stale(const GithubAsset& asset) const { return stale_asset(asset, options_.stale_after); }
  bool put_manifest(const KeyRef& ref, const std::string& key, const std::string& body);
  bool put_channel(const KeyRef& ref, const std::string& key, const std::string& body, const WriteCondition& condition);
  // The uploaded generations of a channel in the state release, by generation.
  static std::map<long long, GithubAsset> generations(const GithubRelease& release, const std::string& channel,
                                                      bool uploaded_only);

  std::string url_;
  GithubOptions options_;
  GithubApi api_;
  std::optional<std::vector<GithubRelease>> releases_;
  std::map<std::string, GithubRelease> state_;           // "MODEL/role" -> its draft
  std::map<std::string, GithubRelease> attempt_drafts_;  // publish attempt -> its own draft
  std::string requested_format_;                         // --tag-format as given ("": not given)
  std::map<std::string, std::string> recorded_formats_;  // model -> recorded format ("": none yet)
};

const std::vector<GithubRelease>& GithubStorage::all_releases(bool fresh) {
  if (fresh || !releases_) releases_ = api_.releases();
  return *releases_;
}

std::string GithubStorage::tag_format_of(const std::string& model) {
  auto it = recorded_formats_.find(model);
  if (it == recorded_formats_.end()) {
    std::optional<GithubRelease> first;
    for (const auto& release : all_releases(false)) {
      const auto m = marker_of(release.body);
      if (m && text_of(*m, "model") == model && !text_of(*m, "tag_format").empty() &&
          (!first || release.id < first->id)) {
        first = release;
      }
    }
    it = recorded_formats_.emplace(model, first ? text_of(*marker_of(first->body), "tag_format") : "").first;
  }
  const std::string recorded = it->second;
  if (recorded.empty()) return options_.tag_format;
  if (!requested_format_.empty() && requested_format_ != recorded) {
    throw_usage("--tag-format \"" + requested_format_ + "\" conflicts with \"" + recorded + "\", the tag format " +
                model + " was first published with (recorded in " + url_ + "); leave --tag-format out");
  }
  return recorded;
}

std::optional<GithubRelease> GithubStorage::version_release(const KeyRef& ref, bool fresh) {
  const std::string tag = tag_of(ref.model, ref.version);
  auto ours = [&](const GithubRelease& release) {
    const auto marker = marker_of(release.body);
    return marker && text_of(*marker, "model") == ref.model && text_of(*marker, "version") == ref.version;
  };
  if (auto published = api_.release_by_tag(tag)) {
    if (!ours(*published)) {
      throw Error(ExitStatus::integrity, location(version_prefix_of(ref)),
                  "tag " + tag + " belongs to a release ml-release did not create; choose another --tag-format");
    }
    return published;
  }
  std::optional<GithubRelease> found;
  for (const auto& release : all_releases(fresh)) {
    if (release.draft && release.tag == tag && ours(release) && (!found || release.id < found->id)) found = release;
  }
  return found;
}

GithubRelease GithubStorage::create_converging(const json& body,
                                               const std::function<bool(const GithubRelease&)>& same) {
  std::optional<GithubRelease> created = api_.create_release(body);
  releases_.reset();
  // Two runs that create the same draft at once keep the older one: the newer deletes its own.
  std::optional<GithubRelease> oldest;
  for (const auto& release : all_releases(true)) {
    if (release.draft && same(release) && (!oldest || release.id < oldest->id)) oldest = release;
  }
  if (created && oldest && oldest->id < created->id) {
    api_.delete_release(created->id);
    releases_.reset();
    return *oldest;
  }
  if (created) return *created;
  if (oldest) return *oldest;
  throw Error(ExitStatus::remote, url_, "GitHub did not create release " + body.value("tag_name", std::string()));
}

GithubRelease GithubStorage::version_release_for_upload(const KeyRef& ref, const std::string& key) {
  if (auto release = version_release(ref, false)) {
    if (!release->draft) {
      throw Error(
          ExitStatus::integrity, location(key),
          "version " + ref.version + " of " + ref.model + " was published by another run meanwhile; publish again");
    }
    return *release;
  }
  const std::string tag = tag_of(ref.model, ref.version);
  return create_converging(version_release_body(ref, ""), [&](const GithubRelease& release) {
    const auto m = marker_of(release.body);
    return release.tag == tag && m && text_of(*m, "model") == ref.model && text_of(*m, "version") == ref.version;
  });
}

json GithubStorage::version_release_body(const KeyRef& ref, const std::string& attempt) {
  // The format is recorded with the version (the first one records it for the model).
  json marker = {{"model", ref.model}, {"version", ref.version}, {"tag_format", tag_format_of(ref.model)}};
  if (!attempt.empty()) marker["attempt"] = attempt;
  return {{"tag_name", tag_of(ref.model, ref.version)},
          {"name", ref.model + " " + ref.version},
          {"body", "Version " + ref.version + " of model " + ref.model +
                       ", published by ml-release: every file is verified against manifest.json "
                       "(`ml-release fetch`).\n\n" +
                       marker_line(marker)},
          {"draft", true},
          {"prerelease", false}};
}

std::optional<GithubRelease> GithubStorage::published_version(const KeyRef& ref) {
  std::optional<GithubRelease> release = version_release(ref, false);
  if (release && release->draft) return std::nullopt;
  return release;
}

std::optional<GithubRelease> GithubStorage::attempt_draft(const KeyRef& ref, const std::string& attempt) {
  if (auto it = attempt_drafts_.find(attempt); it != attempt_drafts_.end()) return it->second;
  // Drafts of this version that killed attempts left: invisible to readers, gone after a day
  // (longer than any upload runs, so a live attempt's draft is never one of them).
  for (const auto& release : all_releases(true)) {
    const auto marker = marker_of(release.body);
    if (!release.draft || !marker || text_of(*marker, "model") != ref.model ||
        text_of(*marker, "version") != ref.version) {
      continue;
    }
    const long long created = epoch_of(release.created_at);
    if (created != 0 && github_clock_seconds() - created > kStaleDraftSeconds) api_.delete_release(release.id);
  }
  std::optional<GithubRelease> created = api_.create_release(version_release_body(ref, attempt));
  releases_.reset();
  if (!created) {
    if (published_version(ref)) return std::nullopt;
    throw Error(ExitStatus::remote, location(version_prefix_of(ref)), "GitHub did not create a draft release");
  }
  return attempt_drafts_[attempt] = *created;
}

std::optional<GithubRelease> GithubStorage::state_release(const std::string& model, const std::string& role,
                                                          bool create) {
  const std::string id = model + "/" + role;
  auto same = [&](const GithubRelease& release) {
    const auto m = marker_of(release.body);
    return release.draft && m && text_of(*m, "model") == model && text_of(*m, "role") == role;
  };
  if (auto it = state_.find(id); it != state_.end()) {
    if (auto fresh = api_.release(it->second.id)) return state_[id] = *fresh;
    state_.erase(it);
  }
  std::optional<GithubRelease> found;
  for (const auto& release : all_releases(false)) {
    if (same(release) && (!found || release.id < found->id)) found = release;
  }
  if (found) {
    if (auto fresh = api_.release(found->id)) return state_[id] = *fresh;
  }
  if (!create) return std::nullopt;
  json body = {{"tag_name", "ml-registry/" + model + "/" + role},
               {"name", "ml-release " + role + " of " + model + " (registry state: keep as a draft)"},
               {"body", "The " + role + " of model " + model +
                            " in this repository's ml-release registry. A draft on purpose: do not publish or edit it."
                            "\n\n" +
                            marker_line({{"model", model}, {"role", role}})},
               {"draft", true},
               {"prerelease", false}};
  return state_[id] = create_converging(body, same);
}

void GithubStorage::check_uploaded(const GithubAsset& asset, const FileDigest& sent, const std::string& key) {
  const bool digest_differs = !asset.digest.empty() && asset.digest != "sha256:" + sent.sha256;
  if (asset.size != sent.size || digest_differs) {
    api_.delete_asset(asset.id);
    throw Error(ExitStatus::integrity, location(key),
                "GitHub stored other bytes than were sent (" + std::to_string(asset.size) + " bytes, " +
                    (asset.digest.empty() ? std::string("no digest") : asset.digest) + "; sent " +
                    std::to_string(sent.size) + " bytes, sha256:" + sent.sha256 + "); publish again");
  }
}

std::optional<GithubAsset> GithubStorage::upload(const GithubRelease& release, const std::string& name,
                                                 const std::string& label, http::BodySource& source,
                                                 const std::string& key,
                                                 const std::function<bool(const GithubAsset&)>& replace_existing) {
  // GitHub's contract for this endpoint names application/octet-stream only.
  return upload_asset_resolving_clash(api_, release, name, label, source, "application/octet-stream", replace_existing,
                                      options_, location(key));
}

std::string GithubStorage::download_small(long long asset_id, const std::string& key) {
  HashingSink sink;
  if (!api_.download_asset(asset_id, sink))
    throw Error(ExitStatus::remote, location(key), "vanished while it was read");
  sink.finish();
  return sink.memory();
}

std::map<long long, GithubAsset> GithubStorage::generations(const GithubRelease& release, const std::string& channel,
                                                            bool uploaded_only) {
  std::map<long long, GithubAsset> out;
  for (const auto& asset : release.assets) {
    if (uploaded_only && asset.state != "uploaded") continue;
    if (auto gen = forge::parse_generation(asset.name, kGenerationNames); gen && gen->first == channel)
      out[gen->second] = asset;
  }
  return out;
}

std::optional<StoredObject> GithubStorage::get(const std::string& key) {
  const KeyRef ref = parse_key(key);
  switch (ref.kind) {
    case KeyRef::Kind::manifest: {
      // A version exists once its release is published: a draft's manifest is not there yet.
      std::optional<GithubRelease> release = api_.release_by_tag(tag_of(ref.model, ref.version));
      if (!release) return std::nullopt;
      const auto marker = marker_of(release->body);
      if (!marker || text_of(*marker, "model") != ref.model || text_of(*marker, "version") != ref.version) {
        return std::nullopt;
      }
      for (const auto& asset : release->assets) {
        if (asset.name == kManifestName && asset.state == "uploaded") {
          return StoredObject{download_small(asset.id, key), std::to_string(asset.id)};
        }
      }
      return std::nullopt;
    }
    case KeyRef::Kind::channel: {
      for (int attempt = 0; attempt < 5; ++attempt) {
        std::optional<GithubRelease> release = state_release(ref.model, "channels", false);
        if (!release) return std::nullopt;
        const auto gens = generations(*release, ref.name, true);
        if (gens.empty()) return std::nullopt;
        HashingSink sink;
        // A newer pointer may have replaced this one between the listing and the read.
        if (api_.download_asset(gens.rbegin()->second.id, sink)) {
          sink.finish();
          return StoredObject{sink.memory(), std::to_string(gens.rbegin()->first)};
        }
      }
      throw Error(ExitStatus::remote, location(key), "the channel kept changing while it was read");
    }
    case KeyRef::Kind::audit: {
      std::optional<GithubRelease> release = state_release(ref.model, "audit", false);
      if (!release) return std::nullopt;
      for (const auto& asset : release->assets) {
        if (asset.name == ref.name && asset.state == "uploaded")
          return StoredObject{download_small(asset.id, key), std::to_string(asset.id)};
      }
      return std::nullopt;
    }
    case KeyRef::Kind::version_file: {
      std::optional<GithubRelease> release = version_release(ref, true);
      if (!release) return std::nullopt;
      for (const auto& asset : release->assets) {
        if (asset.state == "uploaded" && real_name(asset) == ref.name) {
          return StoredObject{download_small(asset.id, key), std::to_string(asset.id)};
        }
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool GithubStorage::put_manifest(const KeyRef& ref, const std::string& key, const std::string& body) {
  const std::string tag = tag_of(ref.model, ref.version);
  auto manifest_in = [](const GithubRelease& r) -> std::optional<GithubAsset> {
    for (const auto& asset : r.assets) {
      if (asset.name == kManifestName) return asset;
    }
    return std::nullopt;
  };
  std::optional<GithubRelease> release = version_release(ref, true);
  if (!release) {
    try {
      release = version_release_for_upload(ref, key);
    } catch (const Error&) {
      // A matrix twin published the version since we looked: the registry compares manifests.
      if (auto done = api_.release_by_tag(tag); done && manifest_in(*done)) return false;
      throw;
    }
  }
  // Waits for a concurrent run that is completing the same version to publish it.
  auto published_by_other = [&]() -> bool {
    const auto deadline = std::chrono::steady_clock::now() + options_.wait_for_others;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto done = api_.release_by_tag(tag); done && manifest_in(*done)) return true;
      std::this_thread::sleep_for(milliseconds(500));
    }
    return false;
  };
  if (!release->draft) {
    if (auto manifest = manifest_in(*release); manifest && manifest->state == "uploaded") return false;
    throw Error(ExitStatus::integrity, location(version_prefix_of(ref)),
                "release " + tag + " is published without a manifest; delete it, or publish another version");
  }
  if (auto fresh = api_.release(release->id)) release = fresh;
  if (auto leftover = manifest_in(*release)) {
    if (leftover->state == "uploaded" && !stale(*leftover)) {
      if (published_by_other()) return false;
      throw Error(ExitStatus::integrity, location(key),
                  "another run uploaded this manifest but did not publish release " + tag + "; publish again later");
    }
    api_.delete_asset(leftover->id);  // a draft's leftover: nobody can see it
  }
  http::MemorySource source(body);
  std::optional<GithubAsset> uploaded;
  try {
    uploaded = upload(*release, kManifestName, "", source, key, [](const GithubAsset&) { return false; });
  } catch (const Error&) {
    // Another run published the version between our look and our upload (an immutable
    // release refuses the upload): the registry compares its manifest with ours.
    if (auto done = api_.release_by_tag(tag); done && manifest_in(*done)) return false;
    throw;
  }
  if (!uploaded) {
    if (published_by_other()) return false;
    throw Error(ExitStatus::integrity, location(key), "another run is publishing this version; publish again later");
  }
  check_uploaded(*uploaded, {body.size(), sha256_hex(body)}, key);
  // Every file and the manifest are in the draft: publishing makes the whole version visible
  // at once, and (with immutable releases) unchangeable. It does not become "Latest".
  api_.update_release(release->id, {{"draft", false}, {"make_latest", "false"}});
  releases_.reset();
  return true;
}

bool GithubStorage::put_channel(const KeyRef& ref, const std::string& key, const std::string& body,
                                const WriteCondition& condition) {
  GithubRelease release = *state_release(ref.model, "channels", true);
  const auto uploaded = generations(release, ref.name, true);
  const long long current = uploaded.empty() ? 0 : uploaded.rbegin()->first;
  if (condition.kind == WriteCondition::Kind::if_absent && current != 0) return false;
  if (condition.kind == WriteCondition::Kind::if_match && std::to_string(current) != condition.etag) return false;
  const long long next = current + 1;
  const std::string name = forge::generation_name(ref.name, next);
  http::MemorySource source(body);
  // The name is the lock: GitHub gives a name to one asset of a release only, so of two
  // writers that read generation N, one creates N+1 and the other gets 422 and reads again.
  std::optional<GithubAsset> asset = upload(release, name, "", source, key, [](const GithubAsset&) { return false; });
  if (!asset) return false;
  check_uploaded(*asset, {body.size(), sha256_hex(body)}, key);
  // The last kKeptGenerations stay, so a name is free again only after that many newer writes:
  // a writer that read so long ago that its N+1 had been collected sees them and backs off.
  // (Newer generations written on top of ours are normal: they read our pointer.)
  release = *state_release(ref.model, "channels", false);
  const auto after = generations(release, ref.name, false);
  if (!after.empty() && after.rbegin()->first > next + forge::kKeptGenerations) {
    api_.delete_asset(asset->id);
    return false;
  }
  for (const auto& [gen, old] : after) {
    if (gen < next - forge::kKeptGenerations && (old.state == "uploaded" || stale(old))) {
      try {
        api_.delete_asset(old.id);
      } catch (const Error&) {
        // collected on a later write
      }
    }
  }
  return true;
}

bool GithubStorage::put(const std::string& key, const std::string& body, const WriteCondition& condition) {
  const KeyRef ref = parse_key(key);
  switch (ref.kind) {
    case KeyRef::Kind::manifest:
      if (condition.kind == WriteCondition::Kind::if_match) {
        throw Error(ExitStatus::usage, location(key), "a manifest is written once");
      }
      return put_manifest(ref, key, body);
    case KeyRef::Kind::channel: return put_channel(ref, key, body, condition);
    case KeyRef::Kind::audit: {
      GithubRelease release = *state_release(ref.model, "audit", true);
      http::MemorySource source(body);
      std::optional<GithubAsset> asset = upload(release, ref.name, "", source, key, [&](const GithubAsset&) {
        return condition.kind == WriteCondition::Kind::none;
      });
      if (!asset) return false;
      check_uploaded(*asset, {body.size(), sha256_hex(body)}, key);
      return true;
    }
    case KeyRef::Kind::version_file: {
      GithubRelease release = version_release_for_upload(ref, key);
      http::MemorySource source(body);
      std::optional<GithubAsset> asset =
          upload(release, forge::encode_name(ref.name), ref.name, source, key,
                 [&](const GithubAsset&) { return condition.kind == WriteCondition::Kind::none; });
      if (!asset) return false;
      check_uploaded(*asset, {body.size(), sha256_hex(body)}, key);
      return true;
    }
  }
  return false;
}

FileDigest GithubStorage::stage_file(const std::string& key, const std::string& local_path,
                                     const std::string& attempt) {
  const KeyRef ref = parse_key(key);
  if (ref.kind != KeyRef::Kind::version_file) throw Error(ExitStatus::usage, key, "only version files are uploaded");
  std::optional<GithubRelease> draft;
  if (attempt_drafts_.count(attempt) || !published_version(ref)) draft = attempt_draft(ref, attempt);
  if (!draft) {
    // Published by another run since the registry looked: nothing is uploaded, the manifest
    // write then loses and the registry compares the manifests.
    return {HashingFileSource(local_path).size(), sha256_file_hex(local_path)};
  }
  HashingFileSource source(local_path);
  source.show_progress("upload " + location(key), options_.progress, options_.progress_min_bytes);
  // The draft is this attempt's alone: an asset of the name is its own retried upload.
  std::optional<GithubAsset> asset =
      upload(*draft, forge::encode_name(ref.name), ref.name, source, key, [](const GithubAsset&) { return true; });
  const FileDigest sent = source.digest();
  if (!asset) throw Error(ExitStatus::remote, location(key), "GitHub kept refusing the upload");
  check_uploaded(*asset, sent, key);
  return sent;
}

bool GithubStorage::commit_version(const std::string& manifest_key, const std::string& manifest_body,
                                   const std::vector<std::string>& /*file_keys*/, const std::string& attempt) {
  const KeyRef ref = parse_key(manifest_key);
  if (published_version(ref)) return false;
  const std::optional<GithubRelease> draft = attempt_draft(ref, attempt);
  if (!draft) return false;
  http::MemorySource source(manifest_body);
  std::optional<GithubAsset> asset =
      upload(*draft, kManifestName, "", source, manifest_key, [](const GithubAsset&) { return true; });
  if (!asset) throw Error(ExitStatus::remote, location(manifest_key), "GitHub kept refusing the upload");
  check_uploaded(*asset, {manifest_body.size(), sha256_hex(manifest_body)}, manifest_key);
  // Every file and the manifest are in the draft: publishing makes the whole version visible
  // at once, and (with immutable releases) unchangeable. Of two attempts, GitHub publishes one.
  releases_.reset();
  try {
    if (api_.publish_release(draft->id)) return true;
  } catch (const Error&) {
    // A dropped answer to a publish that happened: the published release tells who won.
    if (auto published = published_version(ref)) return published->id == draft->id;
    throw;
  }
  return false;
}

void GithubStorage::discard_staged(const std::vector<std::string>& /*file_keys*/, const std::string& attempt) {
  auto it = attempt_drafts_.find(attempt);
  if (it == attempt_drafts_.end()) return;
  // Only while it is still a draft: a published release is a version.
  if (auto fresh = api_.release(it->second.id); fresh && fresh->draft) api_.delete_release(fresh->id);
  attempt_drafts_.erase(it);
  releases_.reset();
}

void GithubStorage::remove_version(const std::string& model, const std::string& version) {
  KeyRef ref;
  ref.model = model;
  ref.version = version;
  if (auto published = published_version(ref)) api_.delete_release(published->id);
  // And the drafts of killed attempts of that version: nothing of it stays.
  for (const auto& release : all_releases(true)) {
    const auto marker = marker_of(release.body);
    if (release.draft && marker && text_of(*marker, "model") == model && text_of(*marker, "version") == version) {
      api_.delete_release(release.id);
    }
  }
  releases_.reset();
}

std::vector<std::string> GithubStorage::leftovers(const std::string& prefix) {
  std::vector<std::string> found;
  const std::size_t versions_at = prefix.find("/versions/");
  if (versions_at == std::string::npos) return found;
  const std::string model = prefix.substr(0, versions_at);
  std::string version = prefix.substr(versions_at + 10);
  if (!version.empty() && version.back() == '/') version.pop_back();
  for (const auto& release : all_releases(true)) {
    const auto marker = marker_of(release.body);
    if (release.draft && marker && text_of(*marker, "model") == model && text_of(*marker, "version") == version) {
      found.push_back(location(model + "/versions/" + version) + " (draft release " + std::to_string(release.id) +
                      " of an interrupted publish)");
    }
  }
  return found;
}

FileDigest GithubStorage::upload_file(const std::string& key, const std::string& local_path) {
  const KeyRef ref = parse_key(key);
  if (ref.kind != KeyRef::Kind::version_file) throw Error(ExitStatus::usage, key, "only version files are uploaded");
  if (auto published = version_release(ref, false); published && !published->draft) {
    // Another run (a matrix twin, a retried job) published this version meanwhile: the same
    // bytes are fine, the registry then compares the manifests.
    const FileDigest local{HashingFileSource(local_path).size(), sha256_file_hex(local_path)};
    for (const auto& asset : published->assets) {
      if (asset.state == "uploaded" && real_name(asset) == ref.name && asset.size == local.size &&
          (asset.digest.empty() || asset.digest == "sha256:" + local.sha256)) {
        return local;
      }
    }
    throw Error(ExitStatus::integrity, location(key),
                "version " + ref.version + " of " + ref.model +
                    " was published by another run with other files; "
                    "versions are immutable: publish a new version");
  }
  std::optional<GithubRelease> release;
  try {
    release = version_release_for_upload(ref, key);
  } catch (const Error&) {
    // Published by a twin run since we looked: compare with what it published.
    if (auto done = version_release(ref, true); done && !done->draft) return upload_file(key, local_path);
    throw;
  }
  HashingFileSource source(local_path);
  source.show_progress("upload " + location(key), options_.progress, options_.progress_min_bytes);
  std::optional<FileDigest> local;  // the local file's digest, read again only on a name clash
  auto identical_or_leftover = [&](const GithubAsset& existing) {
    if (!local) local = FileDigest{source.size(), sha256_file_hex(local_path)};
    // The same bytes from another run of the same publish (a CI retry, a matrix twin): keep them.
    if (existing.size == local->size && existing.digest == "sha256:" + local->sha256) return false;
    return true;  // a draft's leftover of an interrupted publish: nobody can see it, replace it
  };
  std::optional<GithubAsset> asset;
  try {
    asset = upload(*release, forge::encode_name(ref.name), ref.name, source, key, identical_or_leftover);
  } catch (const Error&) {
    // Published by another run meanwhile: the same bytes are fine.
    if (auto done = version_release(ref, true); done && !done->draft) return upload_file(key, local_path);
    throw;
  }
  if (!asset) return *local;
  const FileDigest sent = source.digest();
  check_uploaded(*asset, sent, key);
  return sent;
}

FileDigest GithubStorage::download_file(const std::string& key, const std::string& local_path) {
  const KeyRef ref = parse_key(key);
  std::optional<GithubAsset> found;
  if (ref.kind == KeyRef::Kind::version_file || ref.kind == KeyRef::Kind::manifest) {
    if (auto release = version_release(ref, false)) {
      for (const auto& asset : release->assets) {
        if (asset.state == "uploaded" &&
            (ref.kind == KeyRef::Kind::manifest ? asset.name == kManifestName : real_name(asset) == ref.name)) {
          found = asset;
        }
      }
    }
  } else {
    auto object = get(key);
    if (!object) throw Error(ExitStatus::integrity, location(key), "is missing from the registry");
    HashingSink sink(local_path);
    sink.write(object->body.data(), object->body.size());
    return sink.finish();
  }
  if (!found) throw Error(ExitStatus::integrity, location(key), "is missing from the registry");
  HashingSink sink(local_path);
  sink.show_progress("download " + location(key), options_.progress, options_.progress_min_bytes);
  if (!api_.download_asset(found->id, sink))
    throw Error(ExitStatus::integrity, location(key), "is missing from the registry");
  const FileDigest digest = sink.finish();
  if (!found->digest.empty() && found->digest != "sha256:" + digest.sha256) {
    throw Error(ExitStatus::integrity, location(key),
                "does not match the digest GitHub recorded (" + found->digest + "; read sha256:" + digest.sha256 + ")");
  }
  return digest;
}

std::vector<std::string> GithubStorage::list(const std::string& prefix) {
  std::vector<std::string> keys;
  auto add_version = [&](const GithubRelease& release, const std::string& model, const std::string& version) {
    for (const auto& asset : release.assets) {
      if (asset.state != "uploaded") continue;
      if (asset.name == kManifestName) {
        if (!release.draft) keys.push_back(model + "/versions/" + version + "/" + kManifestName);
      } else if (auto name = real_name(asset)) {
        keys.push_back(model + "/versions/" + version + "/" + *name);
      }
    }
  };
  // One version's files: its release alone.
  const std::size_t versions_at = prefix.find("/versions/");
  if (versions_at != std::string::npos && !prefix.empty() && prefix.back() == '/' &&
      prefix.find('/', versions_at + 10) == prefix.size() - 1) {
    KeyRef ref;
    ref.model = prefix.substr(0, versions_at);
    ref.version = prefix.substr(versions_at + 10, prefix.size() - versions_at - 11);
    if (auto release = version_release(ref, true)) {
      if (!release->draft || release->assets.empty()) {
        if (auto fresh = api_.release(release->id)) release = fresh;
      }
      add_version(*release, ref.model, ref.version);
    }
  } else {
    for (const auto& release : all_releases(true)) {
      const auto marker = marker_of(release.body);
      if (!marker) continue;
      const std::string model = text_of(*marker, "model");
      if (marker->contains("version")) {
        if (release.tag == tag_of(model, text_of(*marker, "version")))
          add_version(release, model, text_of(*marker, "version"));
      } else if (text_of(*marker, "role") == "channels" && release.draft) {
        std::set<std::string> channels;
        for (const auto& asset : release.assets) {
          if (asset.state != "uploaded") continue;
          if (auto gen = forge::parse_generation(asset.name, kGenerationNames)) channels.insert(gen->first);
        }
        for (const auto& channel : channels) keys.push_back(model + "/channels/" + channel + ".json");
      } else if (text_of(*marker, "role") == "audit" && release.draft) {
        for (const auto& asset : release.assets) {
          if (asset.state == "uploaded") keys.push_back(model + "/audit/" + asset.name);
        }
      }
    }
  }
  return forge::keys_under(std::move(keys), prefix);
}

void GithubStorage::remove(const std::string& key) {
  const KeyRef ref = parse_key(key);
  std::optional<GithubRelease> release;
  switch (ref.kind) {
    case KeyRef::Kind::version_file:
    case KeyRef::Kind::manifest:
      release = version_release(ref, true);
      if (release && !release->draft) {
        throw Error(ExitStatus::integrity, location(key), "belongs to a published version, which is immutable");
      }
      break;
    case KeyRef::Kind::channel: release = state_release(ref.model, "channels", false); break;
    case KeyRef::Kind::audit: release = state_release(ref.model, "audit", false); break;
  }
  if (!release) return;
  for (const auto& asset : api_.assets(release->id)) {
    if (forge::stores_key(ref, asset.name, real_name(asset), kGenerationNames)) api_.delete_asset(asset.id);
  }
}

}  // namespace

std::optional<GithubAsset> upload_asset_resolving_clash(GithubApi& api, const GithubRelease& release,
                                                        const std::string& name, const std::string& label,
                                                        http::BodySource& body, const std::string& content_type,
                                                        const std::function<bool(const GithubAsset&)>& replace_existing,
                                                        const GithubOptions& options, const std::string& subject) {
  const auto deadline = std::chrono::steady_clock::now() + options.wait_for_others;
  for (int round = 1;; ++round) {
    GithubApi::Upload up = api.upload_asset(release, name, label, body, content_type);
    if (up.asset) return up.asset;
    // 422 already_exists: what holds the name?
    std::optional<GithubAsset> existing;
    for (const auto& asset : api.assets(release.id)) {
      if (asset.name == name) existing = asset;
    }
    if (!existing) continue;  // removed meanwhile: upload again
    if (existing->state == "uploaded") {
      if (!replace_existing(*existing)) return std::nullopt;
      api.delete_asset(existing->id);
    } else if (up.attempts > 1 || stale_asset(*existing, options.stale_after)) {
      // A half asset: left by this upload's own dropped attempt, or by a run that died.
      api.delete_asset(existing->id);
    } else if (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(500));  // another run is uploading it right now
    } else {
      throw Error(ExitStatus::integrity, subject,
                  "another run has been uploading this file for " +
                      std::to_string(options.wait_for_others.count() / 1000) + " s; publish again later");
    }
    if (round >= 20) throw Error(ExitStatus::remote, subject, "GitHub kept refusing the upload of " + name);
  }
}

std::string github_tag(const std::string& format, const std::string& model, const std::string& version) {
  if (format.find("{version}") == std::string::npos) {
    throw_usage("invalid --tag-format \"" + format +
                "\": it needs {version} (and {model} when the repository holds several models)");
  }
  std::string out;
  for (std::size_t i = 0; i < format.size();) {
    if (format.compare(i, 7, "{model}") == 0) {
      out += model;
      i += 7;
    } else if (format.compare(i, 9, "{version}") == 0) {
      out += version;
      i += 9;
    } else {
      out += format[i++];
    }
  }
  return out;
}

std::unique_ptr<Storage> open_github_storage(const std::string& url, const GithubOptions& options) {
  // github://OWNER/REPO
  const std::string rest = url.substr(url.find("://") + 3);
  const std::size_t slash = rest.find('/');
  auto valid = [](const std::string& part) {
    return !part.empty() && part.size() <= 100 && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  };
  std::string owner = slash == std::string::npos ? rest : rest.substr(0, slash);
  std::string repo = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!repo.empty() && repo.back() == '/') repo.pop_back();
  if (!valid(owner) || !valid(repo) || repo == "." || repo == "..") {
    throw_usage("invalid registry URL \"" + url + "\": use github://OWNER/REPO");
  }
  const std::string api_url =
      forge::api_url(options.api_url, "GITHUB_API_URL", "https://api.github.com", "https://HOST[/api/v3]");
  std::string token = environment_variable("GITHUB_TOKEN");
  if (token.empty()) token = environment_variable("GH_TOKEN");
  if (!options.tag_format.empty()) github_tag(options.tag_format, "m", "v");  // a bad format fails before any request
  return std::make_unique<GithubStorage>("github://" + owner + "/" + repo, owner + "/" + repo, options, api_url, token);
}

}  // namespace lean
