#include "crypto/md5.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("MD5 matches RFC 1321's test suite, fed in pieces or after a reset") {
  Md5 md5;
  CHECK(md5.finish_hex() == "d41d8cd98f00b204e9800998ecf8427e");
  md5.reset();
  md5.update("message ", 8);
  md5.update("digest", 6);
  CHECK(md5.finish_hex() == "f96b697d7cb7938d525a2f31aaf161d0");
  md5.reset();
  md5.update("abc", 3);
  CHECK(md5.finish_hex() == "900150983cd24fb0d6963f7d28e17f72");
}
