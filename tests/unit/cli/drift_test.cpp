#include "cli/drift.hpp"

#include <doctest/doctest.h>

#include "cli/drift_profile.hpp"
#include "core/error.hpp"
#include "command_line_util.hpp"
#include "test_util.hpp"

namespace lean {
namespace {

DriftOptions drift_options(std::vector<const char*> args) {
  return parse_drift_options(test::command_line(drift_tool(), args));
}

std::string usage_error(const std::function<void()>& body) {
  const Error e = test::expect_error(body);
  CHECK(e.status() == ExitStatus::usage);
  return e.describe();
}

TEST_CASE("a check: every option typed, nothing read yet") {
  const DriftOptions options = drift_options(
      {"--reference", "ref.csv",         "--current",     "cur.tsv",  "--exclude", "id,ts",  "--numeric",   "zip",
       "--threshold", "ks=0.01,age=0.5", "--drift-share", "0.25",     "--threads", "3",      "--delimiter", "tab",
       "--quality",   "--max-missing",   "age=0.1",       "--unique", "id",        "--html", "r.html"});
  REQUIRE(options.mode == DriftOptions::Mode::check);
  const DriftCheckInput& check = options.check;
  CHECK(check.reference_path == "ref.csv");
  CHECK(check.current_path == "cur.tsv");
  CHECK(check.columns.excluded == std::vector<std::string>{"id", "ts"});
  CHECK(check.columns.numeric == std::vector<std::string>{"zip"});
  CHECK(check.settings.thresholds.at(Method::ks) == 0.01);
  CHECK(check.settings.column_thresholds.at("age") == 0.5);
  CHECK(check.settings.drift_share == 0.25);
  CHECK(check.threads == 3);
  CHECK(check.delimiter == '\t');
  CHECK(check.quality.enabled);
  CHECK(check.quality.max_missing.at("age") == 0.1);
  CHECK(check.quality.unique == std::vector<std::string>{"id"});
  CHECK(options.html == "r.html");
  CHECK_FALSE(drift_options({"--reference", "a.csv", "--current", "b.csv"}).check.delimiter);
}

TEST_CASE("combinations are refused in the one parse function") {
  CHECK(usage_error([] {
          drift_options({"--reference", "a.csv", "--current", "b.csv", "--columns", "x", "--exclude", "y"});
        }) == "give --columns or --exclude, not both");
  CHECK(usage_error([] {
          drift_options({"--reference", "a.csv", "--current", "b.csv", "--max-missing", "x=0.1"});
        }) == "the data-quality options go with --quality or --schema");
  CHECK(usage_error([] {
          drift_options({"--reference", "a.csv", "--current", "b.csv", "--state", "s.json"});
        }) == "--state goes with --changed FILE...");
  CHECK(usage_error([] {
          drift_options({"--changed", "a.csv"});
        }) == "--changed needs --state STATE.json to remember the files' hashes");
  CHECK(usage_error([] {
          drift_options({"--reference", "a.csv", "--current", "b.csv", "--output", "s.json"});
        }) == "--output goes with ml-drift schema");
  CHECK(usage_error([] {
          drift_options({"--reference-profile", "r.profile", "--current", "b.csv", "--quality"});
        }) == "--quality checks the reference's rows: it does not go with a reference profile");
  CHECK(usage_error([] {
          drift_options({"--reference-profile", "r.profile", "--current", "b.csv", "--html", "r.html"});
        }) == "--html does not go with --reference-profile");
  CHECK(usage_error([] {
          drift_options({"--reference-registry", "reg", "--current", "b.csv", "--model", "m"});
        }) == "--reference-registry needs --model NAME and --channel CH");
  CHECK(usage_error([] {
          drift_options({"schema", "--reference", "a.csv", "--output", "s.json", "--current", "b.csv"});
        }) == "ml-drift schema reads only --reference; give --current when checking");
  CHECK(usage_error([] {
          drift_options({"--reference", "a.csv", "--current", "b.csv", "--threads", "0"});
        }) == "--threads must be a whole number from 1 to 256, not \"0\"");
}

TEST_CASE("the other modes: schema, profiles, changed files") {
  const DriftOptions schema =
      drift_options({"schema", "--reference-profile", "r.profile", "--output", "s.json", "--max-categories", "7"});
  CHECK(schema.mode == DriftOptions::Mode::schema);
  CHECK(schema.schema_from_profile == "r.profile");
  CHECK(schema.schema.max_categories == 7);
  const DriftOptions profiles = drift_options({"--reference-registry", "reg", "--model", "m", "--channel", "prod",
                                               "--current-profile", "c.profile", "--on-undecided", "pass"});
  CHECK(profiles.mode == DriftOptions::Mode::profiles);
  REQUIRE(profiles.profiles.registry);
  CHECK(profiles.profiles.registry->channel == "prod");
  CHECK(profiles.profiles.current_profile == "c.profile");
  CHECK(profiles.on_undecided == OnUndecided::pass);
  const DriftOptions changed = drift_options({"--changed", "a.csv", "b.csv", "--state", "s.json"});
  CHECK(changed.mode == DriftOptions::Mode::changed);
  CHECK(changed.changed == std::vector<std::string>{"a.csv", "b.csv"});
}

TEST_CASE("ml-drift profile: the subcommands' options") {
  const ToolSpec profile = profile_tool();
  const ProfileCommandOptions built = parse_profile_options(
      test::command_line(profile, {"a.csv", "b.csv", "--output", "p.profile", "--sketch-k", "200", "--shard", "1/2"}));
  CHECK(built.paths.size() == 2);
  CHECK(built.profile.sketch_k == 200);
  CHECK(built.shard == std::pair<std::uint64_t, std::uint64_t>{1, 2});
  CHECK(usage_error([&] {
          parse_profile_options(test::command_line(profile, {"a.csv", "--output", "p", "--sketch-k", "7"}));
        }) == "--sketch-k must be a whole number from 8 to 65535, not \"7\"");
  const ToolSpec import_kll = profile_import_tool();
  CHECK(usage_error([&] {
          parse_import_options(
              test::command_line(import_kll, {"--output", "p", "--column", "a=x.bin", "--column", "a=y.bin"}));
        }) == "--column a is given twice (one sketch per column and import)");
}

}  // namespace
}  // namespace lean
