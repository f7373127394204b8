#include "registry/provenance.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "core/error.hpp"
#include "core/printable.hpp"

namespace lean {
namespace {

// CI variables are stored in channel pointers and audit events, which accept printable text
// only: a control character in an actor name is kept as its escape, never written raw.
std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return printable(value);
}

std::optional<std::string> github_run_url() {
  auto server = env("GITHUB_SERVER_URL"), repository = env("GITHUB_REPOSITORY"), run = env("GITHUB_RUN_ID");
  if (!server || !repository || !run) return std::nullopt;
  std::string url = *server + "/" + *repository + "/actions/runs/" + *run;
  // A re-run keeps the run id; the attempt tells which execution made the change.
  if (auto attempt = env("GITHUB_RUN_ATTEMPT")) url += "/attempts/" + *attempt;
  return url;
}

}  // namespace

Provenance provenance_from_env() {
  Provenance p;
  p.git_commit = env("GITHUB_SHA");
  if (!p.git_commit) p.git_commit = env("CI_COMMIT_SHA");
  p.ci_run_url = github_run_url();
  if (!p.ci_run_url) p.ci_run_url = env("CI_JOB_URL");
  if (!p.ci_run_url) p.ci_run_url = env("CI_PIPELINE_URL");
  for (const char* name : {"GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER", "LOGNAME"}) {
    if (auto actor = env(name)) {
      p.actor = *actor;
      break;
    }
  }
  if (p.actor.empty()) p.actor = "unknown";
  return p;
}

long long now_epoch_seconds() {
  if (auto pinned = env("SOURCE_DATE_EPOCH")) {
    long long seconds = 0;
    const char* end = pinned->data() + pinned->size();
    auto [ptr, ec] = std::from_chars(pinned->data(), end, seconds);
    if (ec != std::errc() || ptr != end || seconds < 0) {
      throw_usage("SOURCE_DATE_EPOCH must be whole seconds since 1970, not \"" + *pinned + "\"");
    }
    return seconds;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string utc_timestamp(long long epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace lean
