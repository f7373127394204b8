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
        R"({"lat":{"mean":3.0,"min":1.0,"max":6.0,"median":2.0,"last":6.0,"count":3.0}})");
}
