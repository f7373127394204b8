#include "core/files.hpp"

#include <sys/stat.h>

#include <filesystem>

#include "core/temp_names.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("an atomic write replaces the file and leaves no temporary behind") {
  test::TempDir dir;
  const std::string path = dir.write("report.json", "old");
  write_file_atomically(path, "new content\n");
  CHECK(test::read_all(path) == "new content\n");
  int entries = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    ++entries;
  CHECK(entries == 1);
}

TEST_CASE("an atomic write removes what a killed writer of the same file left, and only that") {
  test::TempDir dir;
  const std::string own = temp_owner();
  const std::string dead_owner = "p999999999" + own.substr(own.find_first_of(".@"));  // above any pid_max
  const std::string leftover = dir.write(".report.json.tmp-" + dead_owner + "AAAAAA", "half");
  const std::string other = dir.write(".summary.md.tmp-" + dead_owner + "AAAAAA", "half");
  write_file_atomically(dir.file("report.json"), "new\n");
  CHECK(!std::filesystem::exists(leftover));
  CHECK(std::filesystem::exists(other));
  CHECK(test::read_all(dir.file("report.json")) == "new\n");
}

TEST_CASE("an atomic write gives the file ordinary permissions, whatever the umask") {
  test::TempDir dir;
  const mode_t previous = ::umask(0077);
  write_file_atomically(dir.file("report.json"), "x");
  ::umask(previous);
  CHECK((std::filesystem::status(dir.file("report.json")).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write | std::filesystem::perms::group_read |
         std::filesystem::perms::others_read));
}

TEST_CASE("a write to a symlink of a device goes through it: the link and the device stay") {
  test::TempDir dir;
  const std::string link = (std::filesystem::path(dir.write("x", "")).parent_path() / "out").string();
  std::filesystem::create_symlink("/dev/null", link);  // as /dev/stdout -> /proc/self/fd/1
  write_file_atomically(link, "report\n");
  CHECK(std::filesystem::is_symlink(link));
  CHECK(std::filesystem::is_character_file("/dev/null"));
}

TEST_CASE("an atomic write into a missing directory is an input error naming the file") {
  test::TempDir dir;
  const std::string path = dir.file("missing/report.json");
  Error e = test::expect_error([&] { write_file_atomically(path, "x"); });
  CHECK(e.status() == ExitStatus::input_data);
  CHECK(e.subject() == path);
}

TEST_CASE("reading a missing file or a directory is an input error") {
  test::TempDir dir;
  CHECK(test::expect_error([&] { read_text_file(dir.file("nope.json")); }).describe() ==
        "'" + dir.file("nope.json") + "': cannot open: No such file or directory");
  CHECK(test::expect_error([&] { read_text_file(dir.file("")); }).what() == std::string("is a directory, not a file"));
}

TEST_CASE("appending keeps what was there") {
  test::TempDir dir;
  const std::string path = dir.write("out", "a=1\n");
  append_to_file(path, "b=2\n");
  CHECK(test::read_all(path) == "a=1\nb=2\n");
}

TEST_CASE("a path names a file descriptor through its links, not any /proc file") {
  test::TempDir dir;
  CHECK(names_a_descriptor("/dev/stdout"));
  CHECK(names_a_descriptor("/dev/fd/3"));
  CHECK(names_a_descriptor("/proc/self/fd/1"));
  CHECK(names_a_descriptor("/proc/123/fd/4"));
  const std::string link = dir.file("link.json");
  std::filesystem::create_symlink("/dev/stdout", link);
  CHECK(names_a_descriptor(link));
  CHECK(!names_a_descriptor("/proc/self/lean-report.json"));
  CHECK(!names_a_descriptor("/proc/version"));
  CHECK(!names_a_descriptor(dir.write("r.json", "x")));
  CHECK(!names_a_descriptor(dir.file("missing.json")));
}

TEST_CASE("a file is a standard stream only when it is the one stdout or stderr has open") {
  test::TempDir dir;
  CHECK(!standard_stream(dir.write("r.json", "x")));
  CHECK(!standard_stream(dir.file("missing.json")));
  CHECK(!standard_stream("/dev/null"));  // a device: written through, whatever stdout is
}
