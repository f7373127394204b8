#include "prometheus/gate.hpp"

#include "test_util.hpp"

using namespace lean;
using namespace lean::prometheus;

TEST_CASE("--query NAME=PROMQL splits at the first '='") {
  GateQuery q = parse_gate_query("error_rate=sum(rate(e{code=~\"5..\"}[5m]))");
  CHECK(q.name == "error_rate");
  CHECK(q.promql == "sum(rate(e{code=~\"5..\"}[5m]))");
  CHECK(test::expect_error([] { parse_gate_query("up"); }).describe() ==
        "invalid --query \"up\": write NAME=PROMQL, e.g. error_rate='sum(rate(errors[5m]))'");
  CHECK(test::expect_error([] { parse_gate_query("=up"); }).status() == ExitStatus::usage);
  CHECK(test::expect_error([] { parse_gate_query("9x=up"); }).describe() ==
        "invalid --query name \"9x\": a letter, then letters, digits, _ and .");
}

TEST_CASE("the metrics JSON: instant values, or a summary per range query") {
  GateSeries instant{"err", "q", false, {0.25}, {}, {}};
  GateSeries missing{"gone", "q", true, {}, {}, {}};
  CHECK(gate_metrics_json({instant, missing}, false).dump() == R"({"err":0.25})");
  GateSeries range{"lat", "q", false, {1, 2, 6}, {}, {}};
  CHECK(gate_metrics_json({range}, true).dump() ==
        R"({"lat":{"mean":3.0,"min":1.0,"max":6.0,"median":2.0,"last":6.0,"count":3}})");
}

TEST_CASE("gaps: a GAP line before the summary, or a failed check with require_complete") {
  GateSeries series{"g", "q", false, {1, 1}, {{120, 180, 2, 120}}, {{"gaps", nlohmann::ordered_json::array()}}};
  const auto outcome_with = [](bool require_complete, const GateSeries& s) {
    Outcome outcome;
    outcome.fields["checks"] = nlohmann::ordered_json::array();
    outcome.fields["failed"] = 0;
    outcome.headline = "1 of 1 checks passed";
    outcome.console = "PASS  count(g) is 2 (>= 1)\nml-validate: pass (1 of 1 checks passed)\n";
    add_completeness(outcome, {s}, require_complete);
    return outcome;
  };
  Outcome reported = outcome_with(false, series);
  CHECK(reported.status == ExitStatus::pass);
  CHECK(reported.console ==
        "PASS  count(g) is 2 (>= 1)\n"
        "GAP   g has no data 1970-01-01T00:02:00Z..1970-01-01T00:03:00Z (2 steps, 2m)\n"
        "ml-validate: pass (1 of 1 checks passed)\n");
  CHECK(reported.fields["gaps"] == 1);
  Outcome failed = outcome_with(true, series);
  CHECK(failed.status == ExitStatus::gate_failed);
  CHECK(failed.fields["failed"] == 1);
  REQUIRE(failed.checks.size() == 1);
  CHECK(failed.checks[0].name == "complete(g)");
  CHECK(failed.console.substr(failed.console.rfind("ml-validate:")) ==
        "ml-validate: fail (1 of 1 checks passed; 1 query with gaps in the data)\n");
  series.gaps.clear();
  CHECK(outcome_with(true, series).status == ExitStatus::pass);
}
