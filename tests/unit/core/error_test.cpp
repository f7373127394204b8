#include "core/error.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("an error names its subject in quotes") {
  Error e(ExitStatus::input_data, "metrics.json", "no metric \"f1\"");
  CHECK(e.describe() == "'metrics.json': no metric \"f1\"");
  CHECK(e.status() == ExitStatus::input_data);
}

TEST_CASE("an error without subject is just the message") {
  CHECK(Error(ExitStatus::usage, "", "unknown option '--x'").describe() == "unknown option '--x'");
}

TEST_CASE("the throw helpers carry the exit status of their class") {
  CHECK(test::expect_error([] { throw_usage("u"); }).status() == ExitStatus::usage);
  CHECK(test::expect_error([] { throw_config("p.json", "c"); }).status() == ExitStatus::usage);
  CHECK(test::expect_error([] { throw_input("m.json", "i"); }).status() == ExitStatus::input_data);
}

TEST_CASE("exit codes are the documented numbers") {
  CHECK(to_int(ExitStatus::pass) == 0);
  CHECK(to_int(ExitStatus::gate_failed) == 1);
  CHECK(to_int(ExitStatus::usage) == 2);
  CHECK(to_int(ExitStatus::input_data) == 3);
  CHECK(to_int(ExitStatus::remote) == 4);
  CHECK(to_int(ExitStatus::integrity) == 5);
}
