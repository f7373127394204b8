#include "release/maintenance.hpp"

#include <cstdlib>

#include "storage/local_storage.hpp"
#include "test_util.hpp"

using namespace lean;
namespace po = boost::program_options;

namespace {
po::variables_map options_of(std::vector<std::string> args) {
  po::options_description options;
  options.add_options()("versions", po::value<std::vector<std::string>>())("channel", po::value<std::string>())(
      "at", po::value<std::string>())("keep", po::value<long long>())("dry-run", "");
  po::positional_options_description positional;
  positional.add("versions", -1);
  std::vector<const char*> argv{"test"};
  for (const auto& a : args) argv.push_back(a.c_str());
  po::variables_map vm;
  po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(options).positional(positional).run(), vm);
  return vm;
}
}  // namespace

TEST_CASE("diff: metrics side by side with the change, files by SHA-256") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  Registry registry(store);
  ::setenv("SOURCE_DATE_EPOCH", "1767225600", 1);
  registry.publish({"churn", "1.0", {dir.write("model.bin", "one")}, nlohmann::ordered_json{{"accuracy", 0.5}}, {}});
  registry.publish({"churn", "1.1", {dir.write("model.bin", "two")}, nlohmann::ordered_json{{"accuracy", 0.75}}, {}});
  registry.promote("churn", "1.0", "production", false);
  Outcome outcome = diff_command({}, store, registry, "churn", options_of({"production", "1.1"}));
  CHECK(outcome.fields["metrics"][0]["delta"] == 0.25);
  CHECK(outcome.fields["files"][0]["status"] == "changed");
  CHECK(outcome.headline == "churn production (1.0) vs 1.1: 1 metric, 1 of 1 file changed");
  CHECK(outcome.markdown_body.find("| `accuracy` | 0.5 | 0.75 | +0.25 |") != std::string::npos);
  CHECK(test::expect_error([&] { diff_command({}, store, registry, "churn", options_of({"1.0"})); }).status() ==
        ExitStatus::usage);
  Outcome history = history_command({}, store, registry, "churn", options_of({"--channel", "production", "--at", "1767225600"}));
  CHECK(history.fields["version"] == "1.0");
  Outcome gc = gc_command({}, store, registry, "churn", options_of({"--keep", "1", "--dry-run"}));
  CHECK(gc.fields["deleted"].empty());  // 1.1 is the newest, 1.0 is on production
  ::unsetenv("SOURCE_DATE_EPOCH");
}
