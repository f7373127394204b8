#include "drift/report.hpp"

#include "test_util.hpp"

using namespace lean;

namespace {

DriftRun sample_run() {
  DriftRun run;
  run.reference_path = "ref.csv";
  run.current_path = "cur.csv";
  run.columns.resize(3);
  auto& ok = run.columns[0];
  ok.name = "ok", ok.method = Method::ks, ok.statistic = 0.1, ok.p_value = 0.4, ok.threshold = 0.05;
  auto& skipped = run.columns[1];
  skipped.name = "empty", skipped.skipped = "no values in the reference";
  auto& drifted = run.columns[2];
  drifted.name = "income", drifted.method = Method::wasserstein, drifted.statistic = 0.4, drifted.threshold = 0.1;
  drifted.drift = true;
  run.dataset = {2, 1, 0.5, true};
  return run;
}

}  // namespace

TEST_CASE("the outcome lists drifted columns first, fails on dataset drift and checks only tested columns") {
  const DriftRun run = sample_run();
  CHECK(reading_order(run.columns) == std::vector<std::size_t>{2, 0, 1});
  const Outcome outcome = drift_outcome(run);
  CHECK(outcome.status == ExitStatus::gate_failed);
  REQUIRE(outcome.checks.size() == 2);
  CHECK(outcome.checks[0].name == "income");
  CHECK_FALSE(outcome.checks[0].passed);
  CHECK(outcome.checks[0].message == "income: wasserstein 0.4 >= 0.1");
  CHECK(outcome.headline == "dataset drift: 1 of 2 columns drifted (50% >= 50%), 1 skipped");
  CHECK(outcome.markdown_body.find("`income`") < outcome.markdown_body.find("`ok`"));
  CHECK(outcome.fields["columns"][1]["skipped"] == "no values in the reference");
  CHECK(outcome.fields["columns"][1]["p_value"].is_null());
  CHECK(outcome.fields["dataset"]["drift"] == true);
}

TEST_CASE("invalid UTF-8 from a CSV file becomes U+FFFD, valid text stays") {
  CHECK(valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(valid_utf8("a\xFF"
                   "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(valid_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}
