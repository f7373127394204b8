#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "drift/number_column.hpp"

namespace lean::test {

// tests/data/drift/stats_cases.json: inputs and the values scipy computed on them
// (written by tests/data/drift/make_fixtures.py).
inline const nlohmann::json& stats_cases() {
  static const nlohmann::json cases =
      nlohmann::json::parse(read_text_file(std::string(LEAN_TESTDATA_DIR) + "/drift/stats_cases.json"));
  return cases;
}

// A number column's values, sorted as the drift statistics take them.
inline std::vector<double> sorted_values(NumberColumn& column) {
  HugePageVector<double> values;
  SortSpace space;
  column.take_sorted(values, space);
  return {values.begin(), values.end()};
}

inline std::vector<double> doubles(const nlohmann::json& array) { return array.get<std::vector<double>>(); }

inline std::vector<std::uint64_t> counts(const nlohmann::json& array) {
  return array.get<std::vector<std::uint64_t>>();
}

}  // namespace lean::test
