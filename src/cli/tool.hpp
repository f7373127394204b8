#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <string>
#include <vector>

#include "storage/open_storage.hpp"
#include "report/outcome.hpp"
#include "report/outputs.hpp"

namespace lean {

namespace po = boost::program_options;

// What makes one tool: its options and the library call that runs it. The runner does
// everything the tools share: help, version, output flags, error printing, exit code.
struct ToolSpec {
  std::string name;      // "ml-validate"
  std::string synopsis;  // usage lines printed by --help
  std::function<void(po::options_description&, po::positional_options_description&)> declare_options;
  std::function<Outcome(const po::variables_map&)> run;
  // The files the run reads (optional): an output flag naming one is refused before
  // anything is read or written (refuse_overwriting_inputs).
  std::function<std::vector<std::string>(const po::variables_map&)> inputs;
  // Folders no output file may resolve into (optional; ml-release: a local registry, whose
  // objects a --report or $GITHUB_STEP_SUMMARY would overwrite): refused before any work.
  std::function<std::vector<std::string>(const po::variables_map&)> protected_folders;
  // The exit-code line of --help; empty: the gates' "0 pass, 1 gate failed, ...".
  std::string exit_codes;
};

// The one catch site: every error becomes "name: error: ..." on stderr and its exit code.
// An exception that is not a lean::Error (a bug) is exit 3 with kInternalError, never its text.
int run_tool(const ToolSpec& spec, int argc, const char* const* argv);
inline constexpr const char* kInternalError =
    "internal error: the run stopped on a failure the tool does not check for (a bug; please report it "
    "with the command line)";

// What run_tool does before a tool sees its options, for tests of the parse functions: the
// options every tool takes (--report, --markdown, --junit, --dotenv, --no-ci, --quiet, --help,
// --version), and argv stored as run_tool stores it (no abbreviations). Boost's errors pass.
void declare_common_options(po::options_description& options);
void store_command_line(const po::options_description& options, const po::positional_options_description& positional,
                        int argc, const char* const* argv, po::variables_map& vm);

// The value of --ca-bundle FILE (empty when not given), checked to be a readable file: a
// configuration error (exit 2) names it otherwise, rather than a failed TLS handshake.
std::string ca_bundle_option(const po::variables_map& vm);

// --endpoint-url and --region: the S3 connection options of ml-release's registry and of
// every s3:// input, declared once; with `ca_bundle` also --ca-bundle (for tools that have
// no other use for it).
void declare_endpoint_url_option(po::options_description& options);
void declare_region_option(po::options_description& options);
void declare_s3_options(po::options_description& options, bool ca_bundle);

// Hands --endpoint-url, --region and --ca-bundle (those the tool declares) to the s3:// data
// and metrics inputs (input/s3_input.hpp); run_tool calls it before the run.
void configure_s3_inputs(const po::variables_map& vm);

// The same options for a registry the tool only reads (ml-compare --baseline-registry,
// ml-drift --reference-registry): no progress display.
RegistryOptions registry_read_options(const po::variables_map& vm);

// Splits "a,b,c" as the comma-separated list options take.
std::vector<std::string> split_list(const std::string& text);

// An output flag (--report, --markdown, --junit, --dotenv, --write-metrics, --html,
// --openmetrics, --output) naming one of the run's input files, or two of them naming one
// file, is a usage error: the run would destroy what it read or wrote.
void refuse_overwriting_inputs(const po::variables_map& vm, const std::vector<std::string>& inputs);

// ToolSpec::inputs for tools whose inputs are these options' values (one or repeated).
std::function<std::vector<std::string>(const po::variables_map&)> input_options(std::vector<std::string> names);

}  // namespace lean
