#include "drift/trigger.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("a missing state means changed; the recorded hash then matches until the file changes") {
  test::TempDir dir;
  const auto data = dir.write("data.csv", "a\n1\n");
  const auto state = dir.file("state.json");
  Outcome first = check_changed_files({data}, state);
  CHECK(first.status == ExitStatus::gate_failed);
  CHECK(first.fields["files"][0]["previous"].is_null());
  CHECK(first.fields["files"][0]["sha256"] ==
        "309b0e45a73d3fc5325e2b6ed0a01ef8b9cde6b05a5633c1f893f970d52bfddc");  // sha256sum of the bytes
  Outcome second = check_changed_files({data, data}, state);
  CHECK(second.status == ExitStatus::pass);
  CHECK(second.fields["changed"] == 0);
  CHECK(second.fields["files"].size() == 1);
  dir.write("data.csv", "a\n2\n");
  Outcome third = check_changed_files({data}, state);
  CHECK(third.status == ExitStatus::gate_failed);
  CHECK(third.fields["files"][0]["previous"] == first.fields["files"][0]["sha256"]);
}

TEST_CASE("a malformed state file and a missing data file are input errors") {
  test::TempDir dir;
  const auto data = dir.write("data.csv", "a\n");
  const auto bad = dir.write("state.json", "{\"files\": [1]}");
  CHECK(test::expect_error([&] { check_changed_files({data}, bad); }).describe() ==
        "'" + bad + "': not a state file; a state file is {\"files\": {\"path\": \"sha256 hex\", ...}}");
  const auto broken = dir.write("broken.json", "{");
  CHECK(test::expect_error([&] { check_changed_files({data}, broken); }).status() == ExitStatus::input_data);
  CHECK(test::expect_error([&] { check_changed_files({dir.file("none.csv")}, dir.file("s.json")); }).status() ==
        ExitStatus::input_data);
}
