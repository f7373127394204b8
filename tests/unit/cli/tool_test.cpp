#include "cli/tool.hpp"

#include <iostream>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "test_util.hpp"

using namespace lean;

namespace {
ToolSpec sample_spec(ExitStatus result) {
  ToolSpec spec;
  spec.name = "ml-sample";
  spec.synopsis = "ml-sample --level N";
  spec.declare_options = [](po::options_description& options, po::positional_options_description&) {
    options.add_options()("level", po::value<int>(), "a level");
  };
  spec.run = [result](const po::variables_map& vm) {
    if (vm.count("level") && vm["level"].as<int>() < 0) throw_input("level.json", "negative level");
    Outcome outcome;
    outcome.status = result;
    return outcome;
  };
  return spec;
}

int run(const ToolSpec& spec, std::vector<const char*> args) {
  args.insert(args.begin(), "ml-sample");
  return run_tool(spec, static_cast<int>(args.size()), args.data());
}
}  // namespace

TEST_CASE("the outcome's status is the exit code") {
  CHECK(run(sample_spec(ExitStatus::pass), {"--level", "1", "--no-ci"}) == 0);
  CHECK(run(sample_spec(ExitStatus::gate_failed), {"--no-ci"}) == 1);
}

TEST_CASE("errors become their exit codes") {
  CHECK(run(sample_spec(ExitStatus::pass), {"--level", "-1", "--no-ci"}) == 3);
  CHECK(run(sample_spec(ExitStatus::pass), {"--levle", "1"}) == 2);
  CHECK(run(sample_spec(ExitStatus::pass), {"--lev", "1"}) == 2);  // no abbreviations, but a suggestion
  CHECK(run(sample_spec(ExitStatus::pass), {"--level", "x"}) == 2);
}

TEST_CASE("an error still writes the report when its path is known") {
  test::TempDir dir;
  const std::string report = dir.file("r.json");
  CHECK(run(sample_spec(ExitStatus::pass), {"--level", "-1", "--no-ci", "--report", report.c_str()}) == 3);
  auto parsed = nlohmann::json::parse(test::read_all(report));
  CHECK(parsed["status"] == "error");
  CHECK(parsed["error"] == "'level.json': negative level");
}

TEST_CASE("an unexpected exception is an internal error without its text, and the outputs are written") {
  test::TempDir dir;
  const std::string report = dir.file("r.json");
  ToolSpec spec = sample_spec(ExitStatus::pass);
  spec.run = [](const po::variables_map&) -> Outcome { throw std::out_of_range("unordered_map::at"); };
  std::ostringstream captured;
  std::streambuf* const saved = std::cerr.rdbuf(captured.rdbuf());
  const int code = run(spec, {"--no-ci", "--report", report.c_str()});
  std::cerr.rdbuf(saved);
  CHECK(code == 3);
  CHECK(captured.str() ==
        "ml-sample: error: internal error: the run stopped on a failure the tool does not check for (a bug; please "
        "report it with the command line)\n");
  auto parsed = nlohmann::json::parse(test::read_all(report));
  CHECK(parsed["status"] == "error");
  CHECK(parsed["exit_code"] == 3);
  CHECK(parsed["error"] == kInternalError);
  CHECK(captured.str().find("unordered_map") == std::string::npos);
}

TEST_CASE("split_list drops empty items") {
  CHECK(split_list("a,b,,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_list("").empty());
}
