#include "csv/cells.hpp"

#include <charconv>
#include <cmath>

#include "test_util.hpp"

using namespace lean;

TEST_CASE("the missing-value markers, and nothing else") {
  for (const char* cell : {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"}) CHECK(is_missing_cell(cell));
  for (const char* cell : {"na", "0", " ", "none", "NAN", "-"}) CHECK_FALSE(is_missing_cell(cell));
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
