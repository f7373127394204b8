#include "core/redact.hpp"

#include "core/base64.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("a registered secret is removed wherever it appears") {
  add_secret("s3cr3t-value-1");
  CHECK(redact("echo: Authorization: token s3cr3t-value-1, again s3cr3t-value-1") ==
        "echo: Authorization: token ***, again ***");
}

TEST_CASE("a secret that contains another is removed whole") {
  add_secret("inner-secret");
  add_secret("outer-inner-secret-value");
  CHECK(redact("x outer-inner-secret-value y inner-secret") == "x *** y ***");
}

TEST_CASE("short values are not treated as secrets") {
  add_secret("abc");
  CHECK(redact("abc") == "abc");
}

TEST_CASE("URL user-info is removed, user and password alike") {
  CHECK(redact("invalid registry URL \"github://x:PASS@acme/models\"") ==
        "invalid registry URL \"github://***@acme/models\"");
  CHECK(redact("http://user:tok@127.0.0.1:9/metrics") == "http://***@127.0.0.1:9/metrics");
  CHECK(redact("https://host/path?email=a@b") == "https://host/path?email=a@b");
  CHECK(redact("mail me at a@b.c, see https://example.org") == "mail me at a@b.c, see https://example.org");
}

TEST_CASE("user-info after a mistyped scheme is removed too") {
  CHECK(redact("not \"http:/bob:PASS@127.0.0.1:9\"") == "not \"http:/***@127.0.0.1:9\"");
  CHECK(redact("http//bob:PASS@h https;//bob:PASS@h") == "http//***@h https;//***@h");
  CHECK(redact("see docs/a@b and x/y:z") == "see docs/a@b and x/y:z");  // no ':' before the '@'
}

TEST_CASE("a URL's credentials are registered raw, decoded and as the Basic header libcurl sends") {
  add_url_credentials("http://bob:PUSH%2Fpass@gateway:9091/metrics");
  CHECK(redact("PUSH%2Fpass") == "***");
  CHECK(redact("got PUSH/pass") == "got ***");
  CHECK(redact("Basic " + base64_encode("bob:PUSH/pass")) == "Basic ***");
  add_url_credentials("http://gateway:9091/no-user-info");  // nothing to register, no crash
}

TEST_CASE("SigV4 signatures are removed from headers and presigned URLs") {
  CHECK(redact("Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0a1b2c3d") ==
        "Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=***");
  CHECK(redact("?X-Amz-Signature=deadbeef&x=1") == "?X-Amz-Signature=***&x=1");
}

TEST_CASE("one safe line: redacted, then escaped") {
  add_secret("line-secret-42");
  CHECK(safe_line("HTTP 403: line-secret-42\n\x1b[31m") == "HTTP 403: ***\\n\\e[31m");
}

TEST_CASE("a URL password under the minimum length is not masked in other text, the URL's user-info is") {
  add_url_credentials("http://user:pw@gateway:9091/metrics");
  CHECK(redact("upward trend, pw") == "upward trend, pw");
  CHECK(redact("pushing to http://user:pw@gateway:9091/metrics") == "pushing to http://***@gateway:9091/metrics");
  CHECK(redact("Basic " + base64_encode("user:pw")) == "Basic ***");  // what the header carries: long enough
}

TEST_CASE("a signed URL's query and each of its values are secrets") {
  add_url_query_secrets("https://storage.example/f?sig=SIGNATURE%2Babc&jwt=eyJtoken.part&se=1#frag");
  CHECK(redact("echo: /f?sig=SIGNATURE%2Babc&jwt=eyJtoken.part&se=1") == "echo: /f?***");
  CHECK(redact("sig is SIGNATURE+abc, jwt eyJtoken.part") == "sig is ***, jwt ***");
  add_url_query_secrets("https://storage.example/no-query");
}
