#include "drift/quality.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

using namespace lean;

namespace {

ObservedColumn numbers(const std::vector<double>& sorted, std::uint64_t missing) {
  ObservedColumn column;
  column.name = "x";
  column.rows = sorted.size() + missing;
  column.missing = missing;
  column.sorted_values = sorted;
  return column;
}

const QualityFinding& find(const std::vector<QualityFinding>& findings, const std::string& check) {
  for (const auto& f : findings) {
    if (f.check == check) return f;
  }
  FAIL("no finding " << check);
  return findings.front();
}

}  // namespace

TEST_CASE("Extremes keeps the five lowest and highest values, earliest line on ties") {
  Extremes extremes;
  const double values[] = {5, 1, 9, 1, 7, 3, 12, -4, 6, 12, 0};
  for (std::size_t i = 0; i < std::size(values); ++i) extremes.add(values[i], i + 2);
  const auto outside = extremes.outside(1, 9);  // -4 (line 9), 0 (line 12), 12 (lines 8 and 11)
  REQUIRE(outside.size() == 4);
  CHECK(outside[0].line == 8);
  CHECK(outside[0].value == "12");
  CHECK(outside[1].line == 9);
  CHECK(outside[2].line == 11);
  CHECK(outside[3].line == 12);
  CHECK(extremes.outside(-10, 20).empty());
}

TEST_CASE("find_duplicates counts repeats and names the earliest with the line they repeat") {
  std::vector<std::uint64_t> hashes = {7, 3, 7, 7, 9, 3};
  const std::vector<std::uint64_t> lines = {2, 3, 4, 5, 6, 7};
  const Duplicates found = find_duplicates(hashes, lines);
  CHECK(found.count == 3);
  CHECK(found.lines == std::vector<std::uint64_t>{4, 5, 7});
  CHECK(found.same_as == std::vector<std::uint64_t>{2, 2, 3});
  CHECK(hashes == std::vector<std::uint64_t>{7, 3, 7, 7, 9, 3});  // kept in order for the examples
  CHECK(find_duplicates(hashes, {}).lines.empty());               // the count alone
  std::vector<std::uint64_t> many(5000), many_lines(5000);
  for (std::size_t i = 0; i < many.size(); ++i) {  // radix-sorted: more than std::sort's share
    many[i] = (i % 2500) * 0x9E3779B97F4A7C15;
    many_lines[i] = i + 2;
  }
  const Duplicates repeated = find_duplicates(many, many_lines);
  CHECK(repeated.count == 2500);
  CHECK(repeated.lines == std::vector<std::uint64_t>{2502, 2503, 2504, 2505, 2506});
  CHECK(repeated.same_as == std::vector<std::uint64_t>{2, 3, 4, 5, 6});
}

TEST_CASE("find_duplicates tells apart hashes that share their top bits and differ below") {
  // The radix passes order the top 33 bits; hashes alike there must still be compared whole.
  std::vector<std::uint64_t> hashes;
  for (std::uint64_t i = 0; i < 3000; ++i) hashes.push_back((i % 40) << 40 | (i % 7) << 3 | (i % 1000 == 0));
  std::vector<std::uint64_t> sorted = hashes;
  std::sort(sorted.begin(), sorted.end());
  const auto distinct = static_cast<std::uint64_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
  std::vector<std::uint64_t> lines(hashes.size());
  for (std::size_t i = 0; i < lines.size(); ++i) lines[i] = i + 2;
  CHECK(find_duplicates(hashes, lines).count == hashes.size() - distinct);
  CHECK(find_duplicates(hashes, {}).count == hashes.size() - distinct);
}

TEST_CASE("missing: exactly at the threshold passes, just above fails; a column limit applies on top") {
  ExpectedColumn expected;
  expected.name = "x";
  expected.missing_share = 0.01;
  QualitySettings settings;
  const std::vector<double> values(94, 1.0);
  CHECK(find(check_column(expected, numbers(values, 6), settings), "missing").passed);  // 6% = 1% + 5%
  const std::vector<double> fewer(93, 1.0);
  const auto above = find(check_column(expected, numbers(fewer, 7), settings), "missing");
  CHECK_FALSE(above.passed);
  CHECK(above.message == "x 7% missing, reference 1% (+6% > +5%)");
  settings.max_missing["x"] = 0.05;
  const auto limited = find(check_column(expected, numbers(values, 6), settings), "missing");
  CHECK_FALSE(limited.passed);
  CHECK(limited.threshold == 0.05);
  CHECK(limited.message == "x 6% missing, reference 1% (6% > 5% allowed)");
}

TEST_CASE("range, constant and empty against the reference profile") {
  ExpectedColumn expected = profile_column(numbers({0, 1, 2, 3}, 0), 10);
  CHECK(expected.min == 0);
  CHECK(expected.max == 3);
  QualitySettings settings;
  settings.max_out_of_range = 0.25;
  CHECK(find(check_column(expected, numbers({-1, 1, 2, 3}, 0), settings), "range").passed);  // 25%: at
  const auto above = find(check_column(expected, numbers({-1, 1, 2, 4}, 0), settings), "range");
  CHECK_FALSE(above.passed);
  CHECK(above.observed == 0.5);
  CHECK_FALSE(find(check_column(expected, numbers({2, 2, 2}, 0), settings), "constant").passed);
  CHECK_FALSE(find(check_column(expected, numbers({}, 4), settings), "empty").passed);
  ExpectedColumn constant = profile_column(numbers({2, 2}, 0), 10);
  CHECK(find(check_column(constant, numbers({2, 2, 2}, 0), settings), "constant").passed);
}

TEST_CASE("categories: the share of unseen values, the new ones by count with their first lines") {
  ObservedColumn reference;
  reference.name = "city";
  reference.numeric = false;
  reference.rows = 4;
  reference.counts = {{"Paris", 3}, {"Lagos", 1}};
  const ExpectedColumn expected = profile_column(reference, 10);
  CHECK(expected.categories == std::vector<std::string>{"Lagos", "Paris"});
  CHECK(profile_column(reference, 1).categories_listed == false);
  ObservedColumn current = reference;
  current.rows = 100;
  current.counts = {{"Paris", 97}, {"Rome", 1}, {"Oslo", 2}};
  current.first_lines = {2, 40, 7};
  QualitySettings settings;
  settings.max_new_categories = 0.03;
  CHECK(find(check_column(expected, current, settings), "categories").passed);  // 3%: at
  settings.max_new_categories = 0.02;
  const auto found = find(check_column(expected, current, settings), "categories");
  CHECK_FALSE(found.passed);
  REQUIRE(found.new_values.size() == 2);
  CHECK(found.new_values[0].first == "Oslo");
  CHECK(found.examples[0].line == 7);
  CHECK(found.examples[1].line == 40);
}

TEST_CASE("rows and duplicates at their boundaries") {
  QualitySettings settings;
  settings.rows_ratio = std::make_pair(0.8, 1.25);
  CHECK(rows_finding(200, 160, settings).passed);
  CHECK_FALSE(rows_finding(200, 159, settings).passed);
  CHECK(rows_finding(200, 250, settings).passed);
  CHECK_FALSE(rows_finding(200, 251, settings).passed);
  Duplicates two;
  two.count = 2;
  CHECK(duplicates_finding(0, 200, two, settings).passed);  // 1%: at
  Duplicates three;
  three.count = 3;
  CHECK_FALSE(duplicates_finding(0, 200, three, settings).passed);
  CHECK(duplicates_finding(0.005, 200, three, settings).passed);  // +1% over the reference's 0.5%
}

TEST_CASE("range and rows bounds print in the shortest form that reads back exactly") {
  ExpectedColumn expected = profile_column(numbers({1234567.5, 2345678.25}, 0), 10);
  QualitySettings settings;
  const auto range = find(check_column(expected, numbers({1234567.5, 2000000}, 0), settings), "range");
  CHECK(range.message ==
        "x 0% of values outside [1234567.5, 2345678.25] (0% <= 1%)");  // was [1.23457e+06, 2.34568e+06]
  ExpectedColumn tiny = profile_column(numbers({0.1234567891, 0.30000000000000004}, 0), 10);
  CHECK(find(check_column(tiny, numbers({0.2}, 0), settings), "range").message ==
        "x 0% of values outside [0.1234567891, 0.30000000000000004] (0% <= 1%)");
  settings.rows_ratio = std::make_pair(0.8123456789, 1.25);
  // The ratio shows as many digits as keep it apart from the bound it is near.
  CHECK(rows_finding(10000000, 8123456, settings).message ==
        "8123456 rows, reference 10000000 (ratio 0.8123456 outside 0.8123456789:1.25)");
  CHECK(rows_finding(200, 250, settings).message == "250 rows, reference 200 (ratio 1.25 within 0.8123456789:1.25)");
}

TEST_CASE("row hashes take every spelling of a missing cell as one, and tell cells apart by position") {
  // Cells with 8 readable bytes after them, as CsvReader's have.
  std::string storage(16 * 8, ' ');
  auto cell = [&](std::size_t slot, std::string_view text) {
    storage.replace(16 * slot, text.size(), text);
    return std::string_view(storage).substr(16 * slot, text.size());
  };
  const std::string_view ind = cell(0, "1.#IND"), na = cell(1, "NA"), wide = cell(2, "#N/A N/A"), empty = cell(3, "");
  const std::string_view number = cell(4, "-1.5"), text = cell(5, "New York, NY"), short_text = cell(6, "Nadia");
  RowHashes hashes;
  const std::vector<RowHashes::FieldSeed> fields = {{0, RowHashes::seed(0)}, {1, RowHashes::seed(1)}};
  const std::vector<std::vector<std::string_view>> rows = {{ind, number},   {na, number},    {wide, number},
                                                           {empty, number}, {number, empty}, {text, short_text},
                                                           {text, number}};
  for (const auto& row : rows) hashes.add_row(row, 2, 0, fields);
  CHECK(hashes.rows[0] == hashes.rows[1]);
  CHECK(hashes.rows[0] == hashes.rows[2]);
  CHECK(hashes.rows[0] == hashes.rows[3]);
  CHECK(hashes.rows[3] != hashes.rows[4]);  // the same cells in other columns
  CHECK(hashes.rows[5] != hashes.rows[6]);
  CHECK(hashes.rows[4] != hashes.rows[6]);
}
