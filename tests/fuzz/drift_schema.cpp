// A schema file through the whole ml-drift --schema command: read, validated, the current
// data checked against it, every output rendered and written.
#include "cli/drift.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  static const std::string current =
      run.write("cur.csv", "id,age,city\n1,30,Paris\n2,,Lagos\n3,200,Atlantis\n3,forty,Paris\n");
  const std::string schema = run.write("schema.json", lean::fuzz::text(data, size));
  // The data is well-formed: whatever the schema, the answer is a verdict (0, 1) or a
  // configuration error (2), never an input-data error.
  const int code = run.run(lean::drift_main, {"ml-drift", "--schema",         schema,          "--current",
                                              current,    "--no-ci",          "--unique",      "id",
                                              "--report", run.path("r.json"), "--junit",       run.path("j.xml"),
                                              "--html",   run.path("r.html"), "--markdown",    run.path("s.md"),
                                              "--dotenv", run.path("d.env"),  "--openmetrics", run.path("m.txt")});
  if (code > 2) lean::fuzz::finding("a schema file made ml-drift exit " + std::to_string(code));
  return 0;
}
