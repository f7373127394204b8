#include "metrics/tolerance.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace lean;

TEST_CASE("numbers a few ulps apart are equal, relative to their size") {
  CHECK(nearly_equal(0.1 + 0.2, 0.3));
  CHECK(nearly_equal(0.8499999999999999, 0.85));
  CHECK(nearly_equal(0.80 + 0.05, 0.85));
  CHECK(nearly_equal(1e-13 * (0.1 + 0.2), 1e-13 * 0.3));
  CHECK_FALSE(nearly_equal(6e-13, 1.1e-12));  // an absolute slack of 1e-12 called these equal
  CHECK_FALSE(nearly_equal(0.85, 0.85000000001));
  CHECK_FALSE(nearly_equal(0, 1e-300));
  CHECK(nearly_equal(0, 0));
  CHECK(nearly_equal(0.85, std::nextafter(std::nextafter(0.85, 1.0), 1.0)));
}

TEST_CASE("at_least is >= within the tolerance") {
  CHECK(at_least(0.8499999999999999, 0.85));
  CHECK(at_least(0.86, 0.85));
  CHECK_FALSE(at_least(0.8499, 0.85));
}

TEST_CASE("two different numbers are printed differently") {
  CHECK(distinct_texts(0.79, 0.8) == std::pair<std::string, std::string>{"0.79", "0.8"});
  CHECK(distinct_texts(0.85, 0.85) == std::pair<std::string, std::string>{"0.85", "0.85"});
  CHECK(distinct_texts(0.84999999999, 0.85) == std::pair<std::string, std::string>{"0.84999999999", "0.85"});
  CHECK(distinct_texts(0.85999999999999, 0.8600000000000001) ==
        std::pair<std::string, std::string>{"0.85999999999999", "0.8600000000000001"});
}
