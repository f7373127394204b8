#include "registry/gc.hpp"

#include <cstdlib>
#include <filesystem>
#include <functional>

#include "registry/channel_history.hpp"
#include "storage/local_storage.hpp"
#include "test_util.hpp"

using namespace lean;
namespace fs = std::filesystem;

namespace {

// A local store that records removals and can act (a concurrent promote) on a chosen one.
class WatchedStorage : public LocalStorage {
 public:
  using LocalStorage::LocalStorage;
  std::vector<std::string> removed;
  std::function<void(const std::string& key)> after_remove;
  void remove(const std::string& key) override {
    LocalStorage::remove(key);
    removed.push_back(key);
    if (after_remove) after_remove(key);
  }
};

struct Fixture {
  test::TempDir dir;
  WatchedStorage store{dir.file("reg"), "reg"};
  Registry registry{store};

  void publish(const std::string& version, long long day) {
    ::setenv("SOURCE_DATE_EPOCH", std::to_string(1767225600 + day * 86400).c_str(), 1);
    PublishRequest request{"churn", version, {dir.write("model.bin", "weights " + version)}, std::nullopt, {}};
    registry.publish(request);
  }
  bool complete(const std::string& version) { return store.get(manifest_key("churn", version)).has_value(); }
};

}  // namespace

TEST_CASE("gc hides the manifests before the files go, its copy of each last, and writes one audit event per version") {
  Fixture f;
  for (int i = 1; i <= 3; ++i) f.publish(std::to_string(i) + ".0", i);
  f.registry.promote("churn", "3.0", "production", false);
  GcRequest request{"churn", 1, std::nullopt, 10, false, 0};
  const GcResult result = collect_garbage(f.store, f.registry, request);
  REQUIRE(result.deleted.size() == 2);
  CHECK(result.deleted[0].version == "1.0");  // oldest first
  CHECK(f.store.removed == std::vector<std::string>{"churn/versions/1.0/manifest.json",
                                                    "churn/versions/2.0/manifest.json", "churn/versions/1.0/model.bin",
                                                    hidden_manifest_key("churn", "1.0"), "churn/versions/2.0/model.bin",
                                                    hidden_manifest_key("churn", "2.0")});
  CHECK(!fs::exists(f.dir.file("reg/churn/versions/1.0")));  // the emptied folder too
  int deletes = 0;
  for (const auto& event : read_audit_events(f.store, f.registry, "churn")) {
    if (event.doc["event"] == "delete") ++deletes;
  }
  CHECK(deletes == 2);
  ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("a version a promote points at while it is hidden gets its manifest back and is kept") {
  Fixture f;
  for (int i = 1; i <= 3; ++i) f.publish(std::to_string(i) + ".0", i);
  std::string manifest_body = f.store.get(manifest_key("churn", "1.0"))->body;
  // A promote that read 1.0's manifest before gc hid it writes its channel right after.
  f.store.after_remove = [&](const std::string& key) {
    if (key != manifest_key("churn", "1.0")) return;
    f.store.after_remove = nullptr;
    f.store.put(manifest_key("churn", "1.0"), manifest_body, WriteCondition::absent());
    f.registry.promote("churn", "1.0", "canary", false);
    f.store.remove(manifest_key("churn", "1.0"));
  };
  const GcResult result = collect_garbage(f.store, f.registry, GcRequest{"churn", 1, std::nullopt, 10, false, 0});
  REQUIRE(result.deleted.size() == 1);
  CHECK(result.deleted[0].version == "2.0");
  CHECK(f.complete("1.0"));
  bool kept = false;
  for (const auto& v : result.kept)
    kept |= v.version == "1.0" && v.reason == "channel canary (since gc started; manifest restored)";
  CHECK(kept);
  ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("a version published again while it is hidden is kept with its files") {
  Fixture f;
  for (int i = 1; i <= 3; ++i) f.publish(std::to_string(i) + ".0", i);
  f.store.after_remove = [&](const std::string& key) {
    if (key != manifest_key("churn", "1.0")) return;
    f.store.after_remove = nullptr;
    f.publish("1.0", 9);  // a retried CI job: it reports success
  };
  const GcResult result = collect_garbage(f.store, f.registry, GcRequest{"churn", 1, std::nullopt, 10, false, 0});
  REQUIRE(result.deleted.size() == 1);
  CHECK(result.deleted[0].version == "2.0");
  bool kept = false;
  for (const auto& v : result.kept) kept |= v.version == "1.0" && v.reason == "published again since gc started";
  CHECK(kept);
  for (const auto& check :
       f.registry.verify("churn", "1.0", f.registry.resolve("churn", Selector{"1.0", std::nullopt}).second))
    CHECK(check.ok());
  CHECK(!f.store.get(hidden_manifest_key("churn", "1.0")));
  ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("a dry run deletes nothing") {
  Fixture f;
  for (int i = 1; i <= 2; ++i) f.publish(std::to_string(i) + ".0", i);
  const GcResult result = collect_garbage(f.store, f.registry, GcRequest{"churn", 1, std::nullopt, 10, true, 0});
  CHECK(result.deleted.size() == 1);
  CHECK(result.deleted[0].reason == "would be deleted");
  CHECK(f.store.removed.empty());
  ::unsetenv("SOURCE_DATE_EPOCH");
}
