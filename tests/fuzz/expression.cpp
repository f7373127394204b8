// Threshold expressions ("mean(accuracy) >= 0.85"), as --require and policy files give
// them. What parses must read back the same from its canonical spelling.
#include "fuzz_util.hpp"
#include "metrics/expression.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  lean::Requirement req;
  try {
    req = lean::parse_requirement(input);
  } catch (const lean::ExpressionError&) {
    return 0;
  }
  const std::string canonical = lean::describe(req);
  lean::Requirement again;
  try {
    again = lean::parse_requirement(canonical);
  } catch (const lean::ExpressionError& e) {
    lean::fuzz::finding("\"" + canonical + "\" (from \"" + input + "\") does not parse: " + e.what());
  }
  if (again.metric != req.metric || again.op != req.op || again.aggregate != req.aggregate ||
      again.threshold != req.threshold) {
    lean::fuzz::finding("\"" + canonical + "\" reads back differently from \"" + input + "\"");
  }
  std::vector<double> values = {req.threshold, 0.5, -1};
  (void)lean::compare(lean::aggregate_values(req.aggregate, values), req.op, req.threshold);
  return 0;
}
