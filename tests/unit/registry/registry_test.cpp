#include "registry/registry.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "crypto/sha256.hpp"
#include "storage/local_storage.hpp"
#include "test_util.hpp"

using namespace lean;
namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

namespace {

// A local store that records each write and can fail or interfere on a chosen one, to
// prove the order of writes and the behaviour when a process dies or loses a race.
class ScriptedStorage : public LocalStorage {
 public:
  using LocalStorage::LocalStorage;
  std::vector<std::string> writes;                         // "put KEY" / "upload KEY", in order
  std::function<void(const std::string& key)> before_put;  // runs before each put

  bool put(const std::string& key, const std::string& body, const WriteCondition& condition) override {
    if (before_put) before_put(key);
    writes.push_back("put " + key);
    return LocalStorage::put(key, body, condition);
  }
  FileDigest upload_file(const std::string& key, const std::string& local_path) override {
    writes.push_back("upload " + key);
    return LocalStorage::upload_file(key, local_path);
  }
  // A publish stages its files, then commits them with the manifest (the manifest's put).
  FileDigest stage_file(const std::string& key, const std::string& local_path, const std::string& attempt) override {
    writes.push_back("upload " + key);
    return LocalStorage::stage_file(key, local_path, attempt);
  }
  bool commit_version(const std::string& manifest_key, const std::string& body, const std::vector<std::string>& keys,
                      const std::string& attempt) override {
    if (before_put) before_put(manifest_key);
    writes.push_back("put " + manifest_key);
    return LocalStorage::commit_version(manifest_key, body, keys, attempt);
  }
};

struct Fixture {
  test::TempDir dir;
  ScriptedStorage store{dir.file("reg"), "reg"};
  Registry registry{store};

  std::string model_file(const std::string& name, const std::string& content) {
    fs::create_directories(fs::path(dir.file(name)).parent_path());
    return dir.write(name, content);
  }

  PublishResult publish(const std::string& version, const std::string& content = "weights") {
    PublishRequest request{"churn", version, {model_file("model.bin", content)}, std::nullopt, {}};
    return registry.publish(request);
  }

  std::vector<std::string> audit_events() { return store.list(audit_prefix("churn")); }
  ordered_json stored_json(const std::string& key) { return ordered_json::parse(store.get(key)->body); }
};

}  // namespace

TEST_CASE("publish: files first, then the manifest with every field, then the audit event") {
  Fixture f;
  const std::string metrics_source = R"({"accuracy": 0.9, "eval": {"f1": 0.8}})";
  PublishRequest request{"churn",
                         "1.0.0",
                         {f.model_file("model.bin", "weights"), f.model_file("vocab.txt", "a b c")},
                         ordered_json::parse(metrics_source),
                         {{"dataset", "2026-11"}, {"owner", "ds-team"}}};
  const PublishResult result = f.registry.publish(request);
  CHECK_FALSE(result.already_published);

  REQUIRE(f.store.writes.size() == 4);
  CHECK(f.store.writes[0] == "upload churn/versions/1.0.0/model.bin");
  CHECK(f.store.writes[1] == "upload churn/versions/1.0.0/vocab.txt");
  CHECK(f.store.writes[2] == "put churn/versions/1.0.0/manifest.json");
  CHECK(f.store.writes[3].rfind("put churn/audit/", 0) == 0);

  const ordered_json manifest = f.stored_json("churn/versions/1.0.0/manifest.json");
  CHECK(manifest["model"] == "churn");
  CHECK(manifest["version"] == "1.0.0");
  CHECK(manifest["files"][0] == ordered_json{{"name", "model.bin"}, {"size", 7}, {"sha256", sha256_hex("weights")}});
  CHECK(manifest["files"][1]["sha256"] == sha256_hex("a b c"));
  CHECK(manifest["metrics"]["eval"]["f1"] == 0.8);
  CHECK(manifest["meta"] == ordered_json{{"dataset", "2026-11"}, {"owner", "ds-team"}});
  for (const char* key : {"git_commit", "ci_run_url", "created_at", "created_by", "tool_version"}) {
    CHECK(manifest.contains(key));
  }
  CHECK(result.manifest.sha256 == sha256_hex(f.store.get("churn/versions/1.0.0/manifest.json")->body));

  const ordered_json event = f.stored_json(f.audit_events().at(0));
  CHECK(event["event"] == "publish");
  CHECK(event["version"] == "1.0.0");
  CHECK(event["manifest_sha256"] == result.manifest.sha256);
}

TEST_CASE("re-publishing identical files succeeds and writes nothing; different files are a conflict") {
  Fixture f;
  f.publish("1.0.0", "weights");
  const std::string manifest = f.store.get("churn/versions/1.0.0/manifest.json")->body;
  f.store.writes.clear();

  CHECK(f.publish("1.0.0", "weights").already_published);
  // Only the if-absent write of the publish's audit event (there already: nothing written).
  REQUIRE(f.store.writes.size() == 1);
  CHECK(f.store.writes[0].rfind("put churn/audit/", 0) == 0);
  CHECK(f.audit_events().size() == 1);
  f.store.writes.clear();

  const Error e = test::expect_error([&] { f.publish("1.0.0", "weights v2"); });
  CHECK(e.status() == ExitStatus::integrity);
  CHECK(e.subject() == "reg/churn/versions/1.0.0");
  CHECK(std::string(e.what()) ==
        "version 1.0.0 of churn is already published with different content (model.bin differs); "
        "versions are immutable: publish a new version");
  CHECK(f.store.writes.empty());
  CHECK(f.store.get("churn/versions/1.0.0/manifest.json")->body == manifest);
  CHECK(test::read_all(f.dir.file("reg/churn/versions/1.0.0/model.bin")) == "weights");
  CHECK(f.audit_events().size() == 1);
}

TEST_CASE("a publish that dies before its manifest leaves nothing usable; the retry completes it") {
  Fixture f;
  f.publish("1.0.0");
  f.store.before_put = [](const std::string& key) {
    if (key.find("manifest.json") != std::string::npos) throw Error(ExitStatus::remote, key, "connection lost");
  };
  PublishRequest request{"churn", "1.1.0", {f.model_file("model.bin", "new"), f.model_file("extra.bin", "x")}, {}, {}};
  CHECK(test::expect_error([&] { f.registry.publish(request); }).status() == ExitStatus::remote);
  f.store.before_put = nullptr;

  // The staged files went with the failed attempt: no trace of 1.1.0 at all.
  const ModelListing listing = f.registry.list("churn");
  REQUIRE(listing.versions.size() == 1);
  CHECK(listing.versions[0].version == "1.0.0");
  CHECK(listing.incomplete.empty());
  CHECK(f.store.leftovers("churn/versions/1.1.0/").empty());
  const Error promote = test::expect_error([&] { f.registry.promote("churn", "1.1.0", "production", false); });
  CHECK(promote.status() == ExitStatus::input_data);
  CHECK(std::string(promote.what()).find("has no version \"1.1.0\"") != std::string::npos);
  CHECK(test::expect_error([&] {
          f.registry.resolve("churn", Selector{"1.1.0", std::nullopt});
        }).status() == ExitStatus::input_data);
  CHECK_FALSE(f.store.get(channel_key("churn", "production")));

  // The retry publishes other files: the leftover of the first attempt goes.
  f.publish("1.1.0", "new");
  CHECK(f.store.list(version_prefix("churn", "1.1.0")) ==
        std::vector<std::string>{"churn/versions/1.1.0/manifest.json", "churn/versions/1.1.0/model.bin"});
  CHECK(f.registry.list("churn").incomplete.empty());
}

TEST_CASE("promote builds the history; promoting the current version changes nothing") {
  Fixture f;
  f.publish("1.0.0", "a");
  f.publish("1.1.0", "b");
  ChannelChange first = f.registry.promote("churn", "1.0.0", "production", false);
  CHECK(first.changed);
  CHECK_FALSE(first.previous);
  ChannelChange second = f.registry.promote("churn", "1.1.0", "production", true);
  CHECK(second.previous == "1.0.0");
  const ordered_json pointer = f.stored_json(channel_key("churn", "production"));
  CHECK(pointer["version"] == "1.1.0");
  CHECK(pointer["previous_version"] == "1.0.0");
  CHECK(pointer["action"] == "promote");
  REQUIRE(pointer["history"].size() == 1);
  CHECK(pointer["history"][0]["version"] == "1.0.0");

  const std::size_t events = f.audit_events().size();
  ChannelChange again = f.registry.promote("churn", "1.1.0", "production", false);
  CHECK_FALSE(again.changed);
  CHECK(f.audit_events().size() == events);
}

TEST_CASE("promote refuses missing versions and corrupted files") {
  Fixture f;
  f.publish("1.0.0");
  const Error missing = test::expect_error([&] { f.registry.promote("churn", "1.0.1", "production", false); });
  CHECK(missing.status() == ExitStatus::input_data);
  CHECK(std::string(missing.what()) ==
        "model churn has no version \"1.0.1\"; did you mean \"1.0.0\"? (versions: 1.0.0)");
  const Error model = test::expect_error([&] { f.registry.promote("churm", "1.0.0", "production", false); });
  CHECK(std::string(model.what()) == "no model \"churm\" in the registry; did you mean \"churn\"? (models: churn)");

  f.dir.write("reg/churn/versions/1.0.0/model.bin", "tampered");
  CHECK(test::expect_error([&] { f.registry.promote("churn", "1.0.0", "production", true); }).status() ==
        ExitStatus::integrity);
  fs::remove(f.dir.file("reg/churn/versions/1.0.0/model.bin"));
  CHECK(test::expect_error([&] { f.registry.promote("churn", "1.0.0", "production", false); }).status() ==
        ExitStatus::integrity);
  CHECK_FALSE(f.store.get(channel_key("churn", "production")));
}

TEST_CASE("a promote that loses the race re-reads the channel and keeps the other writer's change") {
  Fixture f;
  f.publish("1.0.0", "a");
  f.publish("1.1.0", "b");
  f.publish("1.2.0", "c");
  f.registry.promote("churn", "1.0.0", "production", false);
  bool interfered = false;
  f.store.before_put = [&](const std::string& key) {
    if (interfered || key != channel_key("churn", "production")) return;
    interfered = true;  // another process promotes 1.1.0 between our read and our write
    LocalStorage other(f.dir.file("reg"), "reg");
    Registry(other).promote("churn", "1.1.0", "production", false);
  };
  const ChannelChange change = f.registry.promote("churn", "1.2.0", "production", false);
  CHECK(change.attempts == 2);
  CHECK(change.previous == "1.1.0");
  const ordered_json pointer = f.stored_json(channel_key("churn", "production"));
  CHECK(pointer["history"][0]["version"] == "1.1.0");
  CHECK(pointer["history"][1]["version"] == "1.0.0");
  CHECK(f.audit_events().size() == 3 + 3);  // three publishes, three promotes
}

TEST_CASE("rollback walks the history back; --to jumps to an earlier version of the channel") {
  Fixture f;
  for (const char* v : {"1.0.0", "1.1.0", "1.2.0", "1.3.0"}) {
    f.publish(v, v);
    f.registry.promote("churn", v, "production", false);
  }
  ChannelChange back = f.registry.rollback("churn", "production", std::nullopt);
  CHECK(back.version == "1.2.0");
  CHECK(back.previous == "1.3.0");
  const ordered_json pointer = f.stored_json(channel_key("churn", "production"));
  CHECK(pointer["action"] == "rollback");
  CHECK(pointer["history"].size() == 2);  // 1.1.0, 1.0.0: a second rollback goes further back

  const Error never = test::expect_error([&] { f.registry.rollback("churn", "production", std::string("1.3.0")); });
  CHECK(never.status() == ExitStatus::input_data);
  CHECK(std::string(never.what()) ==
        "version 1.3.0 was not on channel production of churn before (history: 1.1.0, 1.0.0); promote it instead");

  CHECK(f.registry.rollback("churn", "production", std::string("1.0.0")).version == "1.0.0");
  CHECK_FALSE(f.registry.rollback("churn", "production", std::string("1.0.0")).changed);  // a retry is safe
  const Error empty = test::expect_error([&] { f.registry.rollback("churn", "production", std::nullopt); });
  CHECK(std::string(empty.what()) == "channel production of churn has no earlier version to roll back to");
  const Error none = test::expect_error([&] { f.registry.rollback("churn", "staging", std::nullopt); });
  CHECK(std::string(none.what()) == "model churn has no channel \"staging\" (channels: production)");

  std::vector<std::string> kinds;
  for (const auto& key : f.audit_events()) kinds.push_back(f.stored_json(key)["event"].get<std::string>());
  CHECK(std::count(kinds.begin(), kinds.end(), "rollback") == 2);
}

TEST_CASE("fetch moves files into DEST only when every one matches") {
  Fixture f;
  PublishRequest request{"churn", "1.0.0", {f.model_file("a.bin", "alpha"), f.model_file("b.bin", "beta")}, {}, {}};
  f.registry.publish(request);
  auto [version, manifest] = f.registry.resolve("churn", Selector{"1.0.0", std::nullopt});

  f.registry.fetch("churn", version, manifest, f.dir.file("out/new"));
  CHECK(test::read_all(f.dir.file("out/new/b.bin")) == "beta");

  f.model_file("existing/keep.txt", "mine");
  f.dir.write("reg/churn/versions/1.0.0/b.bin", "bent");
  const Error e = test::expect_error([&] { f.registry.fetch("churn", version, manifest, f.dir.file("existing")); });
  CHECK(e.status() == ExitStatus::integrity);
  CHECK(e.subject() == "reg/churn/versions/1.0.0/b.bin");
  CHECK(fs::exists(f.dir.file("existing/keep.txt")));
  CHECK_FALSE(fs::exists(f.dir.file("existing/a.bin")));
  CHECK(test::expect_error([&] { f.registry.fetch("churn", version, manifest, f.dir.file("fresh")); }).status() ==
        ExitStatus::integrity);
  CHECK_FALSE(fs::exists(f.dir.file("fresh")));
  for (const auto& entry : fs::directory_iterator(f.dir.file(""))) {
    CHECK(entry.path().filename().string().rfind(".lean-fetch-", 0) != 0);  // no staging folder left
  }
}

TEST_CASE("verify reports every file that no longer matches") {
  Fixture f;
  PublishRequest request{"churn", "1.0.0", {f.model_file("a.bin", "alpha"), f.model_file("b.bin", "beta")}, {}, {}};
  f.registry.publish(request);
  auto [version, manifest] = f.registry.resolve("churn", Selector{"1.0.0", std::nullopt});
  for (const auto& check : f.registry.verify("churn", version, manifest)) CHECK(check.ok());
  f.dir.write("reg/churn/versions/1.0.0/a.bin", "alphA");
  fs::remove(f.dir.file("reg/churn/versions/1.0.0/b.bin"));
  const auto checks = f.registry.verify("churn", version, manifest);
  CHECK_FALSE(checks[0].ok());
  CHECK(checks[0].actual->sha256 == sha256_hex("alphA"));
  CHECK_FALSE(checks[1].actual);
}

TEST_CASE("a channel whose manifest changed afterwards is an integrity error") {
  Fixture f;
  f.publish("1.0.0");
  f.registry.promote("churn", "1.0.0", "production", false);
  std::string manifest = f.store.get(manifest_key("churn", "1.0.0"))->body;
  manifest.insert(manifest.size() - 2, " ");
  f.dir.write("reg/churn/versions/1.0.0/manifest.json", manifest);
  CHECK(test::expect_error([&] {
          f.registry.resolve("churn", Selector{std::nullopt, "production"});
        }).status() == ExitStatus::integrity);
}

TEST_CASE("unsafe names in a stored manifest are never acted on") {
  Fixture f;
  f.publish("1.0.0");
  ordered_json manifest = f.stored_json(manifest_key("churn", "1.0.0"));
  manifest["files"][0]["name"] = "../../escape";
  f.dir.write("reg/churn/versions/1.0.0/manifest.json", manifest.dump());
  CHECK(test::expect_error([&] {
          f.registry.resolve("churn", Selector{"1.0.0", std::nullopt});
        }).status() == ExitStatus::integrity);
}

TEST_CASE("channel metrics are the baseline of ml-compare") {
  Fixture f;
  CHECK_FALSE(f.registry.channel_metrics("churn", "production"));
  PublishRequest request{"churn", "1.0.0", {f.model_file("m.bin", "m")}, ordered_json{{"accuracy", 0.9}}, {}};
  f.registry.publish(request);
  f.registry.promote("churn", "1.0.0", "production", false);
  auto found = f.registry.channel_metrics("churn", "production");
  REQUIRE(found);
  CHECK(found->version == "1.0.0");
  CHECK(ordered_json::parse(found->metrics_json)["accuracy"] == 0.9);
  f.publish("2.0.0");  // no metrics
  f.registry.promote("churn", "2.0.0", "production", false);
  CHECK(test::expect_error([&] { f.registry.channel_metrics("churn", "production"); }).status() ==
        ExitStatus::input_data);
}

TEST_CASE("names and publish inputs are checked before anything is written") {
  Fixture f;
  CHECK(test::expect_error([] { check_name("version", "../x"); }).status() == ExitStatus::usage);
  CHECK(test::expect_error([] { check_name("model", ""); }).status() == ExitStatus::usage);
  check_name("version", "1.0.0+build.7");
  CHECK(test::expect_error([] { check_file_name(".hidden", "x/.hidden"); }).status() == ExitStatus::usage);
  CHECK(test::expect_error([] { check_file_name("manifest.json", "manifest.json"); }).status() == ExitStatus::usage);

  PublishRequest twice{"churn", "1.0.0", {f.model_file("a/m.bin", "1"), f.model_file("b/m.bin", "2")}, {}, {}};
  CHECK(test::expect_error([&] { f.registry.publish(twice); }).status() == ExitStatus::usage);
  PublishRequest missing{"churn", "1.0.0", {f.model_file("m.bin", "1"), f.dir.file("absent.bin")}, {}, {}};
  const Error e = test::expect_error([&] { f.registry.publish(missing); });
  CHECK(e.status() == ExitStatus::input_data);
  CHECK(e.describe() == "'" + f.dir.file("absent.bin") + "': cannot open: No such file or directory");
  CHECK(f.store.writes.empty());
}

TEST_CASE("versions sort naturally") {
  std::vector<std::string> versions{"1.10.0", "1.9.0", "1.0.0", "2", "1.0.0-rc1", "v01", "v1"};
  std::sort(versions.begin(), versions.end(), version_less);
  CHECK(versions == std::vector<std::string>{"1.0.0", "1.0.0-rc1", "1.9.0", "1.10.0", "2", "v01", "v1"});
}

TEST_CASE("a publish that loses the manifest race leaves the winner's files and manifest as they were") {
  Fixture f;
  f.publish("0.9.0");
  bool interfered = false;
  f.store.before_put = [&](const std::string& key) {
    if (interfered || key != manifest_key("churn", "1.0.0")) return;
    interfered = true;  // another process completes 1.0.0 with other files between our check and our write
    LocalStorage other(f.dir.file("reg"), "reg");
    Registry(other).publish(
        PublishRequest{"churn", "1.0.0", {f.model_file("winner/model.bin", "winner")}, std::nullopt, {}});
  };
  const Error e = test::expect_error([&] { f.publish("1.0.0", "loser"); });
  CHECK(e.status() == ExitStatus::integrity);
  CHECK(std::string(e.what()).find("already published with different content") != std::string::npos);
  CHECK(test::read_all(f.dir.file("reg/churn/versions/1.0.0/model.bin")) == "winner");
  CHECK(f.store.leftovers("churn/versions/1.0.0/").empty());
  const auto [version, manifest] = f.registry.resolve("churn", Selector{"1.0.0", std::nullopt});
  for (const auto& check : f.registry.verify("churn", version, manifest)) CHECK(check.ok());
}

TEST_CASE("a publish stopped between its manifest and its audit event (a full disk) is audited by the retry") {
  Fixture f;
  f.store.before_put = [](const std::string& key) {
    if (key.rfind("churn/audit/", 0) == 0)
      throw Error(ExitStatus::remote, key, "cannot write: No space left on device");
  };
  CHECK(test::expect_error([&] { f.publish("1.0.0"); }).status() == ExitStatus::remote);
  f.store.before_put = nullptr;
  CHECK(f.audit_events().empty());
  CHECK(f.publish("1.0.0").already_published);
  CHECK(f.audit_events().size() == 1);
  CHECK(f.publish("1.0.0").already_published);  // recorded once, however often retried
  CHECK(f.audit_events().size() == 1);
}

TEST_CASE("rollback only_from: a channel that moves away from the version before the write is left as it is") {
  Fixture f;
  for (const char* version : {"1.0.0", "2.0.0", "3.0.0"}) f.publish(version);
  f.registry.promote("churn", "1.0.0", "production", false);
  f.registry.promote("churn", "2.0.0", "production", false);
  bool interfered = false;
  f.store.before_put = [&](const std::string& key) {
    if (interfered || key != "churn/channels/production.json") return;
    interfered = true;  // another job promotes 3.0.0 between the rollback's read and its write
    LocalStorage other(f.dir.file("reg"), "reg");
    Registry(other).promote("churn", "3.0.0", "production", false);
  };
  const ChannelChange change = f.registry.rollback("churn", "production", std::nullopt, std::string("2.0.0"));
  CHECK(interfered);
  CHECK_FALSE(change.changed);
  CHECK(change.version == "3.0.0");
  CHECK(f.registry.channel("churn", "production")->version == "3.0.0");
}
