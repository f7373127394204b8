#include "core/limits.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "core/files.hpp"
#include "metrics/history.hpp"
#include "metrics/metrics.hpp"
#include "test_util.hpp"

using namespace lean;

namespace {

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// {"m": [0, 0, ...]} with `count` metrics.
std::string many_metrics(std::size_t count, const std::string& name = "m") {
  std::string text = "{\"" + name + "\": [";
  for (std::size_t i = 0; i < count; ++i) text += i ? ",0" : "0";
  return text + "]}";
}

}  // namespace

TEST_CASE("JSON nesting depth: brackets inside strings and escapes do not count") {
  CHECK(json_nesting_depth("{}") == 1);
  CHECK(json_nesting_depth("1") == 0);
  CHECK(json_nesting_depth(R"({"a": [1, {"b": []}]})") == 4);
  CHECK(json_nesting_depth(R"({"[[[[": "\"{{{{"})") == 1);
  CHECK(json_nesting_depth("]]]][[") == 2);
  CHECK(json_nesting_depth(nested(100000)) == limits::kJsonDepth + 1);  // stops counting past the limit
  CHECK(json_nesting_depth(nested(100000), 1000000) == 100000);
}

TEST_CASE("a metrics document nested deeper than the limit is an input error, not a stack overflow") {
  const std::string deep = "{\"a\": " + nested(200000) + "}";
  Error e = test::expect_error([&] { MetricSet::parse(deep, "deep.json"); });
  CHECK(e.status() == ExitStatus::input_data);
  CHECK(e.describe() ==
        "'deep.json': nests objects and arrays deeper than 64 levels (the limit; see docs/hardening.md)");
  // Exactly at the limit is fine.
  const std::string at_limit = "{\"a\": " + std::string(63, '[') + "1" + std::string(63, ']') + "}";
  CHECK(MetricSet::parse(at_limit, "ok.json").size() == 1);
  // A document that was never text (a manifest read by the registry) is bounded too.
  nlohmann::json doc = 1;
  for (int i = 0; i < 5000; ++i) {
    nlohmann::json wrapper = nlohmann::json::object();
    wrapper["a"] = std::move(doc);
    doc = std::move(wrapper);
  }
  CHECK(test::expect_error([&] { MetricSet::from_json(doc, "manifest"); }).status() == ExitStatus::input_data);
}

TEST_CASE("a file over its size limit is refused before it is read") {
  test::TempDir dir;
  const std::string path = dir.file("big.json");
  { std::ofstream(path) << "{}"; }
  std::filesystem::resize_file(path, limits::kJsonFileBytes + 1);  // sparse: nothing stored
  Error e = test::expect_error([&] { read_text_file(path); });
  CHECK(e.status() == ExitStatus::input_data);
  CHECK(e.describe() == "'" + path + "': is larger than 16 MiB (the limit; see docs/hardening.md)");
  std::filesystem::resize_file(path, 100);
  CHECK(read_text_file(path).size() == 100);
  CHECK(test::expect_error([&] { read_text_file(path, 99); }).describe() ==
        "'" + path + "': is larger than 99 bytes (the limit; see docs/hardening.md)");
  // A history may be larger than a metrics file.
  std::filesystem::resize_file(path, limits::kJsonFileBytes + 1);
  CHECK(read_text_file(path, limits::kHistoryFileBytes).size() == limits::kJsonFileBytes + 1);
}

TEST_CASE("more metrics than the limit in one file, or in merged files, is an input error") {
  CHECK(MetricSet::parse(many_metrics(limits::kMetrics), "max.json").size() == limits::kMetrics);
  Error e = test::expect_error([&] { MetricSet::parse(many_metrics(limits::kMetrics + 1), "over.json"); });
  CHECK(e.describe() == "'over.json': holds more than 1000000 metrics (the limit; see docs/hardening.md)");
  MetricSet a = MetricSet::parse(many_metrics(600000, "a"), "a.json");
  MetricSet b = MetricSet::parse(many_metrics(600000, "b"), "b.json");
  CHECK(test::expect_error([&] { a.merge(b); }).describe() ==
        "'b.json': holds more than 1000000 metrics (the limit; see docs/hardening.md)");
}

TEST_CASE("merging and looking up large metrics files takes linear time, not quadratic") {
  const auto start = std::chrono::steady_clock::now();
  MetricSet a = MetricSet::parse(many_metrics(300000, "a"), "a.json");
  MetricSet b = MetricSet::parse(many_metrics(300000, "a"), "b.json");  // the same 300000 metrics
  a.merge(b);
  CHECK(a.size() == 300000);
  for (int i = 0; i < 20000; ++i) {
    CHECK(a.number("a." + std::to_string(i * 15)) == 0);
    CHECK(a.number("/a/" + std::to_string(i * 15 + 1)) == 0);
  }
  // Quadratic merging alone would be 9e10 comparisons; this is well under a second on a
  // laptop, and the bound leaves room for a sanitizer build on a loaded CI runner.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
}

TEST_CASE("lookups in an indexed set still find ambiguity, types and near misses") {
  std::string text = R"({"a.b": 1, "a": {"b": 2}, "s": "x")";
  for (int i = 0; i < 100; ++i) text += ",\"k" + std::to_string(i) + "\": " + std::to_string(i);
  text += "}";
  MetricSet set = MetricSet::parse(text, "m.json");
  CHECK(test::expect_error([&] { set.number("a.b"); }).describe() ==
        "'m.json': metric name \"a.b\" is ambiguous (/a.b and /a/b); name it by JSON Pointer");
  CHECK(set.number("/a.b") == 1);
  CHECK(set.number("/a/b") == 2);
  CHECK(set.number("k99") == 99);
  CHECK(test::expect_error([&] { set.number("s"); }).describe() ==
        "'m.json': metric \"s\" is a string (\"x\"), not a finite number");
  CHECK(test::expect_error([&] { set.number("k9x"); }).describe().find("did you mean \"k9\"?") != std::string::npos);
}

TEST_CASE("to_json rebuilds arrays where the file had arrays, and keys that look like indexes as keys") {
  // Found while hardening: json_pointer grew an array of 30 million nulls for this key.
  MetricSet set = MetricSet::parse(
      R"({"b": {"30000000": 1, "01": 2}, "folds": [{"auc": 0.9}, {"auc": 0.8}], "e": [], "o": {}})", "m.json");
  CHECK(set.to_json().dump() == R"({"b":{"30000000":1,"01":2},"folds":[{"auc":0.9},{"auc":0.8}],"e":[],"o":{}})");
  MetricSet escaped = MetricSet::parse(R"({"x/y": {"~z": 3}})", "e.json");
  CHECK(escaped.to_json().dump() == R"({"x/y":{"~z":3}})");
  MetricSet merged = MetricSet::parse(R"({"a": [1, 2]})", "1.json");
  merged.merge(MetricSet::parse(R"({"a": [1, 2, 3], "c": 4})", "2.json"));
  CHECK(merged.to_json().dump() == R"({"a":[1,2,3],"c":4})");
  MetricSet clash = MetricSet::parse(R"({"a": 1})", "1.json");
  clash.merge(MetricSet::parse(R"({"a": {"b": 2}})", "2.json"));  // different pointers: no value conflict
  CHECK(test::expect_error([&] { clash.to_json(); }).status() == ExitStatus::input_data);
}

TEST_CASE("a history keeps only its window while reading, and bounds what it holds") {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "{\"accuracy\": " + std::to_string(i) + "}\n";
  const std::string path = dir.write("h.jsonl", text);
  History h = load_history(path, 3, 3);
  REQUIRE(h.records.size() == 3);
  CHECK(h.records[0].line == 199998);
  CHECK(h.values("accuracy", false) == std::vector<double>{199997, 199998, 199999});
  // A window of every record: 1000001 records is over the limit of metrics held at once.
  std::string many;
  many.reserve(3 * (limits::kMetrics + 1));
  for (std::size_t i = 0; i <= limits::kMetrics; ++i) many += "{}\n";
  const std::string over = dir.write("over.jsonl", many);
  CHECK(
      test::expect_error([&] { load_history(over, 0, 1); }).describe() ==
      "'" + over +
          "': the window holds more than 1000000 metrics (the limit; see docs/hardening.md): give a smaller --window");
  CHECK(load_history(over, 10, 1).records.size() == 10);
}
