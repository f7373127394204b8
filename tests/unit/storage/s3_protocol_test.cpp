#include "storage/s3_protocol.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("XML values: entities decoded, self-closing and attribute forms, look-alike tags skipped") {
  const char* xml =
      "<ListBucketResult><Name>b</Name><KeyCount>2</KeyCount>"
      "<Contents><Key>a &amp; b.json</Key></Contents><Contents><Key>caf&#233;&#x2F;x</Key></Contents>"
      "<Empty/><Tagged attr=\"1\">v</Tagged></ListBucketResult>";
  CHECK(s3::xml_values(xml, "Key") == std::vector<std::string>{"a & b.json", "caf\xc3\xa9/x"});
  CHECK(s3::xml_value(xml, "KeyCount").value() == "2");
  CHECK(s3::xml_value(xml, "Empty").value().empty());
  CHECK(s3::xml_value(xml, "Tagged").value() == "v");
  CHECK(!s3::xml_value(xml, "Missing"));
  CHECK(s3::xml_escape("\"e&<>\"") == "&quot;e&amp;&lt;&gt;&quot;");
}

TEST_CASE("S3 error bodies") {
  auto info = s3::parse_error(
      "<?xml version=\"1.0\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
      "calculated does not match</Message><StringToSign>AWS4-HMAC-SHA256...</StringToSign></Error>");
  CHECK(info.code == "SignatureDoesNotMatch");
  CHECK(info.message == "The request signature we calculated does not match");
  CHECK(s3::parse_error("<CompleteMultipartUploadResult><ETag>x</ETag></CompleteMultipartUploadResult>").code.empty());
}

TEST_CASE("ETags: quoted or not; only a plain MD5 is comparable") {
  CHECK(s3::unquote_etag("\"abc\"") == "abc");
  CHECK(s3::unquote_etag("abc") == "abc");
  CHECK(s3::etag_is_md5("\"0cc175b9c0f1b6a831c399e269772661\""));
  CHECK(!s3::etag_is_md5("\"0cc175b9c0f1b6a831c399e269772661-3\""));
  CHECK(!s3::etag_is_md5("W/\"x\""));
}

TEST_CASE("Content-Range headers") {
  const auto range = s3::parse_content_range("bytes 0-99/1000");
  REQUIRE(range);
  CHECK(range->first == 0);
  CHECK(range->last == 99);
  CHECK(range->total == 1000u);
  const auto unknown = s3::parse_content_range("bytes 5-9/*");
  REQUIRE(unknown);
  CHECK_FALSE(unknown->total);
  for (const char* bad : {"", "bytes", "bytes 0-99", "bytes 9-5/100", "bytes 0-99/99", "bytes -5/100", "items 0-1/2",
                          "bytes 0-99/1000x", "bytes 0-99/", "bytes a-b/c"}) {
    CAPTURE(bad);
    CHECK_FALSE(s3::parse_content_range(bad));
  }
}
