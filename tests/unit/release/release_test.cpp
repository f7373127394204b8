#include "release/release.hpp"

#include <filesystem>
#include <vector>

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
  CHECK(run({"--version"}) == 0);                         // the tool's version
  CHECK(run({"list", "--version", "1", "--no-ci"}) == 2);  // list takes no --version
  CHECK(run({"promote", "--dest", "x", "--no-ci"}) == 2);  // an option of another command
  CHECK(run({"list", "--registry", registry.c_str(), "--no-ci", "--quiet"}) == 2);  // no such folder: a typo
  CHECK(run({"--registry", registry.c_str(), "publish", "--model", "m", "--version", "1", "--no-ci"}) == 2);
  std::filesystem::create_directories(registry);
  CHECK(run({"list", "--registry", registry.c_str(), "--no-ci", "--quiet"}) == 0);
  CHECK(run({"list", "--registry", registry.c_str(), "--model", "none", "--no-ci"}) == 3);
}
