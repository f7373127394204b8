#pragma once

// The GitHub backend's REST client: releases and their assets.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/http_client.hpp"

namespace lean {

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

// Seconds since the epoch by this machine's clock, what GitHub's timestamps and rate-limit
// resets are compared with.
long long github_clock_seconds();

GithubAsset parse_github_asset(const nlohmann::json& doc);
GithubRelease parse_github_release(const nlohmann::json& doc);

}  // namespace lean
