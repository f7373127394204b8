#include "csv/cells.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <random>

#include "test_util.hpp"

using namespace lean;

TEST_CASE("the missing-value markers are pandas' default na_values, and nothing else") {
  for (const char* cell : {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                           "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}) {
    CHECK(is_missing_cell(cell));
  }
  for (const char* cell : {"na", "0", " ", "none", "NAN", "-", "#N/", "1.#INDX", "n/a "})
    CHECK_FALSE(is_missing_cell(cell));
}

TEST_CASE("a number that underflows is 0 or a subnormal, as in Python; one that overflows is not a number") {
  CHECK(parse_finite_number("1e-400") == 0.0);
  CHECK(std::signbit(*parse_finite_number("-1e-400")));
  CHECK(parse_finite_number("4.9e-324") == 4.9e-324);
  CHECK(parse_finite_number("2e-320") == 2e-320);
  CHECK_FALSE(parse_finite_number("1e400"));
  CHECK_FALSE(parse_finite_number("-1e400"));
}

TEST_CASE("finite numbers parse exactly; text, infinities and out-of-range values do not") {
  CHECK(parse_finite_number("1") == 1.0);
  CHECK(parse_finite_number("-2.5e3") == -2500.0);
  CHECK(parse_finite_number(" +0.1\t") == 0.1);
  CHECK(parse_finite_number(".5") == 0.5);
  CHECK(parse_finite_number("0.30000000000000004") == 0.30000000000000004);
  for (const char* cell : {"abc", "1.2.3", "inf", "-Infinity", "1e400", "+", "+-1", "0x10", "1,5", "12abc"}) {
    CHECK_FALSE(parse_finite_number(cell));
  }
}

TEST_CASE("the plain-decimal fast path gives the same doubles as from_chars") {
  // Values around rounding boundaries, long mantissas just under and over 2^53, many decimals.
  for (const char* cell : {"0.1", "0.3", "-1.005", "123456.789012", "9007199254740993", "9007199254740992",
                           "0.00000000000000000000001", "1.7976931348623157", "2.2250738585072014", "-0", "007.50",
                           "4503599627370497.5", "12345678901234567890", "0.1234567890123456789"}) {
    double expected = 0;
    std::string_view text(cell);
    std::from_chars(text.data() + (text[0] == '+' ? 1 : 0), text.data() + text.size(), expected);
    INFO(cell);
    REQUIRE(parse_finite_number(cell));
    CHECK(*parse_finite_number(cell) == expected);
    CHECK(std::signbit(*parse_finite_number(cell)) == std::signbit(expected));
  }
}

TEST_CASE("plain decimals read a word at a time agree with a digit-by-digit reading") {
  // The digit-by-digit reading the word-at-a-time one must match.
  auto expected_decimal = [](std::string_view cell) -> std::optional<PlainDecimal> {
    PlainDecimal out;
    std::size_t i = 0;
    out.negative = !cell.empty() && cell[0] == '-';
    if (!cell.empty() && (cell[0] == '-' || cell[0] == '+')) ++i;
    int digits = 0;
    bool point = false;
    for (; i < cell.size(); ++i) {
      if (cell[i] == '.' && !point) {
        point = true;
      } else if (cell[i] >= '0' && cell[i] <= '9') {
        out.mantissa = out.mantissa * 10 + static_cast<unsigned>(cell[i] - '0');
        ++digits;
        if (point) ++out.decimals;
      } else {
        return std::nullopt;
      }
    }
    if (digits == 0 || digits > 19 || out.mantissa > (std::uint64_t{1} << 53)) return std::nullopt;
    return out;
  };
  std::mt19937 random(11);
  const std::string alphabet = "0123456789..-+e x";
  std::size_t mismatches = 0, parsed = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string cell;
    const int length = static_cast<int>(random() % 13);
    for (int i = 0; i < length; ++i) cell += alphabet[random() % (i == 0 ? alphabet.size() : 11)];
    const auto want = expected_decimal(cell);
    std::string padded = cell + std::string(16, round % 2 ? '7' : '.');  // what follows must not matter
    const bool is_short = cell.size() - (!cell.empty() && (cell[0] == '-' || cell[0] == '+')) <= 8;
    const auto got_short = parse_short_decimal_padded(std::string_view(padded.data(), cell.size()));
    for (const auto& [got, expected] :
         {std::pair{parse_plain_decimal(cell), want}, std::pair{got_short, is_short ? want : std::nullopt}}) {
      const bool same = expected.has_value() == got.has_value() &&
                        (!expected || (expected->mantissa == got->mantissa && expected->decimals == got->decimals &&
                                       expected->negative == got->negative));
      if (!same && ++mismatches <= 5) FAIL_CHECK("\"" << cell << "\"");
    }
    parsed += want.has_value();
  }
  CHECK(mismatches == 0);
  CHECK(parsed > 50000);  // the random cells include plenty of numbers
}
