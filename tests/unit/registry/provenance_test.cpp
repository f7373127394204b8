#include "registry/provenance.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace {

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> values) {
    for (const char* name : {"GITHUB_SHA", "CI_COMMIT_SHA", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID",
                             "GITHUB_RUN_ATTEMPT", "CI_JOB_URL", "CI_PIPELINE_URL", "GITHUB_ACTOR", "GITLAB_USER_LOGIN",
                             "USER", "LOGNAME", "SOURCE_DATE_EPOCH"}) {
      if (const char* old = std::getenv(name)) saved_.emplace_back(name, old);
      else saved_.emplace_back(name, std::nullopt);
      ::unsetenv(name);
    }
    for (const auto& [name, value] : values) ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace

TEST_CASE("GitHub Actions: commit, run URL with the attempt, actor") {
  ScopedEnv env({{"GITHUB_SHA", "abc123"},
                 {"GITHUB_SERVER_URL", "https://github.com"},
                 {"GITHUB_REPOSITORY", "acme/churn"},
                 {"GITHUB_RUN_ID", "42"},
                 {"GITHUB_RUN_ATTEMPT", "2"},
                 {"GITHUB_ACTOR", "octocat"},
                 {"USER", "runner"}});
  const lean::Provenance p = lean::provenance_from_env();
  CHECK(p.git_commit == "abc123");
  CHECK(p.ci_run_url == "https://github.com/acme/churn/actions/runs/42/attempts/2");
  CHECK(p.actor == "octocat");
}

TEST_CASE("GitLab CI: commit, job URL, user login") {
  ScopedEnv env({{"CI_COMMIT_SHA", "def456"},
                 {"CI_JOB_URL", "https://gitlab.com/acme/churn/-/jobs/7"},
                 {"CI_PIPELINE_URL", "https://gitlab.com/acme/churn/-/pipelines/3"},
                 {"GITLAB_USER_LOGIN", "ana"}});
  const lean::Provenance p = lean::provenance_from_env();
  CHECK(p.git_commit == "def456");
  CHECK(p.ci_run_url == "https://gitlab.com/acme/churn/-/jobs/7");
  CHECK(p.actor == "ana");
}

TEST_CASE("outside CI: no commit nor run URL, the login name") {
  ScopedEnv env({{"USER", "dev"}});
  const lean::Provenance p = lean::provenance_from_env();
  CHECK_FALSE(p.git_commit);
  CHECK_FALSE(p.ci_run_url);
  CHECK(p.actor == "dev");
}

TEST_CASE("a control character in a CI variable is kept as its escape (channel pointers hold printable text)") {
  ScopedEnv env({{"GITHUB_ACTOR", "eve\x1b[31m"}, {"CI_JOB_URL", "http://x/\n::error::url"}});
  const lean::Provenance p = lean::provenance_from_env();
  CHECK(p.actor == "eve\\e[31m");
  CHECK(p.ci_run_url == "http://x/\\n::error::url");
}

TEST_CASE("SOURCE_DATE_EPOCH pins the clock; garbage in it is a usage error") {
  {
    ScopedEnv env({{"SOURCE_DATE_EPOCH", "1700000000"}});
    CHECK(lean::now_epoch_seconds() == 1700000000);
    CHECK(lean::utc_timestamp(lean::now_epoch_seconds()) == "2023-11-14T22:13:20Z");
  }
  ScopedEnv env({{"SOURCE_DATE_EPOCH", "yesterday"}});
  try {
    lean::now_epoch_seconds();
    FAIL("expected an error");
  } catch (const lean::Error& e) {
    CHECK(e.status() == lean::ExitStatus::usage);
  }
}
