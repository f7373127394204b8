#include "prometheus/query.hpp"

#include <cmath>

#include "test_util.hpp"

using namespace lean;
using namespace lean::prometheus;

namespace {
QueryData decode(long status, const std::string& body) {
  return decode_query_response(status, body, "http://p/api/v1/query", "err");
}
}  // namespace

TEST_CASE("a vector answer keeps labels and the value; a scalar is one series without labels") {
  QueryData v = decode(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"__name__":"up","job":"api"},"value":[1767225600.5,"0.25"]}]}})");
  REQUIRE(v.series.size() == 1);
  CHECK(v.result_type == "vector");
  CHECK(label_set_text(v.series[0]) == R"({__name__="up", job="api"})");
  CHECK(v.series[0].samples[0].time == 1767225600.5);
  CHECK(v.series[0].samples[0].value == 0.25);
  QueryData s = decode(200, R"({"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}})");
  REQUIRE(s.series.size() == 1);
  CHECK(s.series[0].labels.empty());
  CHECK(std::isinf(s.series[0].samples[0].value));
}

TEST_CASE("an answer's warnings and infos are kept, at most kShownNotes each with the rest counted") {
  std::string many;
  for (int i = 0; i < 12; ++i) many += std::string(i ? "," : "") + "\"w" + std::to_string(i) + "\"";
  QueryData v = decode(200, R"({"status":"success","warnings":[)" + many + R"(],"infos":["hint",7],
      "data":{"resultType":"vector","result":[]}})");
  CHECK(v.warnings.size() == kShownNotes);
  CHECK(v.warnings.front() == "w0");
  CHECK(v.warnings_omitted == 2);
  CHECK(v.infos == std::vector<std::string>{"hint", "7"});
  CHECK(v.infos_omitted == 0);
  QueryData none = decode(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  CHECK(none.warnings.empty());
  CHECK(none.infos.empty());
}

TEST_CASE("a label set is quoted as every message quotes: ESC as \\e, not JSON's \\u001b") {
  QueryData v = decode(200, R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"job":"a\u001b[2K\"b"},"value":[1,"1"]}]}})");
  CHECK(label_set_text(v.series[0]) == R"({job="a\e[2K\"b"})");
}

TEST_CASE("a matrix answer keeps every point, oldest first") {
  QueryData m = decode(200, R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{},"values":[[60,"1"],[120,"NaN"],[180,"3"]]}]}})");
  REQUIRE(m.series[0].samples.size() == 3);
  CHECK(std::isnan(m.series[0].samples[1].value));
  CHECK(m.series[0].samples[2].time == 180);
}

TEST_CASE("Prometheus' error JSON is shown: bad_data and execution are exit 3, the rest exit 4") {
  Error bad = test::expect_error([] {
    decode(400, R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"})");
  });
  CHECK(bad.status() == ExitStatus::input_data);
  CHECK(bad.describe() == "'http://p/api/v1/query': query err: bad_data: 1:5: parse error: unclosed left parenthesis");
  CHECK(test::expect_error([] { decode(422, R"({"status":"error","errorType":"execution","error":"x"})"); }).status() ==
        ExitStatus::input_data);
  Error timeout = test::expect_error([] {
    decode(503, R"({"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"})");
  });
  CHECK(timeout.status() == ExitStatus::remote);
  CHECK(timeout.describe() == "'http://p/api/v1/query': query err: timeout: query timed out in expression evaluation");
  CHECK(test::expect_error([] { decode(502, "<html>Bad Gateway</html>"); }).describe() ==
        "'http://p/api/v1/query': query err: HTTP 502");
}

TEST_CASE("an answer of the wrong shape is a remote error, never a JSON library exception") {
  for (const char* body :
       {"[]", "{}", R"({"status":"success"})", R"({"status":"success","data":{"resultType":"vector"}})",
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}})",
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}})",
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}})",
        R"({"status":"success","data":{"resultType":"odd","result":[]}})", "not json"}) {
    CAPTURE(body);
    CHECK(test::expect_error([&] { decode(200, body); }).status() == ExitStatus::remote);
  }
  CHECK(test::expect_error([] {
          decode(200, R"({"status":"success","data":{"resultType":"string","result":[1,"a"]}})");
        }).describe() == "'http://p/api/v1/query': query err: returns a string, not a number");
}

TEST_CASE("durations as Prometheus writes them") {
  CHECK(parse_duration("90s") == 90);
  CHECK(parse_duration("5m") == 300);
  CHECK(parse_duration("24h") == 86400);
  CHECK(parse_duration("1h30m") == 5400);
  CHECK(parse_duration("1w") == 7 * 86400);
  CHECK(parse_duration("500ms") == 0.5);
  for (const char* bad : {"", "5", "m", "0s", "30m1h", "1h1h", "1.5h", "-5m", "5 m"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad));
  }
  CHECK(format_duration(86400) == "1d");
  CHECK(format_duration(5400) == "1h30m");
  CHECK(format_duration(300) == "5m");
}

TEST_CASE("gaps: the steps without a point, as stretches longer than max_gap") {
  std::vector<Sample> samples;
  for (double t : {0.0, 60.0, 120.0, 300.0, 360.0, 540.0}) samples.push_back({t, 1});
  CHECK(expected_points(0, 600, 60) == 11);
  auto gaps = find_gaps(samples, 0, 600, 60, 0);
  REQUIRE(gaps.size() == 3);
  CHECK(gaps[0].from == 180);
  CHECK(gaps[0].to == 240);
  CHECK(gaps[0].missing_steps == 2);
  CHECK(gaps[0].seconds == 120);
  CHECK(gaps[1].from == 420);
  CHECK(gaps[1].missing_steps == 2);
  CHECK(gaps[2].from == 600);  // the end of the range is missing too
  CHECK(gaps[2].missing_steps == 1);
  CHECK(find_gaps(samples, 0, 600, 60, 60).size() == 2);  // the single missing step is tolerated
  CHECK(find_gaps(samples, 0, 600, 60, 120).empty());
  CHECK(find_gaps({}, 0, 120, 60, 0).front().missing_steps == 3);
}
