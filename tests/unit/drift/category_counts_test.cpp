#include "drift/category_counts.hpp"

#include <string>

#include "test_util.hpp"

using namespace lean;

TEST_CASE("category counts: short and long cells, shared prefixes, growth, first-seen order") {
  CategoryCounts counts;
  std::vector<std::string> cells;
  for (int i = 0; i < 3000; ++i) cells.push_back("customer_" + std::to_string(i % 1000));      // long, one prefix
  for (int i = 0; i < 30; ++i) cells.push_back(std::string("ab\0", i % 3 == 0 ? 3 : 2));       // a NUL is text too
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

TEST_CASE("category counts: add_if_known counts only cells seen before and gives back their tag") {
  CategoryCounts counts;
  auto padded = [](const std::string& cell) { return cell + std::string(8, '?'); };
  const std::string berlin = padded("Berlin"), long_city = padded("Llanfairpwllgwyngyll-Wales");
  const std::string_view berlin_cell(berlin.data(), 6), long_cell(long_city.data(), 26);
  CHECK(counts.add_if_known(berlin_cell) == nullptr);  // empty table
  counts.add_padded(berlin_cell, 1, 11);
  counts.add_padded(long_cell, 2, 22);
  for (int i = 0; i < 40; ++i) counts.add_padded(padded("c" + std::to_string(i)), 1, 0);  // grows: tags move along
  const std::uint64_t* tag = counts.add_if_known(berlin_cell);
  REQUIRE(tag != nullptr);
  CHECK(*tag == 11);
  REQUIRE(counts.add_if_known(long_cell) != nullptr);
  CHECK(*counts.add_if_known(long_cell) == 22);
  CHECK(counts.add_if_known(std::string_view(long_city.data(), 25)) == nullptr);  // a prefix is another cell
  CHECK(counts.count_of("Berlin") == 2);
  CHECK(counts.count_of("Llanfairpwllgwyngyll-Wales") == 4);
  CHECK(counts.size() == 42);  // add_if_known never adds
}
