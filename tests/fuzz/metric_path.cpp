// A metric name (first line: dotted path or JSON Pointer) looked up in a metrics JSON
// document (the rest): found, missing with a did-you-mean, ambiguous, not a number.
#include "core/error.hpp"
#include "fuzz_util.hpp"
#include "metrics/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  const auto newline = input.find('\n');
  const std::string path = input.substr(0, newline);
  const std::string json =
      newline == std::string::npos ? R"({"a": {"b": 1, "c.d": [2, {"e": 3}]}, "a.b": 4})" : input.substr(newline + 1);
  try {
    const auto set = lean::MetricSet::parse(json, "fuzz.json");
    try {
      (void)set.find_number(path);
    } catch (const lean::Error&) {
    }
    (void)set.number(path);
  } catch (const lean::Error&) {
  }
  return 0;
}
