// A history (JSON Lines) file through ml-validate --history: the window (first byte),
// the records, every aggregate over them, and every output written.
#include "fuzz_util.hpp"
#include "cli/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  if (size == 0) return 0;
  const std::string window = std::to_string(data[0] % 8 + 1);
  const std::string history = run.write("history.jsonl", lean::fuzz::text(data + 1, size - 1));
  run.run(lean::validate_main, {"ml-validate",
                                "--history",
                                history,
                                "--window",
                                window,
                                "--min-count",
                                "1",
                                "--allow-missing",
                                "--no-ci",
                                "-r",
                                "mean(accuracy) >= 0.8",
                                "-r",
                                "median(eval.f1) > 0.5",
                                "-r",
                                "count(accuracy) >= 1",
                                "-r",
                                "min(/a/b) < 1",
                                "-r",
                                "max(x) != 0",
                                "-r",
                                "last(accuracy) == 1",
                                "--report",
                                run.path("r.json"),
                                "--junit",
                                run.path("j.xml"),
                                "--markdown",
                                run.path("s.md")});
  return 0;
}
