#include "release/maintenance.hpp"

#include <cstdlib>

#include "storage/local_storage.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("diff: metrics side by side with the change, files by SHA-256") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  Registry registry(store);
  ::setenv("SOURCE_DATE_EPOCH", "1767225600", 1);
  registry.publish({"churn", "1.0", {dir.write("model.bin", "one")}, nlohmann::ordered_json{{"accuracy", 0.5}}, {}});
  registry.publish({"churn", "1.1", {dir.write("model.bin", "two")}, nlohmann::ordered_json{{"accuracy", 0.75}}, {}});
  registry.promote("churn", "1.0", "production", false);
  Outcome outcome = diff_command({}, store, registry, DiffInput{"churn", "production", "1.1"});
  CHECK(outcome.fields["metrics"][0]["delta"] == 0.25);
  CHECK(outcome.fields["files"][0]["status"] == "changed");
  CHECK(outcome.headline == "churn production (1.0) vs 1.1: 1 metric, 1 of 1 file changed");
  CHECK(outcome.markdown_body.find("| `accuracy` | 0.5 | 0.75 | +0.25 |") != std::string::npos);
  CHECK(test::expect_error([&] {
          diff_command({}, store, registry, DiffInput{"churn", "1.0", "nope"});
        }).status() == ExitStatus::input_data);
  Outcome history = history_command({}, store, registry, HistoryInput{"churn", "production", 1767225600.0});
  CHECK(history.fields["version"] == "1.0");
  GcRequest request;
  request.model = "churn";
  request.keep = 1;
  request.dry_run = true;
  Outcome gc = gc_command({}, store, registry, request);
  CHECK(gc.fields["deleted"].empty());  // 1.1 is the newest, 1.0 is on production
  ::unsetenv("SOURCE_DATE_EPOCH");
}
