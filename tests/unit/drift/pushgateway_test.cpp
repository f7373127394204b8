#include "drift/pushgateway.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("the group URL: ml-drift's job unless the URL names one") {
  CHECK(pushgateway_group_url("http://127.0.0.1:9091") == "http://127.0.0.1:9091/metrics/job/ml-drift");
  CHECK(pushgateway_group_url("http://gw:9091/") == "http://gw:9091/metrics/job/ml-drift");
  CHECK(pushgateway_group_url("http://gw:9091/metrics/job/nightly/instance/a") ==
        "http://gw:9091/metrics/job/nightly/instance/a");
}

TEST_CASE("a non-HTTP URL is a usage error") {
  CHECK(test::expect_error([] { push_to_gateway("ftp://host", "x 1\n"); }).status() == ExitStatus::usage);
}
