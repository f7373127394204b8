#include "storage/github_api.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("GitHub answers: a release and its assets, fields of the wrong type left empty") {
  const auto doc = nlohmann::json::parse(R"({
    "id": 7, "tag_name": "churn-v1.0.0", "name": "churn 1.0.0", "body": "b", "draft": true,
    "upload_url": "https://uploads.example/releases/7/assets{?name,label}", "created_at": "2026-11-05T10:11:12Z",
    "assets": [{"id": 9, "name": "model.bin", "label": "model.bin", "state": "uploaded", "size": 12,
                "digest": "sha256:ab", "updated_at": "2026-11-05T10:11:13Z"},
               {"id": "10", "name": 3, "size": -1}]
  })");
  const GithubRelease release = parse_github_release(doc);
  CHECK(release.id == 7);
  CHECK(release.tag == "churn-v1.0.0");
  CHECK(release.draft);
  CHECK(release.upload_url == "https://uploads.example/releases/7/assets{?name,label}");
  REQUIRE(release.assets.size() == 2);
  CHECK(release.assets[0].id == 9);
  CHECK(release.assets[0].state == "uploaded");
  CHECK(release.assets[0].size == 12);
  CHECK(release.assets[1].id == 0);
  CHECK(release.assets[1].name.empty());
  CHECK(release.assets[1].size == 0);
  CHECK_FALSE(parse_github_release(nlohmann::json::parse(R"({"draft": "yes"})")).draft);
  CHECK(parse_github_release(nlohmann::json::array()).assets.empty());
}
