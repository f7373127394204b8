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

TEST_CASE("parse_key splits the layout's keys and refuses anything else") {
  const forge::KeyRef file = forge::parse_key("churn/versions/1.0.0/model.bin");
  CHECK(file.kind == forge::KeyRef::Kind::version_file);
  CHECK((file.model == "churn" && file.version == "1.0.0" && file.name == "model.bin"));
  CHECK(forge::parse_key("churn/versions/1.0.0/manifest.json").kind == forge::KeyRef::Kind::manifest);
  const forge::KeyRef channel = forge::parse_key("churn/channels/production.json");
  CHECK(channel.kind == forge::KeyRef::Kind::channel);
  CHECK((channel.model == "churn" && channel.version.empty() && channel.name == "production"));
  const forge::KeyRef audit = forge::parse_key("churn/audit/20260101T000000Z-ab12.json");
  CHECK(audit.kind == forge::KeyRef::Kind::audit);
  CHECK(audit.name == "20260101T000000Z-ab12.json");
  for (const char* key : {"churn//1.0.0/model.bin", "churn/versions/1.0.0/", "churn/channels/.json",
                          "churn/channels/production", "churn/other/x", "churn"}) {
    CAPTURE(key);
    CHECK(test::expect_error([&] { forge::parse_key(key); }).status() == ExitStatus::usage);
  }
}

TEST_CASE("id_of and text_of read a field of the right type only") {
  const auto doc = nlohmann::json::parse(R"({"id": 7, "name": "a", "size": "12", "label": null})");
  CHECK(forge::id_of(doc, "id") == 7);
  CHECK(forge::id_of(doc, "size") == 0);
  CHECK(text_of(doc, "name") == "a");
  CHECK(text_of(doc, "label").empty());
  CHECK(text_of(nlohmann::json::array(), "name").empty());
}

TEST_CASE("keys_under keeps the prefix's keys, sorted and each once") {
  CHECK(forge::keys_under({"b/versions/1/x", "a/channels/p.json", "a/audit/e.json", "a/audit/e.json"}, "a/") ==
        std::vector<std::string>{"a/audit/e.json", "a/channels/p.json"});
  CHECK(forge::keys_under({"a/x"}, "").size() == 1);
}

TEST_CASE("channel pointer generations: plain on GitHub, suffixed on GitLab") {
  CHECK(forge::generation_name("production", 42) == "production.0000000042.json");
  CHECK(forge::generation_name("production", 42, "1a2b3c4d") == "production.0000000042-1a2b3c4d.json");
  using forge::GenerationNames;
  CHECK(forge::parse_generation("production.0000000042.json", GenerationNames::plain) ==
        std::make_pair(std::string("production"), 42LL));
  CHECK(forge::parse_generation("my.channel.0000000007-ab.json", GenerationNames::suffixed) ==
        std::make_pair(std::string("my.channel"), 7LL));
  CHECK_FALSE(forge::parse_generation("production.0000000042-1a.json", GenerationNames::plain));
  CHECK_FALSE(forge::parse_generation("production.0000000042.json", GenerationNames::suffixed));
  CHECK_FALSE(forge::parse_generation("production..json", GenerationNames::plain));
  CHECK_FALSE(forge::parse_generation(".0000000042.json", GenerationNames::plain));
  CHECK_FALSE(forge::parse_generation("production.-ab.json", GenerationNames::suffixed));
  CHECK_FALSE(forge::parse_generation("production.1234567890123456789.json", GenerationNames::plain));
  CHECK_FALSE(forge::parse_generation("manifest.json", GenerationNames::plain));
}

TEST_CASE("stores_key: which stored files a key names") {
  using forge::GenerationNames;
  const auto file = forge::parse_key("churn/versions/1.0.0/a b.bin");
  CHECK(forge::stores_key(file, "a+20b.bin", std::string("a b.bin"), GenerationNames::plain));
  CHECK_FALSE(forge::stores_key(file, "other.bin", std::string("other.bin"), GenerationNames::plain));
  CHECK_FALSE(forge::stores_key(file, "bad+2", std::nullopt, GenerationNames::plain));
  const auto manifest = forge::parse_key("churn/versions/1.0.0/manifest.json");
  CHECK(forge::stores_key(manifest, "manifest.json", std::string("manifest.json"), GenerationNames::plain));
  const auto channel = forge::parse_key("churn/channels/production.json");
  CHECK(forge::stores_key(channel, "production.0000000003.json", std::nullopt, GenerationNames::plain));
  CHECK(forge::stores_key(channel, "production.0000000003-ab12.json", std::nullopt, GenerationNames::suffixed));
  CHECK_FALSE(forge::stores_key(channel, "staging.0000000003.json", std::nullopt, GenerationNames::plain));
  const auto audit = forge::parse_key("churn/audit/E1.json");
  CHECK(forge::stores_key(audit, "E1.json", std::string("E1.json"), GenerationNames::plain));
  CHECK_FALSE(forge::stores_key(audit, "E2.json", std::string("E2.json"), GenerationNames::plain));
}

TEST_CASE("api_url: the option, else the variable, else the default; http(s) only") {
  CHECK(forge::api_url("HTTPS://ghe.example/api/v3", "LEAN_TEST_UNSET_API_URL", "https://api.github.com",
                       "https://HOST[/api/v3]") == "https://ghe.example/api/v3");
  CHECK(forge::api_url("", "LEAN_TEST_UNSET_API_URL", "https://api.github.com", "https://HOST[/api/v3]") ==
        "https://api.github.com");
  const Error error = test::expect_error([] {
    forge::api_url("ftp://host", "LEAN_TEST_UNSET_API_URL", "https://gitlab.com/api/v4", "https://HOST/api/v4");
  });
  CHECK(error.status() == ExitStatus::usage);
  CHECK(std::string(error.what()).find("invalid --api-url \"ftp://host\": use https://HOST/api/v4") !=
        std::string::npos);
}
