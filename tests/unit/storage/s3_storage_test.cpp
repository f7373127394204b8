#include "storage/s3_storage.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("opening needs credentials and a valid endpoint, and never contacts the store") {
  S3Options options;
  options.endpoint_url = "http://127.0.0.1:1";
  options.credentials = sigv4::Credentials{"AKID", "secret", ""};
  auto storage = open_s3_storage("s3://bucket/prefix", options);
  CHECK(storage->describe() == "s3://bucket/prefix");
  options.endpoint_url = "ftp://host";
  CHECK(test::expect_error([&] { open_s3_storage("s3://bucket", options); }).status() == ExitStatus::usage);
  options.endpoint_url = "http://user:pw@host";
  auto error = test::expect_error([&] { open_s3_storage("s3://bucket", options); });
  CHECK(error.status() == ExitStatus::usage);
  CHECK(error.describe().find("pw") == std::string::npos);
  options.endpoint_url = "http://127.0.0.1:1";
  options.credentials = sigv4::Credentials{"", "", ""};
  CHECK(test::expect_error([&] { open_s3_storage("s3://bucket", options); }).status() == ExitStatus::remote);
}
