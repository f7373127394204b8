#include "core/temp_names.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "test_util.hpp"

using namespace lean;

namespace {

// temp_owner() with the pid of a process that has ended.
std::string dead_owner() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  const std::string own = temp_owner();
  return "p" + std::to_string(child) + own.substr(own.find_first_of(".@"));
}

}  // namespace

TEST_CASE("an owner names this process, its pid namespace and host") {
  const std::string owner = temp_owner();
  CHECK(owner.rfind("p" + std::to_string(::getpid()) + ".", 0) == 0);
  CHECK(owner.find('@') != std::string::npos);
  CHECK(owner.back() == '-');
}

TEST_CASE("a dead owner's leftover goes; this process's, a fresh one of elsewhere and other names stay") {
  test::TempDir dir;
  const std::string dead = dir.write(".r.json.tmp-" + dead_owner() + "AAAAAA", "half");
  const std::string own = dir.write(".r.json.tmp-" + temp_owner() + "BBBBBB", "mine");
  const std::string elsewhere = dir.write(".r.json.tmp-p1.1@elsewhere-CCCCCC", "in progress");
  const std::string other_file = dir.write(".s.md.tmp-" + dead_owner() + "DDDDDD", "half");
  const auto removed = remove_stale_temps(std::filesystem::path(dead).parent_path().string(), ".r.json.tmp-");
  CHECK(removed == std::vector<std::string>{dead});
  CHECK(!std::filesystem::exists(dead));
  CHECK(std::filesystem::exists(own));
  CHECK(std::filesystem::exists(elsewhere));
  CHECK(std::filesystem::exists(other_file));
}

TEST_CASE("a leftover of elsewhere goes once it has not changed for an hour") {
  test::TempDir dir;
  const std::string old = dir.write(".r.json.tmp-p1.1@elsewhere-AAAAAA", "half");
  const auto an_hour_ago = std::filesystem::file_time_type::clock::now() - kStaleTempAge - std::chrono::minutes(1);
  std::filesystem::last_write_time(old, an_hour_ago);
  CHECK(remove_stale_temps(std::filesystem::path(old).parent_path().string(), ".r.json.tmp-").size() == 1);
  CHECK(!std::filesystem::exists(old));
}

TEST_CASE("files only: a folder named like a dead owner's temporary stays") {
  test::TempDir dir;
  const std::filesystem::path folder = dir.file(".r.json.tmp-" + dead_owner() + "AAAAAA");
  std::filesystem::create_directories(folder / "nested");
  const std::string file = dir.write(".r.json.tmp-" + dead_owner() + "BBBBBB", "half");
  CHECK(remove_stale_temps(folder.parent_path().string(), ".r.json.tmp-", TempKinds::files) ==
        std::vector<std::string>{file});
  CHECK(std::filesystem::exists(folder / "nested"));
  CHECK(remove_stale_temps(folder.parent_path().string(), ".r.json.tmp-").size() == 1);  // folders too
  CHECK(!std::filesystem::exists(folder));
}
