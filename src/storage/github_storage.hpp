#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/http_client.hpp"
#include "http/progress.hpp"
#include "storage/storage.hpp"

namespace lean {

struct GithubOptions {
  std::string api_url;     // empty: $GITHUB_API_URL, else https://api.github.com
  std::string tag_format;  // empty: {model}-v{version}
  http::ClientOptions http;
  // A progress display on stderr for transfers of at least `progress_min_bytes`, as on S3.
  bool progress = true;
  std::uint64_t progress_min_bytes = http::kProgressMinBytes;
  // An asset still uploading (state "starter") this long after its last change was left by
  // an interrupted upload, and may be replaced.
  std::chrono::milliseconds stale_after{120'000};
  // How long to wait for a concurrent run to finish what it started (an upload, a publish).
  std::chrono::milliseconds wait_for_others{30'000};
};

struct GithubAsset {
  long long id = 0;
  std::string name, label, state, digest, updated_at;
  std::uint64_t size = 0;
};

struct GithubRelease {
  long long id = 0;
  std::string tag, name, body, upload_url, created_at;
  bool draft = false;
  std::vector<GithubAsset> assets;
};

// The REST calls of GitHub's releases API the backend needs, one method per endpoint
// (https://docs.github.com/rest/releases). Sends the token as "Authorization: token ..."
// (never logged), honours Retry-After, x-ratelimit-remaining/x-ratelimit-reset and secondary
// rate limits, and turns every refusal into lean::Error(remote) naming `subject`.
class GithubApi {
 public:
  GithubApi(std::string api_url, std::string repo, std::string token, std::string subject,
            http::ClientOptions options = {});

  // GET /repos/{repo}/releases/tags/{tag}: published releases only; nullopt on 404.
  std::optional<GithubRelease> release_by_tag(const std::string& tag);
  // GET /repos/{repo}/releases/{id}; nullopt on 404.
  std::optional<GithubRelease> release(long long id);
  // GET /repos/{repo}/releases, every page (drafts too, with push access).
  std::vector<GithubRelease> releases();
  // POST /repos/{repo}/releases; nullopt on 422 already_exists.
  std::optional<GithubRelease> create_release(const nlohmann::json& body);
  // PATCH /repos/{repo}/releases/{id}
  GithubRelease update_release(long long id, const nlohmann::json& body);
  // PATCH /repos/{repo}/releases/{id} {"draft": false}: publishes a draft; nullopt on 422
  // already_exists (another release of that tag is published: GitHub keeps one per tag).
  std::optional<GithubRelease> publish_release(long long id);
  // DELETE /repos/{repo}/releases/{id}
  void delete_release(long long id);
  // GET /repos/{repo}/releases/{id}/assets, every page.
  std::vector<GithubAsset> assets(long long release_id);
  // POST {upload_url}?name=...&label=...: the body goes with Content-Length (GitHub refuses
  // chunked uploads). `asset` is nullopt on 422 already_exists; `attempts` > 1 when the
  // upload was retried (a dropped connection may have left a half asset behind).
  struct Upload {
    std::optional<GithubAsset> asset;
    int attempts = 0;
  };
  Upload upload_asset(const GithubRelease& release, const std::string& name, const std::string& label,
                      http::BodySource& body, const std::string& content_type);
  // DELETE /repos/{repo}/releases/assets/{id}; false when it was already gone.
  bool delete_asset(long long id);
  // GET /repos/{repo}/releases/assets/{id} as application/octet-stream, following GitHub's
  // redirect to its storage host (without the token); false on 404.
  bool download_asset(long long id, http::BodySink& sink);

  const std::string& subject() const { return subject_; }

 private:
  http::Response call(const std::string& method, const std::string& url, const nlohmann::json* body = nullptr,
                      http::BodySink* sink = nullptr);
  http::Response send(http::Request& request);
  [[noreturn]] void fail(const http::Response& response, const std::string& what) const;
  std::string repo_url(const std::string& path) const;
  void wait_for_rate_limit();

  std::string api_url_, repo_, token_, subject_;
  http::Client client_;
  std::optional<std::chrono::system_clock::time_point> exhausted_until_;
};

// Uploads `body` as asset `name` of the release, settling a clash over the name (422
// already_exists) as the backend does for every upload: an uploaded asset of that name is
// deleted and the upload repeated when `replace_existing` says so, else nullopt (the name is
// someone else's); a half-uploaded one is deleted when this upload's own dropped attempt left
// it or it is older than options.stale_after, else waited for up to options.wait_for_others
// (then exit 5). Errors name `subject`.
std::optional<GithubAsset> upload_asset_resolving_clash(GithubApi& api, const GithubRelease& release,
                                                        const std::string& name, const std::string& label,
                                                        http::BodySource& body, const std::string& content_type,
                                                        const std::function<bool(const GithubAsset&)>& replace_existing,
                                                        const GithubOptions& options, const std::string& subject);

GithubAsset parse_github_asset(const nlohmann::json& doc);
GithubRelease parse_github_release(const nlohmann::json& doc);

// The backend for github://OWNER/REPO: a version is a release (tag from the tag format),
// channels and the audit trail are assets of two draft releases per model.
std::unique_ptr<Storage> open_github_storage(const std::string& url, const GithubOptions& options);

// "churn-v1.4.0" for "{model}-v{version}"; a format without {version} is a usage error.
std::string github_tag(const std::string& format, const std::string& model, const std::string& version);

}  // namespace lean
