// Metrics JSON as ml-validate, ml-compare and ml-release read it: parse, every metric
// looked up by its dotted name and its pointer, the nested form rebuilt, and merged
// with itself (which must always succeed: every value agrees with itself).
#include "core/error.hpp"
#include "fuzz_util.hpp"
#include "metrics/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  lean::MetricSet set;
  try {
    set = lean::MetricSet::parse(input, "fuzz.json");
  } catch (const lean::Error&) {
    return 0;
  }
  for (const auto& name : set.names()) {
    try {
      (void)set.number(name);
    } catch (const lean::Error&) {
    }
  }
  try {
    (void)set.to_json().dump();
  } catch (const lean::Error&) {
  }
  try {
    lean::MetricSet again = lean::MetricSet::parse(input, "again.json");
    set.merge(again);
  } catch (const lean::Error& e) {
    lean::fuzz::finding(std::string("merging a metrics file with itself failed: ") + e.what());
  }
  return 0;
}
