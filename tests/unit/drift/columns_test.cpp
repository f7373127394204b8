#include "drift/columns.hpp"

#include <algorithm>
#include <cstdlib>
#include <random>

#include "test_util.hpp"

using namespace lean;

namespace {

std::vector<double> sorted_values(NumberColumn& column) {
  HugePageVector<double> values;
  SortSpace space;
  column.take_sorted(values, space);
  return {values.begin(), values.end()};
}

void add_text(NumberColumn& column, const std::string& text) {
  if (auto decimal = parse_plain_decimal(text)) column.add(*decimal);
  else column.add(*parse_finite_number(text));
}

}  // namespace

TEST_CASE("numbers past the memory budget go to the spill file and come back, sorted") {
  NumberColumn::Arena arena;
  arena.budget_bytes = 8 * NumberColumn::kChunk;  // one chunk of doubles
  NumberColumn a(&arena), b(&arena);
  const std::size_t n = NumberColumn::kChunk * 3 + 17;
  for (std::size_t i = 0; i < n; ++i) {
    a.add(static_cast<double>(n - i));                          // doubles
    b.add(PlainDecimal{static_cast<std::uint64_t>(i), 1, true});  // decimals: -i / 10
  }
  CHECK(arena.bytes_in_memory == 8 * NumberColumn::kChunk);
  const std::vector<double> values = sorted_values(a), negatives = sorted_values(b);
  REQUIRE(values.size() == n);
  REQUIRE(negatives.size() == n);
  bool as_expected = true;
  for (std::size_t i = 0; i < n; ++i) {
    as_expected = as_expected && values[i] == static_cast<double>(i + 1) &&
                  negatives[i] == -static_cast<double>(n - 1 - i) / 10;
  }
  CHECK(as_expected);
  CHECK(a.size() == 0);
}

TEST_CASE("decimals on mixed scales sort as integers and decode to the doubles parsing gives") {
  NumberColumn::Arena arena;
  NumberColumn column(&arena);
  const std::vector<std::string> texts{"0.1", "-2.25", "3", "0.30", "-0.000001", "12345.6789", "-0", "7.5"};
  std::vector<double> expected;
  for (const auto& text : texts) {
    add_text(column, text);
    expected.push_back(*parse_finite_number(text));
  }
  std::sort(expected.begin(), expected.end());
  CHECK(sorted_values(column) == expected);
}

TEST_CASE("one value in exponent form turns the column to doubles, earlier decimals included") {
  NumberColumn::Arena arena;
  arena.budget_bytes = NumberColumn::kChunk;
  NumberColumn column(&arena);
  std::vector<double> expected;
  for (std::size_t i = 0; i < NumberColumn::kChunk + 5; ++i) {
    const std::string text = i == NumberColumn::kChunk + 2 ? "1e-3" : std::to_string(i % 1000) + ".25";
    add_text(column, text);
    expected.push_back(*parse_finite_number(text));
  }
  add_text(column, "123456789012345678.5");  // too many digits for a plain decimal
  expected.push_back(123456789012345678.5);
  std::sort(expected.begin(), expected.end());
  CHECK(sorted_values(column) == expected);
}

TEST_CASE("read_rows counts missing cells, keeps numbers, and marks a column that turns to text") {
  test::TempDir dir;
  const auto path = dir.write("a.csv", "x,y,z\n1,a,NA\n2,b,\n,c,3\nfour,a,5\n");
  LoadedFile file;
  file.path = path;
  auto reader = open_csv(path, ',', file.header);
  CHECK(file.header == std::vector<std::string>{"x", "y", "z"});
  for (std::size_t field = 0; field < 3; ++field) {
    auto column = std::make_unique<FileColumn>(file.arena.get());
    column->name = file.header[field];
    column->field = field;
    file.columns.push_back(std::move(column));
  }
  read_rows(*reader, file, 1 << 20);
  CHECK(file.rows == 4);
  const FileColumn& x = *file.columns[0];
  CHECK_FALSE(x.numeric);
  CHECK(x.needs_text_pass);  // "1" and "2" were kept as numbers before "four"
  CHECK(x.first_text == "four");
  CHECK(x.first_text_line == 5);
  CHECK(x.missing == 1);
  CHECK(file.columns[1]->categories.count_of("a") == 2);
  CHECK(file.columns[2]->numeric);
  CHECK(file.columns[2]->missing == 2);
  CHECK(sorted_values(file.columns[2]->numbers) == std::vector<double>{3, 5});

  reread_as_text(file, {0});
  CHECK(file.columns[0]->categories.size() == 3);
  CHECK(file.columns[0]->categories.count_of("four") == 1);
  CHECK(file.columns[0]->missing == 1);
}

TEST_CASE("a header naming a column twice, an empty file and a short row are input errors") {
  test::TempDir dir;
  std::vector<std::string> header;
  const auto twice = dir.write("t.csv", "a,b,a\n1,2,3\n");
  CHECK(test::expect_error([&] { open_csv(twice, ',', header); }).describe() ==
        "'" + twice + ":1': column \"a\" appears twice in the header");
  const auto empty = dir.write("e.csv", "");
  CHECK(test::expect_error([&] { open_csv(empty, ',', header); }).describe() == "'" + empty + "': empty file: no header row");
  const auto unnamed = dir.write("u.csv", ",a\n1,2\n");
  open_csv(unnamed, ',', header);
  CHECK(header == std::vector<std::string>{"Unnamed: 0", "a"});

  const auto short_row = dir.write("s.csv", "a,b\n1,2\n3\n");
  LoadedFile file;
  file.path = short_row;
  auto reader = open_csv(short_row, ',', file.header);
  CHECK(test::expect_error([&] { read_rows(*reader, file, 0); }).describe() ==
        "'" + short_row + ":3': row has 1 field, the header has 2");
}

TEST_CASE("category counts: short and long cells, shared prefixes, growth, first-seen order") {
  CategoryCounts counts;
  std::vector<std::string> cells;
  for (int i = 0; i < 3000; ++i) cells.push_back("customer_" + std::to_string(i % 1000));  // long, one prefix
  for (int i = 0; i < 30; ++i) cells.push_back(std::string("ab\0", i % 3 == 0 ? 3 : 2));   // a NUL is text too
  for (int i = 0; i < 8; ++i) cells.push_back(std::string(static_cast<std::size_t>(i), 'x'));  // sizes 0 to 7
  for (const auto& cell : cells) {
    const std::string padded = cell + std::string(8, '?');  // what follows must not matter
    counts.add_padded(std::string_view(padded.data(), cell.size()));
  }
  CHECK(counts.size() == 1000 + 2 + 8);
  CHECK(counts.count_of("customer_7") == 3);
  CHECK(counts.count_of("customer_1000") == 0);
  CHECK(counts.count_of(std::string("ab\0", 3)) == 10);
  CHECK(counts.count_of("ab") == 20);
  CHECK(counts.count_of("") == 1);
  CHECK(counts.count_of("xxxxxxx") == 1);
  const auto entries = counts.entries();
  CHECK(entries.front() == std::pair<std::string, std::uint64_t>{"customer_0", 3});
  CHECK(entries[1000].first == std::string("ab\0", 3));
  CHECK(entries.back() == std::pair<std::string, std::uint64_t>{"xxxxxxx", 1});
}

TEST_CASE("fixed-point values spanning more than 32 bits sort on 64-bit keys, chunks and tail alike") {
  NumberColumn::Arena arena;
  arena.budget_bytes = 1 << 20;
  NumberColumn column(&arena);
  std::vector<double> expected;
  std::mt19937_64 random(5);
  for (std::size_t i = 0; i < 2 * NumberColumn::kChunk + 100; ++i) {
    // Four decimals over +-10^7: 2 * 10^11 apart at scale 4, past 2^32 within a chunk.
    const auto scaled = static_cast<std::int64_t>(random() % 200000000000) - 100000000000;
    const std::string text = (scaled < 0 ? "-" : "") + std::to_string(std::llabs(scaled) / 10000) + "." +
                             std::to_string(10000 + std::llabs(scaled) % 10000).substr(1);
    add_text(column, text);
    expected.push_back(*parse_finite_number(text));
  }
  std::sort(expected.begin(), expected.end());
  CHECK(sorted_values(column) == expected);
}
