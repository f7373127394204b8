#include "core/base64.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("base64 as RFC 4648's test vectors") {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"},
                                                         {"\xff\xfe", "//4="}};
  for (const auto& [bytes, text] : vectors) {
    CAPTURE(text);
    CHECK(base64_encode(bytes) == text);
    CHECK(base64_decode(text) == bytes);
  }
}

TEST_CASE("base64 round-trips every byte and refuses what is not base64") {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (std::size_t size = 0; size <= all.size(); size += 37) {
    CHECK(base64_decode(base64_encode(all.substr(0, size))) == all.substr(0, size));
  }
  for (const char* bad : {"YWJjZA=", "YW=jZA==", "YWJj ZA=", "Y===", "====", "YWJj\nZA==", "YQ=a"}) {
    CAPTURE(bad);
    CHECK_FALSE(base64_decode(bad));
  }
}
