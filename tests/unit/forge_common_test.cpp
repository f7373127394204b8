#include "storage/forge_common.hpp"

#include "storage/github_storage.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("forge names: plain names pass, the rest becomes +XX and decodes back") {
  CHECK(forge::encode_name("model-1.0_final.bin") == "model-1.0_final.bin");
  CHECK(forge::encode_name("my model (v2)~.pkl") == "my+20model+20+28v2+29+7E.pkl");
  CHECK(forge::encode_name("a+b") == "a+2Bb");
  for (const std::string name : {"my model (v2)~.pkl", "a+b", "caf\xc3\xa9.bin", "x"}) {
    CHECK(forge::decode_name(forge::encode_name(name)) == name);
  }
  CHECK_FALSE(forge::decode_name("bad+2").has_value());
  CHECK_FALSE(forge::decode_name("bad name").has_value());
  // Found by fuzzing: only encode_name's own spelling decodes, so two stored names never
  // stand for one file.
  CHECK_FALSE(forge::decode_name("aas+2Ekl").has_value());
  CHECK_FALSE(forge::decode_name("my+20model+2b").has_value());
}

TEST_CASE("tag formats") {
  CHECK(github_tag("{model}-v{version}", "churn", "1.4.0") == "churn-v1.4.0");
  CHECK(github_tag("models/{model}/{version}", "churn", "1+b.7") == "models/churn/1+b.7");
  CHECK(test::expect_error([] { github_tag("{model}", "m", "v"); }).status() == ExitStatus::usage);
}

TEST_CASE("url_encode keeps unreserved characters only") {
  CHECK(forge::url_encode("acme/ml models+1") == "acme%2Fml%20models%2B1");
}
