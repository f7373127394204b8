#include "cli/release.hpp"

#include <filesystem>
#include <functional>
#include <vector>

#include "core/error.hpp"
#include "command_line_util.hpp"
#include "test_util.hpp"

using namespace lean;

namespace {
int run(std::vector<const char*> args) {
  args.insert(args.begin(), "ml-release");
  return release_main(static_cast<int>(args.size()), args.data());
}
}  // namespace

TEST_CASE("the commands, in the order help lists them") {
  CHECK(release_commands() == std::vector<std::string>{"publish", "promote", "rollback", "list", "show", "fetch",
                                                       "verify", "history", "gc", "diff"});
  CHECK(release_tool("rollback").synopsis.rfind("ml-release rollback --model NAME --channel CH [--to VER]", 0) == 0);
}

TEST_CASE("dispatch: a command gets its own options; anything else is a usage error") {
  test::TempDir dir;
  const std::string registry = dir.file("reg");
  CHECK(run({}) == 2);
  CHECK(run({"pubish", "--no-ci"}) == 2);
  CHECK(run({"--version"}) == 0);                                                   // the tool's version
  CHECK(run({"list", "--version", "1", "--no-ci"}) == 2);                           // list takes no --version
  CHECK(run({"promote", "--dest", "x", "--no-ci"}) == 2);                           // an option of another command
  CHECK(run({"list", "--registry", registry.c_str(), "--no-ci", "--quiet"}) == 2);  // no such folder: a typo
  CHECK(run({"--registry", registry.c_str(), "publish", "--model", "m", "--version", "1", "--no-ci"}) == 2);
  std::filesystem::create_directories(registry);
  CHECK(run({"list", "--registry", registry.c_str(), "--no-ci", "--quiet"}) == 0);
  CHECK(run({"list", "--registry", registry.c_str(), "--model", "none", "--no-ci"}) == 3);
}

namespace {

ReleaseOptions release_options(const std::string& command, std::vector<const char*> args) {
  return parse_release_options(command, test::command_line(release_tool(command), args));
}

std::string usage_error(const std::function<void()>& body) {
  const Error e = test::expect_error(body);
  CHECK(e.status() == ExitStatus::usage);
  return e.describe();
}

}  // namespace

TEST_CASE("parse_release_options: each command's part typed, the registry's shared") {
  const ReleaseOptions publish =
      release_options("publish", {"--registry", "s3://b/p", "--region", "eu-west-1", "--verbose", "--model", "churn",
                                  "--version", "1.2", "--meta", "run=7", "--profile", "ref.profile", "model.bin"});
  CHECK(publish.registry.url == "s3://b/p");
  CHECK(publish.registry.options.region == "eu-west-1");
  CHECK(publish.registry.verbose);
  CHECK(publish.publish.request.files == std::vector<std::string>{"model.bin", "ref.profile"});
  CHECK(publish.publish.request.meta == std::vector<std::pair<std::string, std::string>>{{"run", "7"}});
  CHECK(publish.publish.profile == "ref.profile");

  const ReleaseOptions gc = release_options("gc", {"--model", "churn", "--keep", "3", "--keep-days", "1.5",
                                                   "--keep-history", "0", "--grace", "0", "--dry-run"});
  CHECK(gc.gc.keep == 3);
  CHECK(gc.gc.keep_days == 1.5);
  CHECK(gc.gc.keep_history == 0);
  CHECK(gc.gc.grace_seconds == 0);
  CHECK(gc.gc.dry_run);

  const ReleaseOptions fetch = release_options(
      "fetch", {"--model", "churn", "--channel", "production", "--dest", "out", "--clean", "--report", "r.json"});
  CHECK(fetch.fetch.version.selector.channel == "production");
  CHECK(fetch.fetch.clean);
  CHECK(fetch.fetch.outputs == std::vector<std::pair<std::string, std::string>>{{"report", "r.json"}});
  CHECK(release_options("diff", {"--model", "churn", "1.0", "production"}).diff.b == "production");
  CHECK(release_options("history", {"--model", "churn", "--channel", "p", "--at", "0"}).history.at == 0.0);
}

TEST_CASE("parse_release_options: combinations and values refused before the registry is opened") {
  CHECK(usage_error([] {
          release_options("show", {"--model", "churn", "--version", "1", "--channel", "p"});
        }) == "give --version VER or --channel CH, not both");
  CHECK(usage_error([] {
          release_options("promote", {"--model", "m", "--version", "1", "--from-channel", "s", "--channel", "p"});
        }) == "give --version VER or --from-channel CH, not both");
  CHECK(usage_error([] {
          release_options("promote", {"--model", "m", "--from-channel", "p", "--channel", "p"});
        }) == "--from-channel must differ from --channel");
  CHECK(usage_error([] {
          release_options("promote", {"--model", "m", "--version", "1", "--channel", "p", "--expect-version", "1"});
        }) == "--expect-version needs --from-channel CH");
  CHECK(usage_error([] { release_options("gc", {"--model", "m"}); }) == "missing --keep N");
  CHECK(usage_error([] { release_options("gc", {"--model", "m", "--keep", "-1"}); }) == "--keep cannot be negative");
  CHECK(usage_error([] {
          release_options("gc", {"--model", "m", "--keep", "1.5"});
        }) == "--keep must be a whole number of at least 0, not \"1.5\"");
  CHECK(usage_error([] {
          release_options("gc", {"--model", "m", "--keep", "1", "--grace", "3601"});
        }) == "--grace must be 0 to 3600 seconds");
  CHECK(usage_error([] {
          release_options("diff", {"--model", "m", "1"});
        }) == "diff compares two versions or channels: ml-release diff --model NAME A B");
  CHECK(usage_error([] {
          release_options("publish", {"--model", "m", "--version", "1", "--meta", "x", "m.bin"});
        }) == "invalid --meta \"x\": expected KEY=VALUE");
  CHECK(usage_error([] {
          release_options("fetch", {"--model", "m", "--version", "1", "--dest", ""});
        }) == "--dest is empty: give the folder to fetch into");
}
