// A policy file through the whole ml-validate command: read, parsed, every expression
// checked against a metrics file, every output rendered and written.
#include "fuzz_util.hpp"
#include "cli/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  static const std::string metrics = run.write(
      "metrics.json", R"({"accuracy": 0.91, "eval": {"f1": 0.8, "roc_auc": 0.95}, "latency": {"p95_ms": 42}})");
  const std::string policy = run.write("policy.json", lean::fuzz::text(data, size));
  // The metrics are all there and all numbers: whatever the policy, the answer is a
  // decision (0, 1) or a configuration error (2), never an input-data error.
  const int code =
      run.run(lean::validate_main,
              {"ml-validate", metrics, "--policy", policy, "--no-ci", "--allow-missing", "--report", run.path("r.json"),
               "--junit", run.path("j.xml"), "--markdown", run.path("s.md"), "--dotenv", run.path("d.env")});
  if (code > 2) lean::fuzz::finding("a policy file made ml-validate exit " + std::to_string(code));
  return 0;
}
