#include "registry/channel_history.hpp"

#include <cstdlib>

#include "storage/local_storage.hpp"
#include "test_util.hpp"

using namespace lean;

namespace {
struct Fixture {
  test::TempDir dir;
  LocalStorage store{dir.file("reg"), "reg"};
  Registry registry{store};
  void at(long long seconds) { ::setenv("SOURCE_DATE_EPOCH", std::to_string(1767225600 + seconds).c_str(), 1); }
  void publish(const std::string& version) {
    registry.publish({"churn", version, {dir.write("model.bin", "w" + version)}, std::nullopt, {}});
  }
};
}  // namespace

TEST_CASE("the moves of a channel, newest first, and the one in effect at a time") {
  Fixture f;
  f.at(0);
  f.publish("1.0");
  f.publish("1.1");
  f.at(100);
  f.registry.promote("churn", "1.0", "production", false);
  f.at(200);
  f.registry.promote("churn", "1.1", "production", false);
  f.at(300);
  f.registry.rollback("churn", "production", std::nullopt);
  const auto moves = channel_history(f.store, f.registry, "churn", "production");
  REQUIRE(moves.size() == 3);
  CHECK(moves[0].action == "rollback");
  CHECK(moves[0].version == "1.0");
  CHECK(moves[0].from == "1.1");
  CHECK(moves[2].from == std::nullopt);
  CHECK(moves[2].at == "2026-01-01T00:01:40Z");
  CHECK(move_at(moves, 1767225600 + 99) == nullptr);
  CHECK(move_at(moves, 1767225600 + 100)->version == "1.0");  // exactly at a move
  CHECK(move_at(moves, 1767225600 + 299)->version == "1.1");
  CHECK(move_at(moves, 1767225600 + 1e6)->version == "1.0");
  ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST_CASE("a move whose audit event is missing comes from the channel pointer") {
  Fixture f;
  f.at(0);
  f.publish("1.0");
  f.registry.promote("churn", "1.0", "production", false);
  for (const auto& key : f.store.list(audit_prefix("churn"))) f.store.remove(key);
  const auto moves = channel_history(f.store, f.registry, "churn", "production");
  REQUIRE(moves.size() == 1);
  CHECK(moves[0].version == "1.0");
  CHECK(moves[0].action == "promote");
  CHECK(test::expect_error([&] { channel_history(f.store, f.registry, "churn", "staging"); }).status() ==
        ExitStatus::input_data);
  ::unsetenv("SOURCE_DATE_EPOCH");
}
