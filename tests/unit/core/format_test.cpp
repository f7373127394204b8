#include "core/format.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace lean;

TEST_CASE("numbers are written in their shortest exact form") {
  CHECK(format_number(0.1) == "0.1");
  CHECK(format_number(0.85) == "0.85");
  CHECK(format_number(42) == "42");
  CHECK(format_number(-0.0) == "0");
  CHECK(format_number(1e-6) == "1e-06");
  CHECK(format_number(0.85 + 0.01) == "0.86");
  CHECK(format_number(std::nan("")) == "NaN");
  CHECK(format_number(std::numeric_limits<double>::infinity()) == "inf");
}

TEST_CASE("differences carry a sign and six significant digits") {
  CHECK(format_signed(0.86 - 0.85) == "+0.01");
  CHECK(format_signed(-3) == "-3");
  CHECK(format_signed(0) == "+0");
  CHECK(format_percent(0.0123456) == "+1.23%");
  CHECK(format_percent(-0.5) == "-50.00%");
}

TEST_CASE("values for people have at most ten significant digits") {
  CHECK(format_human(0.85 + 0.01) == "0.86");
  CHECK(format_human((0.86 + 0.8 + 0.78) / 3) == "0.8133333333");
  CHECK(format_human(42) == "42");
  CHECK(format_human(-0.0) == "0");
}
