#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/http_client.hpp"
#include "http/progress.hpp"
#include "storage/storage.hpp"

namespace lean {

struct GitlabOptions {
  std::string api_url;          // empty: $CI_API_V4_URL, else https://gitlab.com/api/v4
  std::string tag_format;       // the tag of a --gitlab-release; empty: {model}-v{version}
  bool create_release = false;  // --gitlab-release: a release with links to each version's files
  http::ClientOptions http;
  // A progress display on stderr for transfers of at least `progress_min_bytes`, as on S3.
  bool progress = true;
  std::uint64_t progress_min_bytes = http::kProgressMinBytes;
  // After a conditional write, how long to let a concurrent writer's upload land before
  // deciding who won (the lowest package file id).
  std::chrono::milliseconds settle{300};
};

// The backend for gitlab://GROUP/PROJECT (or gitlab://ID): the project's generic package
// registry. A version is package MODEL, version VER; channels and the audit trail live in
// package MODEL, versions "ml-registry-channels" and "ml-registry-audit".
std::unique_ptr<Storage> open_gitlab_storage(const std::string& url, const GitlabOptions& options);

// The package versions that hold the registry's own state: not usable as model versions.
inline constexpr const char* kGitlabChannelsVersion = "ml-registry-channels";
inline constexpr const char* kGitlabAuditVersion = "ml-registry-audit";

}  // namespace lean
