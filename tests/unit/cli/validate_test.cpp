#include "cli/validate.hpp"

#include <doctest/doctest.h>

#include "command_line_util.hpp"
#include "test_util.hpp"

namespace lean {
namespace {

std::string usage_error(std::vector<const char*> argv) {
  const Error e =
      test::expect_error([&] { parse_validate_options(test::command_line(validate_tool(), std::move(argv))); });
  CHECK(e.status() == ExitStatus::usage);
  return e.describe();
}

TEST_CASE("metrics files: the requirements and the files, in order") {
  const ValidateOptions options = parse_validate_options(
      test::command_line(validate_tool(), {"a.json", "b.json", "-r", "accuracy>=0.8", "--require", "loss<0.3",
                                           "--mlflow-run", "mlruns/0/abc", "--allow-missing"}));
  CHECK(options.source == MetricsSource::files);
  CHECK(options.files == std::vector<std::string>{"a.json", "b.json", "mlruns/0/abc"});
  REQUIRE(options.requirements.size() == 2);
  CHECK(options.requirements[0].metric == "accuracy");
  CHECK(options.requirements[1].op == Comparison::lt);
  CHECK(options.allow_missing);
}

TEST_CASE("a policy file adds its requirements after the flags'") {
  const test::TempDir dir;
  const std::string policy = dir.write("policy.json", R"({"require": ["f1 > 0.5"]})");
  const ValidateOptions options = parse_validate_options(
      test::command_line(validate_tool(), {"m.json", "-r", "accuracy>=0.8", "--policy", policy.c_str()}));
  REQUIRE(options.requirements.size() == 2);
  CHECK(options.requirements[1].text == "f1 > 0.5");
}

TEST_CASE("history, predictions and Prometheus: each source's options") {
  ValidateOptions options = parse_validate_options(
      test::command_line(validate_tool(), {"--history", "h.jsonl", "--window", "5", "-r", "mean(accuracy)>=0.8"}));
  CHECK(options.source == MetricsSource::history);
  CHECK(options.history.path == "h.jsonl");
  CHECK(options.history.window == 5);
  CHECK(options.history.min_count == 5);  // the window, by default

  options = parse_validate_options(
      test::command_line(validate_tool(), {"--predictions", "p.csv", "--slice-by", "region", "--require-slices",
                                           "accuracy>=0.7", "--min-slice-size", "10", "-r", "accuracy>=0.8"}));
  CHECK(options.source == MetricsSource::predictions);
  CHECK(options.predictions.path == "p.csv");
  CHECK(options.predictions.columns.slice == "region");
  CHECK(options.predictions.min_slice_size == 10);
  REQUIRE(options.predictions.slice_requirements.size() == 1);

  options = parse_validate_options(
      test::command_line(validate_tool(), {"--prometheus", "http://prom:9090", "--query", "err=rate(x[5m])", "--range",
                                           "1h", "--step", "1m", "--at", "1700000000", "-r", "max(err)<0.05"}));
  CHECK(options.source == MetricsSource::prometheus);
  REQUIRE(options.prometheus.queries.size() == 1);
  CHECK(options.prometheus.queries[0].name == "err");
  CHECK(options.prometheus.range == 3600);
  CHECK(options.prometheus.step == 60);
  CHECK(options.prometheus.at == 1700000000);
}

TEST_CASE("combinations that name no one source are usage errors") {
  CHECK(usage_error({"m.json"}) == "nothing to check: give --require EXPR or --policy FILE");
  CHECK(usage_error({"m.json", "--history", "h.jsonl", "-r", "a>0"}) == "give metrics files or --history, not both");
  CHECK(usage_error({"m.json", "--window", "3", "-r", "a>0"}) == "--window and --min-count need --history FILE");
  CHECK(usage_error({"--history", "h.jsonl", "--window", "3", "--min-count", "4", "-r", "mean(a)>0"}) ==
        "--min-count cannot exceed --window");
  CHECK(usage_error({"m.json", "-r", "mean(a)>0"}) == "\"mean(a)>0\" aggregates a history; give --history FILE");
  CHECK(usage_error({"m.json", "--range", "1h", "-r", "a>0"}) == "--range needs --prometheus URL");
  CHECK(usage_error({"--predictions", "p.csv", "--require-slices", "a>0", "-r", "a>0"}) ==
        "--require-slices needs --slice-by COL");
  CHECK(usage_error({"m.json", "--slice-by", "region", "-r", "a>0"}) ==
        "--slice-by, --require-slices and --write-metrics need --predictions FILE (or --prometheus URL for "
        "--write-metrics)");
  CHECK(usage_error({"--prometheus", "http://p", "--query", "errors=up", "-r", "latency>0"}) ==
        "\"latency>0\" checks latency, which no --query names (queries: errors)");
  CHECK(usage_error({"-", "-", "-r", "a>0"}) == "\"-\" (standard input) can be given only once");
}

}  // namespace
}  // namespace lean
