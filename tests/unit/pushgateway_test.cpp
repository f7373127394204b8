#include "drift/pushgateway.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("the group URL: ml-drift's job unless the URL names one") {
  CHECK(pushgateway_group_url("http://127.0.0.1:9091") == "http://127.0.0.1:9091/metrics/job/ml-drift");
  CHECK(pushgateway_group_url("http://gw:9091/") == "http://gw:9091/metrics/job/ml-drift");
  CHECK(pushgateway_group_url("http://gw:9091/metrics/job/nightly/instance/a") == "http://gw:9091/metrics/job/nightly/instance/a");
}

TEST_CASE("a refused connection is a remote error naming the URL; a non-HTTP URL is a usage error") {
  Error e = test::expect_error([] { push_to_gateway("http://127.0.0.1:1", "x 1\n"); });
  CHECK(e.status() == ExitStatus::remote);
  CHECK(e.subject() == "http://127.0.0.1:1/metrics/job/ml-drift");
  CHECK(test::expect_error([] { push_to_gateway("ftp://host", "x 1\n"); }).status() == ExitStatus::usage);
}
