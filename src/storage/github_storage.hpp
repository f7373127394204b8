#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/http_client.hpp"
#include "http/progress.hpp"
#include "storage/github_api.hpp"
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

// The backend for github://OWNER/REPO: a version is a release (tag from the tag format),
// channels and the audit trail are assets of two draft releases per model.
std::unique_ptr<Storage> open_github_storage(const std::string& url, const GithubOptions& options);

// "churn-v1.4.0" for "{model}-v{version}"; a format without {version} is a usage error.
std::string github_tag(const std::string& format, const std::string& model, const std::string& version);

}  // namespace lean
