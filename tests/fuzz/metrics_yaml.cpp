// YAML metrics files (DVC's metrics.yaml) as every tool reads them: converted to JSON by
// yaml-cpp and our conversion, then parsed as a metrics file, every metric looked up.
#include "core/error.hpp"
#include "fuzz_util.hpp"
#include "metrics/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  const std::string path = run.write("metrics.yaml", lean::fuzz::text(data, size));
  try {
    const lean::MetricSet set = lean::MetricSet::load(path);
    for (const auto& name : set.names()) {
      try {
        (void)set.number(name);
      } catch (const lean::Error&) {
      }
    }
  } catch (const lean::Error&) {
  }
  return 0;
}
