#include "drift/schema.hpp"

#include <doctest/doctest.h>

#include "core/error.hpp"

using namespace lean;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_schema(text, "s.json");
  } catch (const Error& e) {
    CHECK(e.status() == ExitStatus::usage);
    return e.describe();
  }
  return "";
}

}  // namespace

TEST_CASE("a schema written and read back is the same profile") {
  ExpectedDataset profile;
  profile.rows = 10;
  profile.duplicate_share = 0.1;
  ExpectedColumn age;
  age.name = "age";
  age.min = 18;
  age.max = 90;
  age.missing_share = 0.25;
  ExpectedColumn city;
  city.name = "city";
  city.numeric = false;
  city.categories_listed = true;
  city.categories = {"Paris", "Lagos"};
  city.unique = true;
  profile.columns = {age, city};
  const std::string text = schema_json(profile).dump(2);
  CHECK(text.find("\"categories\": [\n        \"Lagos\",\n        \"Paris\"") != std::string::npos);  // sorted
  const ExpectedDataset back = parse_schema(text, "s.json");
  CHECK(back.rows == 10);
  CHECK(back.duplicate_share == 0.1);
  REQUIRE(back.columns.size() == 2);
  CHECK(back.columns[0].min == 18);
  CHECK(back.columns[0].max == 90);
  CHECK(back.columns[0].missing_share == 0.25);
  CHECK(back.columns[1].categories == std::vector<std::string>{"Lagos", "Paris"});
  CHECK(back.columns[1].unique);
  CHECK(schema_json(back).dump(2) == text);
}

TEST_CASE("an all-missing reference column has no type: null in the schema, any type passes") {
  ObservedColumn reference;
  reference.name = "notes";
  reference.numeric = false;
  reference.rows = 3;
  reference.missing = 3;
  const ExpectedColumn expected = profile_column(reference, 1000);
  CHECK(expected.untyped);
  CHECK_FALSE(expected.categories_listed);  // an empty list would make every value new
  ExpectedDataset profile;
  profile.columns = {expected};
  const std::string text = schema_json(profile).dump();
  CHECK(text.find("\"type\":null") != std::string::npos);
  CHECK(text.find("categories") == std::string::npos);
  const ExpectedColumn back = parse_schema(text, "s.json").columns.at(0);
  CHECK(back.untyped);
  ObservedColumn current;
  current.name = "notes";
  current.numeric = false;
  current.rows = 2;
  current.counts = {{"late", 2}};
  current.first_lines = {2};
  for (const auto& finding : check_column(back, current, QualitySettings())) {
    CAPTURE(finding.check);
    CHECK(finding.passed);
    CHECK(finding.check != "categories");
    CHECK(finding.check != "constant");
  }
}

TEST_CASE("schema errors are configuration errors naming the file") {
  CHECK(error_of(R"({"schema_version": 1, "columns": [{"name": "a", "type": "numeric", "type": "categorical"}]})") ==
        "'s.json': duplicate key \"type\"");
  // The same key in two objects is no duplicate.
  CHECK(
      error_of(
          R"({"schema_version": 1, "columns": [{"name": "a", "type": "numeric"}, {"name": "b", "type": "numeric"}]})") ==
      "");
  CHECK(error_of(R"({"schema_version": 2, "columns": []})") ==
        "'s.json': schema_version 2 is not supported; this ml-drift reads version 1");
  CHECK(error_of(R"({"schema_version": "1", "columns": []})") ==
        "'s.json': schema_version \"1\" is not supported; this ml-drift reads version 1");
  CHECK(error_of(R"({"schema_version": 1, "rowz": 3, "columns": [{"name": "a", "type": "numeric"}]})") ==
        "'s.json': unknown schema field \"rowz\" (did you mean \"rows\"?)");
  CHECK(
      error_of(
          R"({"schema_version": 1, "columns": [{"name": "a", "type": "numeric"}, {"name": "a", "type": "numeric"}]})") ==
      "'s.json': column \"a\" appears twice");
  CHECK(error_of(R"({"schema_version": 1, "columns": [{"name": "a", "type": "categorical", "min": 1, "max": 2}]})") ==
        "'s.json': \"columns[0].min\" and \"max\" are for numeric columns");
  CHECK(error_of(R"({"schema_version": 1, "columns": [{"name": "a", "type": "numeric", "categories": []}]})") ==
        "'s.json': \"columns[0].categories\" are for categorical columns");
  CHECK(error_of(R"({"schema_version": 1, "columns": [{"name": "a", "type": "categorical", "categories": [1]}]})") ==
        "'s.json': \"columns[0].categories\" holds 1, not a string");
  CHECK(error_of(R"({"schema_version": 1, "rows": 1.5, "columns": [{"name": "a", "type": "numeric"}]})") ==
        "'s.json': \"rows\" must be a whole number, not 1.5");
}

TEST_CASE("derived expectations: constant and empty") {
  const ExpectedDataset profile = parse_schema(
      R"({"schema_version": 1, "columns": [{"name": "a", "type": "numeric", "min": 2, "max": 2},
          {"name": "b", "type": "categorical", "categories": ["x"], "missing_share": 1}]})",
      "s.json");
  CHECK(profile.columns[0].constant);
  CHECK(profile.columns[1].constant);
  CHECK(profile.columns[1].empty);
  CHECK_FALSE(profile.columns[0].optional);
}
