#include "csv/cells.hpp"

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
