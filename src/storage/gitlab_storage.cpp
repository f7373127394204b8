#include "storage/gitlab_storage.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "crypto/sha256.hpp"
#include "storage/forge_common.hpp"
#include "storage/hashing_io.hpp"
#include "storage/layout.hpp"
#include "storage/ids.hpp"
#include "storage/github_storage.hpp"

namespace lean {
namespace {

using json = nlohmann::json;

using forge::id_of;
using forge::KeyRef;
constexpr auto kGenerationNames = forge::GenerationNames::suffixed;

struct PackageFile {
  long long id = 0;
  std::string name, sha256;
  std::uint64_t size = 0;
};

PackageFile parse_file(const json& doc) {
  PackageFile file;
  file.id = id_of(doc, "id");
  file.name = text_of(doc, "file_name");
  file.sha256 = text_of(doc, "file_sha256");
  if (doc.contains("size") && doc["size"].is_number_unsigned()) file.size = doc["size"].get<std::uint64_t>();
  return file;
}

// A key of the layout; its version is the package version that holds it: the model
// version, or the reserved versions of the channels and the audit trail.
KeyRef parse_key(const std::string& key) {
  KeyRef ref = forge::parse_key(key);
  if (ref.kind == KeyRef::Kind::channel) ref.version = kGitlabChannelsVersion;
  if (ref.kind == KeyRef::Kind::audit) ref.version = kGitlabAuditVersion;
  return ref;
}

class GitlabStorage : public Storage {
 public:
  GitlabStorage(std::string url, std::string project, std::string api_url, GitlabOptions options)
      : url_(std::move(url)),
        project_(std::move(project)),
        api_url_(std::move(api_url)),
        options_(std::move(options)),
        client_(options_.http) {
    while (!api_url_.empty() && api_url_.back() == '/') api_url_.pop_back();
    if (options_.tag_format.empty()) options_.tag_format = "{model}-v{version}";
    // Inside a GitLab CI job its token; else a personal, project or group access token.
    const std::string job_token = environment_variable("CI_JOB_TOKEN");
    if (!job_token.empty()) {
      auth_ = {"JOB-TOKEN", job_token};
    } else if (const std::string token = environment_variable("GITLAB_TOKEN"); !token.empty()) {
      auth_ = {"PRIVATE-TOKEN", token};
    }
  }

  std::optional<StoredObject> get(const std::string& key) override;
  bool put(const std::string& key, const std::string& body, const WriteCondition& condition) override;
  FileDigest upload_file(const std::string& key, const std::string& local_path) override;
  FileDigest download_file(const std::string& key, const std::string& local_path) override;
  std::vector<std::string> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  void version_published(const std::string& model, const std::string& version,
                         const std::string& manifest_body) override;
  // A package keeps every upload of a name and serves the newest, so a publish attempt's
  // files stay under names of their own ("ATTEMPT+2FFILE"), which the manifest names: a
  // losing attempt never uploads a name the winner's manifest points to.
  std::string attempt_folder(const std::string& attempt) const override { return attempt; }
  // A generic package keeps every upload of a name; a conditional write decides by the
  // lowest package file id after a settle delay, which is not a server-side compare-and-swap.
  bool atomic_conditional_writes() const override { return false; }
  std::string describe() const override { return url_; }

 private:
  std::string location(const std::string& key) const { return url_ + "/" + key; }
  std::string project_url(const std::string& path) const { return api_url_ + "/projects/" + project_ + path; }
  std::string generic_url(const KeyRef& ref, const std::string& stored_name) const {
    return project_url("/packages/generic/" + forge::url_encode(ref.model) + "/" + forge::url_encode(ref.version) +
                       "/" + forge::url_encode(stored_name));
  }
  http::Response call(http::Request& request);
  http::Response call(const std::string& method, const std::string& url, const json* body = nullptr,
                      http::BodySink* sink = nullptr);
  [[noreturn]] void fail(const http::Response& response, const std::string& what) const;
  // One read of a small object; `winner_sha256` is the listed SHA-256 of the copy that counts
  // (a manifest or channel generation), empty for others.
  std::optional<StoredObject> get_once(const std::string& key, std::string& winner_sha256);
  // Every page of a list answer; pages_if_present: none (a 404 on the first page) is nullopt.
  std::vector<json> pages(const std::string& url, const std::string& what) { return *collect_pages(url, what, false); }
  std::optional<std::vector<json>> pages_if_present(const std::string& url, const std::string& what) {
    return collect_pages(url, what, true);
  }
  std::optional<std::vector<json>> collect_pages(const std::string& url, const std::string& what, bool missing_ok);
  // The generic packages of a model (or of every model): package version -> id.
  std::map<std::string, long long> packages(const std::string& model, bool fresh);
  std::vector<std::pair<std::string, std::string>> all_packages();  // (name, version)
  std::optional<long long> package_id(const KeyRef& ref, bool fresh);
  std::vector<PackageFile> files(const KeyRef& ref);
  PackageFile upload(const KeyRef& ref, const std::string& stored_name, http::BodySource& source,
                     const std::string& key);
  bool download(const KeyRef& ref, const std::string& stored_name, http::BodySink& sink, const std::string& key,
                std::string* checksum = nullptr);
  void delete_file(const KeyRef& ref, long long file_id);
  void settle() const { std::this_thread::sleep_for(options_.settle); }
  // The winning upload of a name: the lowest id (losers delete their own copy).
  static std::optional<PackageFile> first_of(const std::vector<PackageFile>& files, const std::string& name);

  std::string url_, project_, api_url_;
  GitlabOptions options_;
  http::Client client_;
  std::pair<std::string, std::string> auth_;
  std::map<std::string, std::map<std::string, long long>> packages_;  // model -> version -> id
};

http::Response GitlabStorage::call(http::Request& request) {
  request.subject = url_;
  if (!auth_.first.empty()) request.headers.emplace_back(auth_.first, auth_.second);
  return client_.send(request);
}

http::Response GitlabStorage::call(const std::string& method, const std::string& url, const json* body,
                                   http::BodySink* sink) {
  http::Request request;
  request.method = method;
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  if (body) {
    request.body = body->dump();
    request.headers.emplace_back("Content-Type", "application/json");
  }
  request.sink = sink;
  return call(request);
}

void GitlabStorage::fail(const http::Response& response, const std::string& what) const {
  const std::string status = forge::status_text(response);
  if (response.status == 401) {
    throw Error(ExitStatus::remote, url_,
                what + ": GitLab refused the credentials (" + status + "); " +
                    (auth_.first.empty()
                         ? "set GITLAB_TOKEN (or run inside GitLab CI, with CI_JOB_TOKEN)"
                         : "check " + std::string(auth_.first == "JOB-TOKEN" ? "CI_JOB_TOKEN" : "GITLAB_TOKEN")));
  }
  if (response.status == 403) {
    throw Error(ExitStatus::remote, url_,
                what + ": GitLab denied it (" + status +
                    "); the token needs the api scope (or a deploy token's "
                    "read_package_registry/write_package_registry) and the Developer role");
  }
  if (response.status == 404) {
    throw Error(ExitStatus::remote, url_,
                what + ": not found (" + status + "); the project does not exist or the token cannot see it");
  }
  throw Error(ExitStatus::remote, url_, what + ": " + status);
}

std::optional<std::vector<json>> GitlabStorage::collect_pages(const std::string& first, const std::string& what,
                                                              bool missing_ok) {
  std::vector<json> out;
  std::string url = first;
  for (int page = 0; !url.empty() && page < 1000; ++page) {
    http::Response response = call("GET", url);
    if (missing_ok && page == 0 && response.status == 404) return std::nullopt;
    if (!response.ok()) fail(response, what);
    json doc;
    try {
      doc = json::parse(response.body);
    } catch (const json::exception&) {
      throw Error(ExitStatus::remote, url_, what + ": GitLab answered with a body that is not JSON");
    }
    if (!doc.is_array()) throw Error(ExitStatus::remote, url_, what + ": GitLab answered something else than a list");
    for (auto& item : doc) out.push_back(std::move(item));
    // GitLab's pagination headers: x-next-page is empty on the last page.
    const std::string next = response.header("x-next-page").value_or("");
    if (next.empty()) break;
    const std::size_t at = url.find("page=");
    if (at != std::string::npos && (at == 0 || url[at - 1] == '?' || url[at - 1] == '&')) {
      url = url.substr(0, at) + "page=" + next + url.substr(std::min(url.size(), url.find('&', at)));
    } else {
      url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("page=") + next;
    }
  }
  return out;
}

std::map<std::string, long long> GitlabStorage::packages(const std::string& model, bool fresh) {
  if (!fresh) {
    if (auto it = packages_.find(model); it != packages_.end()) return it->second;
  }
  std::map<std::string, long long> out;
  for (const auto& item :
       pages(project_url("/packages?package_type=generic&package_name=" + forge::url_encode(model) + "&per_page=100"),
             "cannot list the packages of " + model)) {
    // package_name matches by substring: keep the exact name.
    if (text_of(item, "name") == model) out[text_of(item, "version")] = id_of(item, "id");
  }
  return packages_[model] = out;
}

std::vector<std::pair<std::string, std::string>> GitlabStorage::all_packages() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item :
       pages(project_url("/packages?package_type=generic&per_page=100"), "cannot list the packages")) {
    out.emplace_back(text_of(item, "name"), text_of(item, "version"));
    packages_[text_of(item, "name")][text_of(item, "version")] = id_of(item, "id");
  }
  return out;
}

std::optional<long long> GitlabStorage::package_id(const KeyRef& ref, bool fresh) {
  auto known = packages(ref.model, fresh);
  if (auto it = known.find(ref.version); it != known.end()) return it->second;
  if (!fresh) {
    known = packages(ref.model, true);
    if (auto it = known.find(ref.version); it != known.end()) return it->second;
  }
  return std::nullopt;
}

std::vector<PackageFile> GitlabStorage::files(const KeyRef& ref) {
  std::vector<PackageFile> out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::optional<long long> id = package_id(ref, attempt > 0);
    if (!id) return out;
    const std::string url = project_url("/packages/" + std::to_string(*id) + "/package_files?per_page=100");
    const std::string what = "cannot list the files of " + ref.model + " " + ref.version;
    // A package removed with its last file: look it up again, once.
    const auto items = attempt == 0 ? pages_if_present(url, what) : pages(url, what);
    if (!items) continue;
    std::vector<PackageFile> listed;
    for (const auto& item : *items) listed.push_back(parse_file(item));
    return listed;
  }
  return out;
}

std::optional<PackageFile> GitlabStorage::first_of(const std::vector<PackageFile>& files, const std::string& name) {
  std::optional<PackageFile> first;
  for (const auto& file : files) {
    if (file.name == name && (!first || file.id < first->id)) first = file;
  }
  return first;
}

PackageFile GitlabStorage::upload(const KeyRef& ref, const std::string& stored_name, http::BodySource& source,
                                  const std::string& key) {
  http::Request request;
  request.method = "PUT";
  // select=package_file: the answer is the stored file's record, with GitLab's SHA-256.
  request.url = generic_url(ref, stored_name) + "?select=package_file";
  request.source = &source;
  request.headers = {{"Accept", "application/json"}, {"Content-Type", "application/octet-stream"}};
  http::Response response = call(request);
  if (!response.ok()) fail(response, "cannot upload " + key);
  packages_.erase(ref.model);  // the package may be new
  try {
    return parse_file(json::parse(response.body));
  } catch (const json::exception&) {
    throw Error(ExitStatus::remote, location(key), "GitLab's answer to the upload is not JSON");
  }
}

bool GitlabStorage::download(const KeyRef& ref, const std::string& stored_name, http::BodySink& sink,
                             const std::string& key, std::string* checksum) {
  http::Request request;
  request.method = "GET";
  request.url = generic_url(ref, stored_name);
  request.sink = &sink;
  http::Response response = call(request);
  if (response.status == 404) return false;
  if (!response.ok()) fail(response, "cannot download " + key);
  if (checksum) *checksum = response.header("x-checksum-sha256").value_or("");
  return true;
}

void GitlabStorage::delete_file(const KeyRef& ref, long long file_id) {
  std::optional<long long> id = package_id(ref, false);
  if (!id) return;
  http::Response response =
      call("DELETE", project_url("/packages/" + std::to_string(*id) + "/package_files/" + std::to_string(file_id)));
  if (!response.ok() && response.status != 404) fail(response, "cannot delete package file " + std::to_string(file_id));
}

std::optional<StoredObject> GitlabStorage::get(const std::string& key) {
  // A download by name serves the newest upload of the name: a losing writer's copy that
  // lands between the listing and the download. What arrived must hash to the winner listed.
  for (int round = 0;; ++round) {
    std::string winner_sha256;
    std::optional<StoredObject> object = get_once(key, winner_sha256);
    if (!object || winner_sha256.empty() || sha256_hex(object->body) == winner_sha256) return object;
    if (round >= 20) throw Error(ExitStatus::remote, location(key), "kept changing while it was read");
    settle();
  }
}

std::optional<StoredObject> GitlabStorage::get_once(const std::string& key, std::string& winner_sha256) {
  const KeyRef ref = parse_key(key);
  std::string stored = ref.kind == KeyRef::Kind::version_file ? forge::encode_name(ref.name) : ref.name;
  std::string etag;
  if (ref.kind == KeyRef::Kind::channel || ref.kind == KeyRef::Kind::manifest) {
    std::optional<PackageFile> winner;
    long long generation = 0;
    for (int round = 0; round < 20; ++round) {
      const std::vector<PackageFile> listed = files(ref);
      std::size_t copies = 0;
      winner.reset();
      if (ref.kind == KeyRef::Kind::manifest) {
        winner = first_of(listed, kManifestName);
        copies = static_cast<std::size_t>(
            std::count_if(listed.begin(), listed.end(), [](const PackageFile& f) { return f.name == kManifestName; }));
      } else {
        generation = 0;
        for (const auto& file : listed) {
          if (auto gen = forge::parse_generation(file.name, kGenerationNames);
              gen && gen->first == ref.name && gen->second > generation)
            generation = gen->second;
        }
        for (const auto& file : listed) {
          auto gen = forge::parse_generation(file.name, kGenerationNames);
          if (gen && gen->first == ref.name && gen->second == generation) {
            ++copies;
            if (!winner || file.id < winner->id) winner = file;
          }
        }
      }
      if (copies <= 1 || ref.kind == KeyRef::Kind::channel) break;
      settle();  // a losing writer's copy, about to be deleted: a download by name could serve it
    }
    if (!winner) return std::nullopt;
    stored = winner->name;
    winner_sha256 = winner->sha256;
    etag = ref.kind == KeyRef::Kind::channel ? std::to_string(generation) : std::to_string(winner->id);
  }
  HashingSink sink;
  if (!download(ref, stored, sink, key)) return std::nullopt;
  sink.finish();
  return StoredObject{sink.memory(), etag};
}

bool GitlabStorage::put(const std::string& key, const std::string& body, const WriteCondition& condition) {
  const KeyRef ref = parse_key(key);
  http::MemorySource source(body);
  auto check = [&](const PackageFile& file) {
    if ((!file.sha256.empty() && file.sha256 != sha256_hex(body)) || file.size != body.size()) {
      delete_file(ref, file.id);
      throw Error(ExitStatus::integrity, location(key), "GitLab stored other bytes than were sent; try again");
    }
  };
  switch (ref.kind) {
    case KeyRef::Kind::manifest: {
      if (condition.kind != WriteCondition::Kind::none && first_of(files(ref), kManifestName)) return false;
      const PackageFile mine = upload(ref, kManifestName, source, key);
      check(mine);
      if (condition.kind == WriteCondition::Kind::none) return true;
      settle();
      const auto winner = first_of(files(ref), kManifestName);
      if (winner && winner->id != mine.id) {
        delete_file(ref, mine.id);
        return false;
      }
      return true;
    }
    case KeyRef::Kind::channel: {
      const std::vector<PackageFile> listed = files(ref);
      long long current = 0;
      for (const auto& file : listed) {
        if (auto gen = forge::parse_generation(file.name, kGenerationNames); gen && gen->first == ref.name)
          current = std::max(current, gen->second);
      }
      if (condition.kind == WriteCondition::Kind::if_absent && current != 0) return false;
      if (condition.kind == WriteCondition::Kind::if_match && std::to_string(current) != condition.etag) return false;
      const long long next = current + 1;
      const PackageFile mine = upload(ref, forge::generation_name(ref.name, next, random_hex(8)), source, key);
      check(mine);
      settle();
      const std::vector<PackageFile> after = files(ref);
      // Another writer of the same generation with a lower id, or of a newer one, won.
      bool lost = false;
      for (const auto& file : after) {
        auto gen = forge::parse_generation(file.name, kGenerationNames);
        if (!gen || gen->first != ref.name) continue;
        // Same generation, lower id: that writer won. Far newer generations: this writer read so
        // long ago that its generation had been collected (newer ones on top of ours are fine).
        if (gen->second > next + forge::kKeptGenerations || (gen->second == next && file.id < mine.id)) lost = true;
      }
      if (lost) {
        delete_file(ref, mine.id);
        return false;
      }
      for (const auto& file : after) {  // the last generations stay, for readers in flight
        auto gen = forge::parse_generation(file.name, kGenerationNames);
        if (gen && gen->first == ref.name && gen->second < next - forge::kKeptGenerations) {
          try {
            delete_file(ref, file.id);
          } catch (const Error&) {
          }
        }
      }
      return true;
    }
    case KeyRef::Kind::audit:
    case KeyRef::Kind::version_file: {
      const std::string stored = ref.kind == KeyRef::Kind::audit ? ref.name : forge::encode_name(ref.name);
      if (condition.kind == WriteCondition::Kind::if_absent && first_of(files(ref), stored)) return false;
      check(upload(ref, stored, source, key));
      return true;
    }
  }
  return false;
}

FileDigest GitlabStorage::upload_file(const std::string& key, const std::string& local_path) {
  const KeyRef ref = parse_key(key);
  if (ref.kind != KeyRef::Kind::version_file) throw Error(ExitStatus::usage, key, "only version files are uploaded");
  if (ref.version == kGitlabChannelsVersion || ref.version == kGitlabAuditVersion) {
    throw_usage("version \"" + ref.version + "\" is reserved on GitLab for the registry's own state");
  }
  HashingFileSource source(local_path);
  source.show_progress("upload " + location(key), options_.progress, options_.progress_min_bytes);
  const std::string stored = forge::encode_name(ref.name);
  const PackageFile file = upload(ref, stored, source, key);
  const FileDigest sent = source.digest();
  // X-Checksum-SHA256 as GitLab stored it: the bytes that arrived are the bytes that were read.
  if (file.size != sent.size || (!file.sha256.empty() && file.sha256 != sent.sha256)) {
    delete_file(ref, file.id);
    throw Error(ExitStatus::integrity, location(key),
                "GitLab stored other bytes than were sent (sha256 " + file.sha256 + ", " + std::to_string(file.size) +
                    " bytes; sent " + sent.sha256 + ", " + std::to_string(sent.size) + " bytes); publish again");
  }
  // Earlier uploads of the same name (an interrupted publish) go, now that this one is safe.
  for (const auto& other : files(ref)) {
    if (other.name == stored && other.id < file.id) delete_file(ref, other.id);
  }
  return sent;
}

FileDigest GitlabStorage::download_file(const std::string& key, const std::string& local_path) {
  const KeyRef ref = parse_key(key);
  if (ref.kind == KeyRef::Kind::channel || ref.kind == KeyRef::Kind::manifest) {
    auto object = get(key);
    if (!object) throw Error(ExitStatus::integrity, location(key), "is missing from the registry");
    HashingSink sink(local_path);
    sink.write(object->body.data(), object->body.size());
    return sink.finish();
  }
  const std::string stored = ref.kind == KeyRef::Kind::audit ? ref.name : forge::encode_name(ref.name);
  HashingSink sink(local_path);
  sink.show_progress("download " + location(key), options_.progress, options_.progress_min_bytes);
  std::string checksum;
  if (!download(ref, stored, sink, key, &checksum))
    throw Error(ExitStatus::integrity, location(key), "is missing from the registry");
  const FileDigest digest = sink.finish();
  if (!checksum.empty() && checksum != digest.sha256) {
    throw Error(ExitStatus::integrity, location(key),
                "does not match the X-Checksum-SHA256 GitLab sent (" + checksum + "; read " + digest.sha256 + ")");
  }
  return digest;
}

std::vector<std::string> GitlabStorage::list(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> wanted;  // (model, package version)
  const std::size_t slash = prefix.find('/');
  if (slash == std::string::npos) {
    wanted = all_packages();
  } else {
    const std::string model = prefix.substr(0, slash);
    const std::string rest = prefix.substr(slash + 1);
    const std::size_t end = rest.find('/', 9);
    if (rest.rfind("versions/", 0) == 0 && end != std::string::npos && end + 1 == rest.size()) {
      wanted.emplace_back(model, rest.substr(9, end - 9));
    } else {
      for (const auto& [version, id] : packages(model, true)) wanted.emplace_back(model, version);
    }
  }
  std::vector<std::string> keys;
  for (const auto& [model, version] : wanted) {
    KeyRef ref;
    ref.model = model;
    ref.version = version;
    if (version == kGitlabChannelsVersion) {
      std::set<std::string> channels;
      for (const auto& file : files(ref)) {
        if (auto gen = forge::parse_generation(file.name, kGenerationNames)) channels.insert(gen->first);
      }
      for (const auto& channel : channels) keys.push_back(model + "/channels/" + channel + ".json");
    } else if (version == kGitlabAuditVersion) {
      for (const auto& file : files(ref)) keys.push_back(model + "/audit/" + file.name);
    } else {
      for (const auto& file : files(ref)) {
        if (auto name =
                file.name == kManifestName ? std::optional<std::string>(file.name) : forge::decode_name(file.name)) {
          keys.push_back(model + "/versions/" + version + "/" + *name);
        }
      }
    }
  }
  return forge::keys_under(std::move(keys), prefix);
}

void GitlabStorage::remove(const std::string& key) {
  const KeyRef ref = parse_key(key);
  for (const auto& file : files(ref)) {
    if (forge::stores_key(ref, file.name, forge::decode_name(file.name), kGenerationNames)) delete_file(ref, file.id);
  }
}

void GitlabStorage::version_published(const std::string& model, const std::string& version,
                                      const std::string& manifest_body) {
  if (!options_.create_release) return;
  const std::string tag = github_tag(options_.tag_format, model, version);
  KeyRef ref;
  ref.model = model;
  ref.version = version;
  json links = json::array();
  try {
    const json manifest = json::parse(manifest_body);
    const std::string folder =
        manifest.contains("files_folder") ? manifest["files_folder"].get<std::string>() + "/" : "";
    for (const auto& file : manifest.at("files")) {
      const std::string name = file["name"].get<std::string>();
      links.push_back(
          {{"name", name}, {"url", generic_url(ref, forge::encode_name(folder + name))}, {"link_type", "package"}});
    }
  } catch (const json::exception&) {
    throw Error(ExitStatus::integrity, location(model + "/versions/" + version + "/" + kManifestName),
                "malformed manifest");
  }
  links.push_back({{"name", kManifestName}, {"url", generic_url(ref, kManifestName)}, {"link_type", "other"}});
  std::string ref_name = environment_variable("CI_COMMIT_SHA");
  if (ref_name.empty()) {
    http::Response project = call("GET", project_url(""));
    if (!project.ok()) fail(project, "cannot read the project");
    try {
      ref_name = text_of(json::parse(project.body), "default_branch");
    } catch (const json::exception&) {
    }
    if (ref_name.empty())
      throw Error(ExitStatus::remote, url_, "the project has no default branch to tag the release on");
  }
  json body = {{"name", model + " " + version},
               {"tag_name", tag},
               {"ref", ref_name},
               {"description", "Version " + version + " of model " + model +
                                   ", published by ml-release to the package registry. `ml-release fetch` verifies "
                                   "every file against manifest.json."},
               {"assets", {{"links", links}}}};
  http::Response response = call("POST", project_url("/releases"), &body);
  if (response.status == 409) return;  // created by an earlier run of this publish
  if (!response.ok()) fail(response, "cannot create release " + tag);
}

}  // namespace

std::unique_ptr<Storage> open_gitlab_storage(const std::string& url, const GitlabOptions& options) {
  std::string path = url.substr(url.find("://") + 3);
  while (!path.empty() && path.back() == '/') path.pop_back();
  const bool numeric =
      !path.empty() && std::all_of(path.begin(), path.end(), [](char c) { return c >= '0' && c <= '9'; });
  bool valid = numeric || (path.find('/') != std::string::npos && path.find("//") == std::string::npos);
  for (char c : path) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '-' && c != '_' && c != '.') valid = false;
  }
  if (!valid) throw_usage("invalid registry URL \"" + url + "\": use gitlab://GROUP/PROJECT or gitlab://PROJECT_ID");
  const std::string api_url =
      forge::api_url(options.api_url, "CI_API_V4_URL", "https://gitlab.com/api/v4", "https://HOST/api/v4");
  if (!options.tag_format.empty()) github_tag(options.tag_format, "m", "v");
  return std::make_unique<GitlabStorage>("gitlab://" + path, forge::url_encode(path), api_url, options);
}

}  // namespace lean
