#include "storage/s3_endpoint.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("s3:// URLs: bucket and prefix, slashes trimmed") {
  auto a = parse_s3_url("s3://models/team/registry/");
  CHECK(a.bucket == "models");
  CHECK(a.prefix == "team/registry");
  auto b = parse_s3_url("s3://models");
  CHECK(b.bucket == "models");
  CHECK(b.prefix.empty());
  CHECK(parse_s3_url("s3://models//x").prefix == "x");
  CHECK(parse_s3_url("S3://models/team").bucket == "models");  // a scheme in any case (RFC 3986)
  for (const char* bad : {"s3://", "s3:///x", "http://models/x", "s3://a b/x", "s3://key:secret@bucket/x"}) {
    CAPTURE(bad);
    CHECK(test::expect_error([&] { parse_s3_url(bad); }).status() == ExitStatus::usage);
  }
}

TEST_CASE("endpoints: AWS by region, or a custom URL as the Host header carries it") {
  const auto aws = s3::parse_endpoint("", "eu-west-1");
  CHECK(aws.scheme == "https");
  CHECK(aws.host == "s3.eu-west-1.amazonaws.com");
  CHECK_FALSE(aws.custom);
  const auto minio = s3::parse_endpoint("HTTP://127.0.0.1:9000/under/", "us-east-1");
  CHECK(minio.scheme == "http");
  CHECK(minio.host == "127.0.0.1:9000");
  CHECK(minio.base_path == "/under");
  CHECK(minio.custom);
  CHECK(s3::parse_endpoint("https://storage.example:443", "x").host == "storage.example");  // the default port goes
  CHECK(s3::parse_endpoint("http://storage.example:443", "x").host == "storage.example:443");
  for (const char* bad : {"127.0.0.1:9000", "ftp://host", "http://user:pw@host", "http:///path"}) {
    CAPTURE(bad);
    CHECK(test::expect_error([&] { s3::parse_endpoint(bad, "us-east-1"); }).status() == ExitStatus::usage);
  }
}

TEST_CASE("bucket names that can be a host name label") {
  CHECK(s3::dns_compatible_bucket("my-bucket-1"));
  CHECK_FALSE(s3::dns_compatible_bucket("ab"));
  CHECK_FALSE(s3::dns_compatible_bucket("My_Bucket"));
  CHECK_FALSE(s3::dns_compatible_bucket("-bucket"));
  CHECK_FALSE(s3::dns_compatible_bucket("bucket-"));
  CHECK_FALSE(s3::dns_compatible_bucket(std::string(64, 'a')));
}
