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
