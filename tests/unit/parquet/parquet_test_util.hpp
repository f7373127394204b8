#pragma once
// Helpers of the Parquet reader's unit tests.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "parquet/thrift_compact.hpp"

namespace lean::parquet::test {

inline std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<std::uint8_t> out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

// The message of the FormatError `run` throws ("no error" when it throws none).
inline std::string error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const FormatError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace lean::parquet::test
