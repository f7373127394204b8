#include "metrics/metrics.hpp"

#include "test_util.hpp"

using namespace lean;

namespace {
std::string error_of(const std::string& json, const std::string& metric = "") {
  return test::expect_error([&] {
           MetricSet set = MetricSet::parse(json, "m.json");
           if (!metric.empty()) set.number(metric);
         })
      .describe();
}
}  // namespace

TEST_CASE("metrics are found by dotted path and by JSON Pointer") {
  MetricSet set = MetricSet::parse(R"({"accuracy": 0.9, "eval": {"f1": 0.8, "folds": [0.7, 0.75]}})", "m.json");
  CHECK(set.number("accuracy") == 0.9);
  CHECK(set.number("eval.f1") == 0.8);
  CHECK(set.number("/eval/f1") == 0.8);
  CHECK(set.number("eval.folds.1") == 0.75);
  CHECK(set.number("/eval/folds/0") == 0.7);
  CHECK(set.names() == std::vector<std::string>{"accuracy", "eval.f1", "eval.folds.0", "eval.folds.1"});
}

TEST_CASE("a key with dots is reached by pointer, and ambiguity is an error") {
  MetricSet set = MetricSet::parse(R"({"eval.acc": 1, "eval": {"acc": 2}, "a~b/c": 3})", "m.json");
  CHECK(set.number("/eval.acc") == 1);
  CHECK(set.number("/eval/acc") == 2);
  CHECK(set.number("/a~0b~1c") == 3);
  CHECK(test::expect_error([&] { set.number("eval.acc"); }).describe() ==
        "'m.json': metric name \"eval.acc\" is ambiguous (/eval.acc and /eval/acc); name it by JSON Pointer");
}

TEST_CASE("a missing metric lists what is available and suggests the closest") {
  CHECK(error_of(R"({"accuracy": 0.9, "loss": 0.2})", "acuracy") ==
        "'m.json': no metric \"acuracy\"; did you mean \"accuracy\"? (available: accuracy, loss)");
  CHECK(error_of(R"({"accuracy": 0.9})", "throughput") == "'m.json': no metric \"throughput\" (available: accuracy)");
  CHECK(error_of(R"({})", "a") == "'m.json': no metric \"a\" (the file has no metrics)");
  CHECK(error_of(R"({"eval": {"f1": 1}})", "eval") ==
        "'m.json': metric \"eval\" is an object, not a number (it holds eval.f1)");
}

TEST_CASE("values that are not finite numbers are input errors naming the metric") {
  CHECK(error_of(R"({"a": NaN})", "a") == "'m.json': metric \"a\" is NaN, not a finite number");
  CHECK(error_of(R"({"a": Infinity})", "a") == "'m.json': metric \"a\" is Infinity, not a finite number");
  CHECK(error_of(R"({"a": -Infinity})", "a") == "'m.json': metric \"a\" is -Infinity, not a finite number");
  CHECK(error_of(R"({"a": "0.9"})", "a") == "'m.json': metric \"a\" is a string (\"0.9\"), not a finite number");
  CHECK(error_of(R"({"a": true})", "a") == "'m.json': metric \"a\" is true (a boolean), not a finite number");
  CHECK(error_of(R"({"a": null})", "a") == "'m.json': metric \"a\" is null, not a finite number");
  CHECK(error_of(R"({"a": 1e999})", "a") == "'m.json': number '1e999' is out of range, not a finite number");
}

TEST_CASE("NaN inside a string is left alone") {
  MetricSet set = MetricSet::parse(R"({"note": "NaN \" Infinity", "a": 1})", "m.json");
  CHECK(set.number("a") == 1);
}

TEST_CASE("malformed files are input errors") {
  CHECK(error_of("") == "'m.json': is empty, expected a JSON object");
  CHECK(error_of("  \n") == "'m.json': is empty, expected a JSON object");
  CHECK(error_of(R"({"a": 1)") ==
        "'m.json': malformed JSON at line 1, column 8: unexpected end of input; expected '}'");
  CHECK(error_of("[1, 2]") == "'m.json': expected a JSON object, found an array");
  CHECK(error_of(R"({"a": 1, "a": 2})") == "'m.json': duplicate key \"a\"");
  CHECK(error_of(R"({"x": {"a": 1, "a": 2}})") == "'m.json': duplicate key \"a\"");
}

TEST_CASE("the same key in separate objects is not a duplicate") {
  MetricSet set = MetricSet::parse(R"({"train": {"acc": 1}, "eval": {"acc": 2}})", "m.json");
  CHECK(set.number("eval.acc") == 2);
}

TEST_CASE("merging files: equal values are fine, different values are an error") {
  MetricSet a = MetricSet::parse(R"({"accuracy": 0.9, "f1": 0.8})", "a.json");
  a.merge(MetricSet::parse(R"({"accuracy": 0.9, "auc": 0.95})", "b.json"));
  CHECK(a.number("auc") == 0.95);
  CHECK(a.source() == "a.json, b.json");
  CHECK(test::expect_error([&] { a.merge(MetricSet::parse(R"({"f1": 0.7})", "c.json")); }).describe() ==
        "'c.json': metric \"f1\" is 0.7 here but 0.8 in 'a.json'");
  MetricSet t = MetricSet::parse(R"({"model": "x\u001b[2K"})", "t.json");
  // Quoted as every message quotes: ESC as \e, not JSON's \u001b (docs/conventions.md).
  CHECK(test::expect_error([&] { t.merge(MetricSet::parse(R"({"model": "y"})", "u.json")); }).describe() ==
        "'u.json': metric \"model\" is \"y\" here but \"x\\e[2K\" in 't.json'");
}

TEST_CASE("to_json rebuilds the nested object") {
  MetricSet set = MetricSet::parse(R"({"a": 1, "eval": {"f1": 0.5}})", "m.json");
  CHECK(set.to_json().dump() == R"({"a":1,"eval":{"f1":0.5}})");
}

TEST_CASE("mark_nonfinite_tokens rewrites only bare tokens") {
  CHECK(mark_nonfinite_tokens(R"({"a":"NaN"})") == R"({"a":"NaN"})");
  CHECK(mark_nonfinite_tokens(R"({"a":NaN})") == "{\"a\":\"\\u0001nonfinite:NaN\"}");
}

TEST_CASE("a shortened metric name suggests the full one") {
  MetricSet set = MetricSet::parse(R"({"accuracy": 0.9, "eval": {"precision": 0.8, "f1_score": 0.7}})", "m.json");
  CHECK(test::expect_error([&] { set.number("eval.f1"); }).describe() ==
        "'m.json': no metric \"eval.f1\"; did you mean \"eval.f1_score\"? (available: accuracy, eval.precision, "
        "eval.f1_score)");
}
