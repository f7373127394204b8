#include "cli/compare.hpp"

#include <doctest/doctest.h>

#include "command_line_util.hpp"
#include "test_util.hpp"

namespace lean {
namespace {

std::string usage_error(std::vector<const char*> argv) {
  const Error e =
      test::expect_error([&] { parse_compare_options(test::command_line(compare_tool(), std::move(argv))); });
  CHECK(e.status() == ExitStatus::usage);
  return e.describe();
}

TEST_CASE("metrics files: every option typed once") {
  const CompareOptions options = parse_compare_options(test::command_line(
      compare_tool(),
      {"--candidate", "new.json", "--baseline", "prod.json", "--metric", "accuracy", "--min-rel-delta", "1e-2",
       "--guard", "latency.p95:5%:lower", "--guard", "f1", "--lower-is-better", "--if-no-baseline", "fail"}));
  CHECK(options.candidate == "new.json");
  CHECK(options.baseline == "prod.json");
  CHECK(options.metric == "accuracy");
  CHECK(options.margin.relative);
  CHECK(options.margin.value == doctest::Approx(0.01));
  REQUIRE(options.direction);
  CHECK(options.direction->lower_is_better);
  CHECK(options.direction->reason == "--lower-is-better");
  CHECK(options.if_no_baseline == "fail");
  REQUIRE(options.guards.size() == 2);
  CHECK(options.guards[0].metric == "latency.p95");
  CHECK(options.guards[0].relative);
  CHECK(options.guards[0].tolerance == doctest::Approx(0.05));
  CHECK(options.guards[0].lower_is_better == true);
  CHECK(options.guards[1].spelled == "0");
  CHECK_FALSE(options.registry);
  CHECK_FALSE(options.predictions);
}

TEST_CASE("predictions files: the significance and column options") {
  const CompareOptions options = parse_compare_options(test::command_line(
      compare_tool(), {"--candidate-predictions", "new.csv", "--baseline-predictions", "prod.csv", "--metric", "f1",
                       "--significance", "0.01", "--test", "bootstrap", "--bootstrap-samples", "500", "--seed", "7",
                       "--id-column", "id", "--decision-threshold", "0.3"}));
  REQUIRE(options.predictions);
  CHECK(options.predictions->candidate == "new.csv");
  CHECK(options.predictions->baseline == "prod.csv");
  CHECK(options.predictions->columns.id == "id");
  CHECK(options.predictions->columns.decision_threshold == doctest::Approx(0.3));
  REQUIRE(options.predictions->significance);
  CHECK(options.predictions->significance->alpha == doctest::Approx(0.01));
  CHECK(options.predictions->significance->test == TestKind::bootstrap);
  CHECK(options.predictions->significance->bootstrap_samples == 500);
  CHECK(options.predictions->significance->seed == 7);
  CHECK_FALSE(options.direction);
}

TEST_CASE("a registry baseline needs all three of its options") {
  const CompareOptions options = parse_compare_options(
      test::command_line(compare_tool(), {"--candidate", "new.json", "--baseline-registry", "./reg", "--model", "churn",
                                          "--channel", "prod", "--metric", "a"}));
  REQUIRE(options.registry);
  CHECK(options.registry->url == "./reg");
  CHECK(options.registry->model == "churn");
  CHECK(options.registry->channel == "prod");
  CHECK(usage_error({"--candidate", "new.json", "--baseline-registry", "./reg", "--model", "churn", "--metric", "a"}) ==
        "a registry baseline needs --baseline-registry URL, --model NAME and --channel CH");
}

TEST_CASE("combinations that make no comparison are usage errors") {
  CHECK(usage_error({"--candidate", "a.json", "--baseline", "b.json", "--metric", "m", "--min-delta", "0.1",
                     "--min-rel-delta", "0.1"}) == "give --min-delta or --min-rel-delta, not both");
  CHECK(usage_error({"--candidate", "a.json", "--baseline", "b.json", "--metric", "m", "--lower-is-better",
                     "--higher-is-better"}) == "give --lower-is-better or --higher-is-better, not both");
  CHECK(usage_error({"--candidate", "a.json", "--baseline", "b.json", "--baseline-registry", "./r", "--metric", "m"}) ==
        "give --baseline FILE or --baseline-registry URL, not both");
  CHECK(usage_error({"--candidate", "a.json", "--baseline", "b.json", "--metric", "m", "--significance", "0.05"}) ==
        "--significance compares predictions: give --candidate-predictions and --baseline-predictions, not metrics "
        "files");
  CHECK(usage_error({"--candidate-predictions", "a.csv", "--baseline", "b.json", "--metric", "m"}) ==
        "give --candidate-predictions FILE and one of --baseline-predictions FILE or --baseline-predictions-file NAME");
  CHECK(usage_error({"--candidate-predictions", "a.csv", "--baseline-predictions", "b.csv", "--candidate", "c.json",
                     "--metric", "m"}) ==
        "give metrics files (--candidate, --baseline) or predictions files, not both");
  CHECK(usage_error({"--candidate", "-", "--baseline", "-", "--metric", "m"}) ==
        "\"-\" (standard input) can be given only once");
}

TEST_CASE("numbers go through the one number parser") {
  CHECK(usage_error({"--candidate", "a.json", "--baseline", "b.json", "--metric", "m", "--min-delta", "x"}) ==
        "--min-delta: \"x\" is not a finite number");
  CHECK(usage_error({"--candidate", "a.json", "--baseline", "b.json", "--metric", "m", "--min-delta", "-0.5"}) ==
        "--min-delta must be a finite number >= 0");
  CHECK(usage_error({"--candidate-predictions", "a.csv", "--baseline-predictions", "b.csv", "--metric", "m",
                     "--significance", "0.5"}) == "--significance must be between 0 and 0.5 (exclusive)");
  CHECK(usage_error({"--candidate", "a.json", "--baseline", "b.json", "--metric", "m", "--guard", "f1:1e9999"}) ==
        "invalid --guard \"f1:1e9999\": \"1e9999\" is not a finite number");
}

TEST_CASE("parse_guard reads PATH[:TOL][:DIR] from the right") {
  const Guard guard = parse_guard("eval:f1:0.02:higher");
  CHECK(guard.metric == "eval:f1");
  CHECK(guard.tolerance == doctest::Approx(0.02));
  CHECK(guard.spelled == "0.02");
  CHECK(guard.lower_is_better == false);
  const Error e = test::expect_error([] { parse_guard("f1:lowr"); });
  CHECK(e.describe() == "invalid --guard \"f1:lowr\": \"lowr\" is not a direction; did you mean \"lower\"?");
}

}  // namespace
}  // namespace lean
