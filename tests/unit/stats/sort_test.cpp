#include "stats/sort.hpp"

#include <algorithm>
#include <random>

#include "test_util.hpp"

using namespace lean;

TEST_CASE("the radix sort orders negatives, zeros, subnormals and huge values like std::sort") {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> uniform(-1e6, 1e6);
  std::vector<double> values;
  for (int i = 0; i < 100000; ++i) values.push_back(uniform(random) * (i % 3 == 0 ? 1e-300 : 1.0));
  values.insert(values.end(), {0.0, -0.0, 4.9e-324, -4.9e-324, 1.7e308, -1.7e308, 1.0, 1.0});
  std::vector<double> expected = values;
  std::vector<std::uint64_t> keys(values.size()), scratch(values.size());
  std::sort(expected.begin(), expected.end());
  sort_doubles(values, keys, scratch);
  CHECK(values == expected);
}

TEST_CASE("small inputs and inputs sharing their high bits sort too") {
  std::vector<double> small{3, 1, 2};
  std::vector<std::uint64_t> keys(2000), scratch(2000);
  sort_doubles(small, keys, scratch);
  CHECK(small == std::vector<double>{1, 2, 3});
  std::vector<double> close;
  for (int i = 2000; i > 0; --i) close.push_back(1.0 + i * 1e-12);
  std::vector<double> expected = close;
  std::sort(expected.begin(), expected.end());
  sort_doubles(close, keys, scratch);
  CHECK(close == expected);
}

TEST_CASE("radix_sort of keys in a narrow range skips the shared high digits and still sorts") {
  std::mt19937_64 random(3);
  std::vector<std::uint64_t> keys, scratch(50000);
  for (int i = 0; i < 50000; ++i) keys.push_back(random() % 100000);
  std::vector<std::uint64_t> expected = keys;
  std::sort(expected.begin(), expected.end());
  radix_sort(keys, scratch);
  CHECK(keys == expected);
}
