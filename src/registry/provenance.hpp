#pragma once

#include <optional>
#include <string>

namespace lean {

// Where and by whom a registry change was made, from the CI environment when present.
struct Provenance {
  std::optional<std::string> git_commit;  // GITHUB_SHA, CI_COMMIT_SHA
  std::optional<std::string> ci_run_url;  // the GitHub Actions run, the GitLab job
  std::string actor;                      // GITHUB_ACTOR, GITLAB_USER_LOGIN, USER, ...
};

Provenance provenance_from_env();

// Seconds since the epoch now, or $SOURCE_DATE_EPOCH when set (reproducible builds and
// tests pin it); an unparsable value is a usage error.
long long now_epoch_seconds();

// "2026-11-05T10:11:12Z".
std::string utc_timestamp(long long epoch_seconds);

}  // namespace lean
