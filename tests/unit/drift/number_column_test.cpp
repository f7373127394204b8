#include "drift/number_column.hpp"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

namespace {

void add_text(NumberColumn& column, const std::string& text) {
  if (auto decimal = parse_plain_decimal(text)) column.add(*decimal);
  else column.add(*parse_finite_number(text));
}

// Adds each text as the CSV reader would; returns the doubles parsing them gives, sorted.
std::vector<double> add_texts(NumberColumn& column, const std::vector<std::string>& texts) {
  std::vector<double> expected;
  for (const auto& text : texts) {
    add_text(column, text);
    expected.push_back(*parse_finite_number(text));
  }
  std::sort(expected.begin(), expected.end());
  return expected;
}

}  // namespace

TEST_CASE("numbers past the memory budget go to the spill file and come back, sorted") {
  NumberColumn::Arena arena;
  arena.budget_bytes = 8 * NumberColumn::kChunk;  // one chunk of doubles
  NumberColumn a(&arena), b(&arena);
  const std::size_t n = NumberColumn::kChunk * 3 + 17;
  for (std::size_t i = 0; i < n; ++i) {
    a.add(static_cast<double>(n - i));                            // doubles
    b.add(PlainDecimal{static_cast<std::uint64_t>(i), 1, true});  // decimals: -i / 10
  }
  CHECK(arena.bytes_in_memory == 8 * NumberColumn::kChunk);
  const std::vector<double> values = test::sorted_values(a), negatives = test::sorted_values(b);
  REQUIRE(values.size() == n);
  REQUIRE(negatives.size() == n);
  bool as_expected = true;
  for (std::size_t i = 0; i < n; ++i) {
    as_expected =
        as_expected && values[i] == static_cast<double>(i + 1) && negatives[i] == -static_cast<double>(n - 1 - i) / 10;
  }
  CHECK(as_expected);
  CHECK(a.size() == 0);
}

TEST_CASE("decimals on mixed scales sort as integers and decode to the doubles parsing gives") {
  NumberColumn::Arena arena;
  NumberColumn column(&arena);
  const std::vector<double> expected =
      add_texts(column, {"0.1", "-2.25", "3", "0.30", "-0.000001", "12345.6789", "-0", "7.5"});
  CHECK(test::sorted_values(column) == expected);
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
  CHECK(test::sorted_values(column) == expected);
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
  CHECK(test::sorted_values(column) == expected);
}

TEST_CASE("narrow and wide ranges (counting sort, radix sort) give the sorted doubles parsing gives") {
  std::mt19937_64 random(11);
  const std::size_t n = NumberColumn::kChunk * 2 + 100;  // two chunks and a tail
  // Thousandths from -0.7 up, the range's ends always present so it spans exactly `range`
  // keys: fewer than 2n keys take the counting sort, more the radix sort.
  for (const std::uint64_t range : {std::uint64_t{50}, std::uint64_t{2 * n - 2}, std::uint64_t{2 * n}}) {
    NumberColumn::Arena arena;
    NumberColumn column(&arena);
    std::vector<double> expected;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t offset = i == 0 ? 0 : i == 1 ? range : random() % (range + 1);
      const auto thousandths = static_cast<std::int64_t>(offset) - 700;
      const std::uint64_t magnitude = static_cast<std::uint64_t>(thousandths < 0 ? -thousandths : thousandths);
      std::string fraction = std::to_string(magnitude % 1000);
      fraction.insert(0, 3 - fraction.size(), '0');
      std::string text = (thousandths < 0 ? "-" : "") + std::to_string(magnitude / 1000) + "." + fraction;
      if (i + 1 == n) text = "-0.7";  // the lowest again, on a coarser scale, in the tail
      add_text(column, text);
      expected.push_back(*parse_finite_number(text));
    }
    std::sort(expected.begin(), expected.end());
    CHECK(test::sorted_values(column) == expected);
  }
}

TEST_CASE("a tail keeps taking values at its scale after it turned to doubles, rescaled, or was cleared") {
  // Each step changes what the tail takes as it is: more decimals rescale it, a mantissa
  // past 2^53 at the scale turns it to doubles, a new chunk starts fixed-point again at the
  // last scale, and clear() starts over at scale 0.
  NumberColumn::Arena arena;
  arena.budget_bytes = std::size_t{64} << 20;
  NumberColumn column(&arena);
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < NumberColumn::kChunk - 3; ++i) texts.push_back(std::to_string(i % 977) + ".5");
  texts.push_back("0.125");              // rescales to 3 decimals
  texts.push_back("9007199254740.993");  // 2^53 + 1 at scale 3: the tail turns to doubles
  texts.push_back("9007199254740.991");  // 2^53 - 1 at scale 3: would fit, but the tail holds doubles now
  for (std::size_t i = 0; i < 100; ++i) texts.push_back(std::to_string(i) + ".75");  // the next chunk: fixed again
  texts.push_back("1.0000000000000000000001");  // 22 decimals: more than any scale takes
  texts.push_back("-0.333");
  const std::vector<double> expected = add_texts(column, texts);
  CHECK(test::sorted_values(column) == expected);
  column.clear();
  for (const char* text : {"4", "-2", "1.5"}) add_text(column, text);
  CHECK(test::sorted_values(column) == std::vector<double>{-2, 1.5, 4});
}
