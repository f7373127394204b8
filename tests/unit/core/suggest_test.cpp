#include "core/suggest.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace lean;

TEST_CASE("edit distance counts insertions, deletions and substitutions") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "abc") == 0);
  CHECK(edit_distance("acuracy", "accuracy") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "four") == 4);
}

TEST_CASE("swapping two adjacent characters is one edit") {
  CHECK(edit_distance("chrun", "churn") == 1);
  CHECK(edit_distance("prdo", "prod") == 1);
  CHECK(closest_match("chrun", {"churn", "fraud"}) == "churn");
}

TEST_CASE("a close name is suggested, a far one is not") {
  std::vector<std::string> names = {"accuracy", "eval.f1", "loss"};
  CHECK(closest_match("acuracy", names) == "accuracy");
  CHECK(closest_match("eval.f2", names) == "eval.f1");
  CHECK_FALSE(closest_match("throughput", names).has_value());
  CHECK_FALSE(closest_match("x", {}).has_value());
}

TEST_CASE("lists are cut after the limit") {
  CHECK(join_limited({"a", "b", "c"}, 5) == "a, b, c");
  CHECK(join_limited({"a", "b", "c"}, 2) == "a, b, ...");
  CHECK(join_limited({}, 2).empty());
}

namespace {

// The full table, every cell: what the banded computation must agree with.
std::size_t full_table_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

TEST_CASE("the banded distance agrees with the full table within its limit, and says 'over' beyond it") {
  std::mt19937 random(7);
  const auto word = [&] {
    std::string w(random() % 9, 'a');
    for (auto& c : w) c = static_cast<char>('a' + random() % 3);
    return w;
  };
  for (int trial = 0; trial < 20000; ++trial) {
    const std::string a = word(), b = word();
    const std::size_t limit = random() % 6, exact = full_table_distance(a, b);
    CAPTURE(a);
    CAPTURE(b);
    CAPTURE(limit);
    CHECK(bounded_edit_distance(a, b, limit) == std::min(exact, limit + 1));
    CHECK(edit_distance(a, b) == exact);
  }
}

TEST_CASE("a lookup among many similar long names takes the closest") {
  std::vector<std::string> names;
  for (int i = 0; i < 5000; ++i) names.push_back(std::string(60, 'x') + ".item" + std::to_string(i));
  CHECK(closest_match(std::string(60, 'x') + ".iten4999", names) == std::string(60, 'x') + ".item4999");
}
