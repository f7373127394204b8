#include "core/url.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("a scheme is matched in any case (RFC 3986, 3.1)") {
  CHECK(has_scheme("http://h", "http"));
  CHECK(has_scheme("HTTP://h", "http"));
  CHECK(has_scheme("S3://bucket/p", "s3"));
  CHECK_FALSE(has_scheme("https://h", "http"));
  CHECK_FALSE(has_scheme("http:/h", "http"));
  CHECK_FALSE(has_scheme("ht", "http"));
  CHECK(is_http_url("HtTpS://h"));
  CHECK_FALSE(is_http_url("ftp://h"));
}

TEST_CASE("only the scheme is lowercased") {
  CHECK(with_lowercase_scheme("HTTPS://Host/Path") == "https://Host/Path");
  CHECK(with_lowercase_scheme("S3://Bucket/Key") == "s3://Bucket/Key");
  CHECK(with_lowercase_scheme("./Folder/X") == "./Folder/X");
  CHECK(with_lowercase_scheme("1A://x") == "1A://x");  // not a scheme: a letter comes first
}

TEST_CASE("percent-encoding keeps the unreserved characters only (RFC 3986, 2.3)") {
  CHECK(percent_encode("sum(rate(x{a=\"b c\"}[5m]))") == "sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29%29");
  CHECK(percent_encode("a-b_c.d~") == "a-b_c.d~");
  CHECK(percent_encode("models/v1/m.bin") == "models%2Fv1%2Fm.bin");
  CHECK(percent_encode("models/v1/m.bin", true) == "models/v1/m.bin");
  CHECK(percent_encode(std::string_view("\xc3\xa9\x00+", 4)) == "%C3%A9%00%2B");
}
