#include "prometheus/client.hpp"

#include <cstdlib>

#include "core/base64.hpp"
#include "test_util.hpp"

using namespace lean;
using namespace lean::prometheus;

TEST_CASE("what a server says is shown without secrets or control characters") {
  CHECK(sanitize("got Bearer s3cret and s3cret", {"s3cret"}) == "got Bearer *** and ***");
  // The escapes of every error line (core/printable.hpp), not a style of its own.
  CHECK(sanitize("red \x1b[31m\n\xe2\x80\xae", {}) == "red \\e[31m\\n\\u202e");
}

TEST_CASE("a password shorter than the redaction minimum is not masked inside other words") {
  CHECK(sanitize("upward trend, pw", {"pw", "longer-secret"}) == "upward trend, pw");
  CHECK(sanitize("echo longer-secret", {"pw", "longer-secret"}) == "echo ***");
}

TEST_CASE("credentials come from the environment, one kind at a time") {
  ::setenv("PROMETHEUS_TOKEN", "tok", 1);
  ::setenv("PROMETHEUS_USER", "u", 1);
  ::setenv("PROMETHEUS_PASSWORD", "pw", 1);
  CHECK(test::expect_error([] { Credentials::from_env(); }).describe() ==
        "set PROMETHEUS_TOKEN or PROMETHEUS_USER and PROMETHEUS_PASSWORD, not both");
  ::unsetenv("PROMETHEUS_TOKEN");
  Credentials basic = Credentials::from_env();
  CHECK(basic.user == "u");
  CHECK(basic.secrets() == std::vector<std::string>{"pw", base64_encode("u:pw")});
  ::unsetenv("PROMETHEUS_PASSWORD");
  CHECK(test::expect_error([] { Credentials::from_env(); }).status() == ExitStatus::usage);
  ::unsetenv("PROMETHEUS_USER");
  CHECK(Credentials::from_env().secrets().empty());
}

TEST_CASE("the URL must be http or https, in any case") {
  CHECK(test::expect_error([] { Client("ftp://x", {}, {}); }).describe() ==
        "--prometheus needs an http:// or https:// URL, not \"ftp://x\"");
  CHECK(Client("HTTP://prometheus:9090/", {}, {}).shown_url() == "http://prometheus:9090");
  CHECK(Client("Https://mimir/prometheus", {}, {}).shown_url() == "https://mimir/prometheus");
}

TEST_CASE("times and steps are sent as plain decimal seconds, never with an exponent") {
  CHECK(seconds_parameter(1795000000) == "1795000000");  // a round time: format_number gives 1.795e+09
  CHECK(seconds_parameter(1800000000.5) == "1800000000.5");
  CHECK(seconds_parameter(300) == "300");
  CHECK(seconds_parameter(0.25) == "0.25");
}
