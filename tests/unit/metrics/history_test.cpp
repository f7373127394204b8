#include "metrics/history.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("the window keeps the last records and skips blank lines") {
  test::TempDir dir;
  auto path = dir.write("h.jsonl", "{\"acc\": 0.9}\n\n{\"acc\": 0.8}\r\n{\"acc\": 0.7}\n");
  History h = load_history(path, 2, 2);
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].line == 3);
  CHECK(h.values("acc", false) == std::vector<double>{0.8, 0.7});
  CHECK(load_history(path, 0, 1).records.size() == 3);
}

TEST_CASE("too few records is an input error") {
  test::TempDir dir;
  auto path = dir.write("h.jsonl", "{\"acc\": 0.9}\n");
  CHECK(test::expect_error([&] { load_history(path, 5, 5); }).describe() ==
        "'" + path + "': has 1 records, fewer than the 5 required (lower the requirement with --min-count)");
}

TEST_CASE("a bad line is named by file and line") {
  test::TempDir dir;
  auto path = dir.write("h.jsonl", "{\"acc\": 0.9}\n{\"acc\": \n");
  Error e = test::expect_error([&] { load_history(path, 0, 1); });
  CHECK(e.subject() == path + ":2");
}

TEST_CASE("a record without the metric fails unless missing is allowed") {
  test::TempDir dir;
  auto path = dir.write("h.jsonl", "{\"acc\": 0.9}\n{\"loss\": 1}\n");
  History h = load_history(path, 0, 1);
  CHECK(test::expect_error([&] { h.values("acc", false); }).subject() == path + ":2");
  CHECK(h.values("acc", true) == std::vector<double>{0.9});
}

TEST_CASE("every line is parsed, also outside the window") {
  test::TempDir dir;
  auto path = dir.write("h.jsonl", "{\"acc\": 0.9\n{\"acc\": 0.8}\n{\"acc\": 0.7}\n");
  Error e = test::expect_error([&] { load_history(path, 2, 1); });
  CHECK(e.subject() == path + ":1");
  CHECK(std::string(e.what()) == "malformed JSON at column 12: unexpected end of input; expected '}'");
}

TEST_CASE("a checked metric must be finite on every line, also outside the window") {
  test::TempDir dir;
  auto path = dir.write("h.jsonl", "{\"acc\": NaN, \"other\": 1}\n{\"acc\": 0.8}\n");
  CHECK(load_history(path, 1, 1).records.size() == 1);  // acc not checked
  CHECK(test::expect_error([&] { load_history(path, 1, 1, {"acc"}); }).subject() == path + ":1");
  History h = load_history(path, 1, 1, {"other"});
  CHECK(h.total_records == 2);
  CHECK(h.describe_window() == "the last record (line 2)");
}
