#include "core/suggest.hpp"

#include <doctest/doctest.h>

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
