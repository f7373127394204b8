#include "storage/ids.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace lean;

TEST_CASE("random hex names have the digits asked for and do not repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = random_hex(12);
    CHECK(id.size() == 12);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
  CHECK(random_hex(0).empty());
}
