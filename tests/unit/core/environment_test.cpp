#include "core/environment.hpp"

#include <cstdlib>

#include "core/error.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("an environment variable: its value, empty when unset, refused with a control character") {
  ::unsetenv("LEAN_TEST_VARIABLE");
  CHECK(environment_variable("LEAN_TEST_VARIABLE") == "");
  ::setenv("LEAN_TEST_VARIABLE", "tok en", 1);
  CHECK(environment_variable("LEAN_TEST_VARIABLE") == "tok en");
  for (const char* bad : {"token\n", "tok\r\nX-Injected: 1", "tok\tx", "tok\x7f"}) {
    CAPTURE(bad);
    ::setenv("LEAN_TEST_VARIABLE", bad, 1);
    CHECK_THROWS_AS(environment_variable("LEAN_TEST_VARIABLE"), Error);
  }
  ::unsetenv("LEAN_TEST_VARIABLE");
}
