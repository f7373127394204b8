#include "storage/s3_credentials.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("shared credentials: the profile's keys, comments and other profiles skipped") {
  const char* text =
      "# a comment\n"
      "[default]\n"
      "aws_access_key_id = AKIDDEFAULT\n"
      "aws_secret_access_key=secretdefault\r\n"
      "\n"
      "[ ci ]\n"
      "; another comment\n"
      "  aws_access_key_id = AKIDCI  \n"
      "aws_secret_access_key = secretci\n"
      "aws_session_token = token=with=equals\n"
      "[empty]\n"
      "aws_access_key_id = only-the-id\n";
  const auto defaults = s3::parse_shared_credentials(text, "default");
  REQUIRE(defaults);
  CHECK(defaults->access_key_id == "AKIDDEFAULT");
  CHECK(defaults->secret_access_key == "secretdefault");
  CHECK(defaults->session_token.empty());
  const auto ci = s3::parse_shared_credentials(text, "ci");
  REQUIRE(ci);
  CHECK(ci->access_key_id == "AKIDCI");
  CHECK(ci->secret_access_key == "secretci");
  CHECK(ci->session_token == "token=with=equals");
  CHECK_FALSE(s3::parse_shared_credentials(text, "empty"));  // no secret
  CHECK_FALSE(s3::parse_shared_credentials(text, "missing"));
  CHECK_FALSE(s3::parse_shared_credentials("", "default"));
}
