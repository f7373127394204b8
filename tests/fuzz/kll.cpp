// The KllDoublesSketch reader (src/sketch/kll.cpp): any bytes either give a sketch or a
// KllFormatError. A sketch read must answer every query, write itself again stably and
// merge with itself (twice the n, the same min and max).
#include "fuzz_util.hpp"
#include "sketch/kll.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto sketch = lean::KllSketch::deserialize(lean::fuzz::text(data, size));
    const std::string bytes = sketch.serialize();
    if (lean::KllSketch::deserialize(bytes).serialize() != bytes) lean::fuzz::finding("serialisation is not stable");
    if (sketch.empty()) return 0;
    for (double r : {0.0, 0.25, 0.5, 1.0}) {
      const double q = sketch.quantile(r, true);
      if (!(q >= sketch.min() && q <= sketch.max())) lean::fuzz::finding("quantile outside [min, max]");
      (void)sketch.quantile(r, false);
      const double rank = sketch.rank(q, true);
      if (!(rank >= 0 && rank <= 1)) lean::fuzz::finding("rank outside [0, 1]");
    }
    auto doubled = sketch;
    doubled.merge(sketch);
    if (doubled.n() != 2 * sketch.n() || doubled.min() != sketch.min() || doubled.max() != sketch.max()) {
      lean::fuzz::finding("merging a sketch with itself lost items");
    }
  } catch (const lean::KllFormatError&) {
  }
  return 0;
}
