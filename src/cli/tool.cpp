#include "cli/tool.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <new>

#include "cli/options.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/printable.hpp"
#include "core/redact.hpp"
#include "core/signals.hpp"
#include "core/suggest.hpp"
#include "core/version.hpp"
#include "input/s3_input.hpp"

namespace lean {
namespace {

OutputOptions output_options(const po::variables_map& vm) {
  OutputOptions out;
  out.report = string_option_or(vm, "report");
  out.markdown = string_option_or(vm, "markdown");
  out.junit = string_option_or(vm, "junit");
  out.dotenv = string_option_or(vm, "dotenv");
  out.no_ci = flag_option(vm, "no-ci");
  out.quiet = flag_option(vm, "quiet");
  return out;
}

std::string unknown_option_message(const po::unknown_option& e, const po::options_description& options) {
  std::vector<std::string> names;
  for (const auto& option : options.options()) names.push_back("--" + option->long_name());
  std::string message = "unknown option '" + e.get_option_name() + "'";
  std::optional<std::string> guess = closest_match(e.get_option_name(), names);
  for (const auto& name : names) {
    if (!guess && e.get_option_name().size() > 3 && name.rfind(e.get_option_name(), 0) == 0) guess = name;
  }
  message += did_you_mean(guess);
  return message;
}

}  // namespace

std::string ca_bundle_option(const po::variables_map& vm) {
  const std::optional<std::string> given = string_option(vm, "ca-bundle");
  if (!given) return "";
  const std::string& path = *given;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_config(path, std::string("--ca-bundle: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), R_OK) != 0) throw_config(path, "--ca-bundle: not a readable file");
  return path;
}

void declare_endpoint_url_option(po::options_description& options) {
  options.add_options()("endpoint-url", po::value<std::string>()->value_name("URL"),
                        "S3-compatible endpoint: MinIO, R2, Ceph (default: $AWS_ENDPOINT_URL)");
}

void declare_region_option(po::options_description& options) {
  options.add_options()("region", po::value<std::string>()->value_name("REGION"), "S3 region (default: $AWS_REGION)");
}

void declare_s3_options(po::options_description& options, bool ca_bundle) {
  declare_endpoint_url_option(options);
  declare_region_option(options);
  if (ca_bundle) {
    options.add_options()("ca-bundle", po::value<std::string>()->value_name("FILE"),
                          "PEM file of the CAs to trust for https (s3:// inputs); certificates are always verified");
  }
}

void configure_s3_inputs(const po::variables_map& vm) {
  S3Options options;
  options.endpoint_url = string_option_or(vm, "endpoint-url");
  options.region = string_option_or(vm, "region");
  options.http.ca_bundle = ca_bundle_option(vm);
  input::set_s3_options(options);
}

RegistryOptions registry_read_options(const po::variables_map& vm) {
  RegistryOptions options;
  options.endpoint_url = string_option_or(vm, "endpoint-url");
  options.region = string_option_or(vm, "region");
  options.ca_bundle = ca_bundle_option(vm);
  options.progress = false;
  return options;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    if (!item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

namespace {

// Every option that names a file the run writes.
constexpr const char* kOutputOptions[] = {"report",        "markdown", "junit",       "dotenv",
                                          "write-metrics", "html",     "openmetrics", "output"};

// An absolute path with every symbolic link of its existing part resolved, for telling
// whether an output lands inside a folder however it is spelt.
std::filesystem::path resolved_path(const std::string& path) {
  std::error_code ec;
  std::filesystem::path out =
      std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec).lexically_normal();
  if (out.has_relative_path() && out.filename().empty()) out = out.parent_path();
  return out;
}

// Two paths that name one file: the same inode when both exist, else the same absolute path.
bool same_file(const std::string& a, const std::string& b) {
  struct stat a_st {
  }, b_st{};
  if (::stat(a.c_str(), &a_st) == 0 && ::stat(b.c_str(), &b_st) == 0) {
    return a_st.st_dev == b_st.st_dev && a_st.st_ino == b_st.st_ino;
  }
  return resolved_path(a) == resolved_path(b);  // "r.json", "./r.json" and "$PWD/r.json" too
}

bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

// /proc and /sys take writes as kernel commands, not as files: a report there is refused
// (root may open them, so access() does not tell).
bool on_kernel_file_system(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return false;
  return fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC;
}

// Write ends of FIFOs opened by the check and held until the process ends, so a reader
// that is there now does not see an end of file before the real write.
std::vector<int>& held_fifos() {
  static std::vector<int> fds;
  return fds;
}

// What writing `output` would fail with (empty: nothing), found before the run does any
// work: a publish would upload, then not report it. `append` is for GitHub's files, which
// are appended to rather than replaced.
std::string output_problem(const std::string& output, bool append) {
  constexpr const char* kKernel =
      "cannot write there: /proc and /sys are the kernel's interface, not a place for files";
  const std::string cannot = append ? "cannot open for appending: " : "cannot create: ";
  if (standard_stream(output)) return "";  // written to the stream itself (core/files.hpp)
  if (names_a_descriptor(output)) {        // written through: it must be open, and writable
    struct stat st {};
    if (::stat(output.c_str(), &st) != 0) return kClosedDescriptor;
    if (S_ISREG(st.st_mode)) {
      const int fd = ::open(output.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return std::string("cannot open: ") + std::strerror(errno);
      ::close(fd);
      return "";
    }
  }
  if (std::filesystem::path(output).filename().string().size() > NAME_MAX) return cannot + std::strerror(ENAMETOOLONG);
  struct stat st {};
  if (::stat(output.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return cannot + std::strerror(EISDIR);
    if (S_ISSOCK(st.st_mode)) return "cannot open: it is a socket, not a file";
    if (!S_ISREG(st.st_mode)) {
      // A stream or device is written through (core/files.hpp): it must open for writing
      // now, and a FIFO must have a reader, or the write would block for good.
      const int fd = ::open(output.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0 && errno == ENXIO && S_ISFIFO(st.st_mode)) return "cannot open: it is a FIFO that no process reads";
      if (fd < 0) return std::string("cannot open: ") + std::strerror(errno);
      if (S_ISFIFO(st.st_mode)) {
        held_fifos().push_back(fd);
      } else {
        ::close(fd);
      }
      return "";
    }
    if (on_kernel_file_system(output)) return kKernel;
    if (append) {
      // Opening without O_CREAT or O_TRUNC changes nothing.
      const int fd = ::open(output.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd < 0) return std::string("cannot open for appending: ") + std::strerror(errno);
      ::close(fd);
      return "";
    }
  }
  std::string folder = std::filesystem::path(output).parent_path().string();
  if (folder.empty()) folder = ".";
  int err = 0;
  if (::stat(folder.c_str(), &st) != 0) {
    err = errno;
  } else if (!S_ISDIR(st.st_mode)) {
    err = ENOTDIR;
  } else if (on_kernel_file_system(folder)) {
    return kKernel;
  } else if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    err = errno;
  }
  if (err == 0) return "";
  return cannot + std::strerror(err);
}

// GitHub's step summary and output file, when the run will append to them.
std::vector<std::pair<std::string, std::string>> github_files(const po::variables_map& vm) {
  std::vector<std::pair<std::string, std::string>> files;  // variable, path
  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (vm.count("no-ci") || !actions || std::string(actions) != "true") return files;
  for (const char* variable : {"GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"}) {
    if (const char* path = std::getenv(variable); path && *path) files.emplace_back(variable, path);
  }
  return files;
}

// Every output file (option, path) the run may write, the options' first.
std::vector<std::pair<std::string, std::string>> output_files(const po::variables_map& vm) {
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const char* option : kOutputOptions) {
    if (!vm.count(option) || vm[option].value().type() != typeid(std::string)) continue;
    const std::string output = vm[option].as<std::string>();
    if (output.empty() || output == "-" || output.find("://") != std::string::npos) continue;
    outputs.emplace_back(std::string("--") + option, output);
  }
  for (const auto& [variable, path] : github_files(vm)) outputs.emplace_back("$" + variable, path);
  return outputs;
}

// An output that resolves inside a folder the run must not write into (a local registry)
// would overwrite what is stored there (a manifest, a channel): exit 2.
void refuse_outputs_inside(const po::variables_map& vm, const std::vector<std::string>& folders) {
  for (const auto& folder : folders) {
    const std::filesystem::path root = resolved_path(folder);
    for (const auto& [option, output] : output_files(vm)) {
      if (is_within(resolved_path(output), root)) {
        throw Error(ExitStatus::usage, output,
                    option + " is inside the registry " + folder + "; write it outside the registry");
      }
    }
  }
}

// Whether GitHub's files can be appended to, and lie outside `folders`.
bool github_files_usable(const po::variables_map& vm, const std::vector<std::string>& folders) {
  for (const auto& [variable, path] : github_files(vm)) {
    if (!output_problem(path, true).empty()) return false;
    for (const auto& folder : folders) {
      if (is_within(resolved_path(path), resolved_path(folder))) return false;
    }
  }
  return true;
}

// An output file that cannot be written fails before the run does any work, with the error
// and exit code (3, a local file) its write would end in.
void refuse_unwritable_outputs(const po::variables_map& vm) {
  for (const auto& [option, output] : output_files(vm)) {
    const std::string problem = output_problem(output, option.front() == '$');
    if (!problem.empty()) throw_input(output, problem);
  }
}

}  // namespace

void refuse_overwriting_inputs(const po::variables_map& vm, const std::vector<std::string>& inputs) {
  std::vector<std::pair<std::string, std::string>> outputs;  // option, path
  for (const char* option : kOutputOptions) {
    if (!vm.count(option) || vm[option].value().type() != typeid(std::string)) continue;
    const std::string output = vm[option].as<std::string>();
    if (output.empty()) continue;
    for (const auto& [other, path] : outputs) {
      if (same_file(output, path)) {
        throw Error(ExitStatus::usage, output, "--" + other + " and --" + option + " name the same file");
      }
    }
    outputs.emplace_back(option, output);
    struct stat out_st {};
    if (::stat(output.c_str(), &out_st) != 0) continue;  // a new file overwrites nothing
    for (const auto& input : inputs) {
      if (input != "-" && same_file(input, output)) {
        throw Error(ExitStatus::usage, output, std::string("--") + option + " would overwrite an input file");
      }
    }
  }
}

std::function<std::vector<std::string>(const po::variables_map&)> input_options(std::vector<std::string> names) {
  return [names](const po::variables_map& vm) {
    std::vector<std::string> inputs;
    for (const auto& name : names) {
      if (!vm.count(name)) continue;
      const auto& value = vm[name].value();
      if (value.type() == typeid(std::string)) {
        inputs.push_back(vm[name].as<std::string>());
      } else if (value.type() == typeid(std::vector<std::string>)) {
        const auto& many = vm[name].as<std::vector<std::string>>();
        inputs.insert(inputs.end(), many.begin(), many.end());
      }
    }
    return inputs;
  };
}

void declare_common_options(po::options_description& options) {
  options.add_options()("report", po::value<std::string>()->value_name("FILE"), "write the JSON report to FILE")(
      "markdown", po::value<std::string>()->value_name("FILE"), "write a markdown summary to FILE")(
      "junit", po::value<std::string>()->value_name("FILE"), "write JUnit XML to FILE")(
      "dotenv", po::value<std::string>()->value_name("FILE"), "write KEY=value lines (GitLab dotenv) to FILE")(
      "no-ci", "do not write GitHub Actions outputs, summary or annotations")("quiet,q", "print nothing on stdout")(
      "help,h", "show this help");
  // ml-release's commands take --version VER (a model version): there the tool's own
  // version is shown by the command-less `ml-release --version`.
  if (!options.find_nothrow("version", false)) options.add_options()("version", "show the version");
}

void store_command_line(const po::options_description& options, const po::positional_options_description& positional,
                        int argc, const char* const* argv, po::variables_map& vm) {
  po::store(po::command_line_parser(argc, argv)
                .options(options)
                .positional(positional)
                // No abbreviations: "--requir" must be an error, not a silent guess.
                .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                .run(),
            vm);
}

int run_tool(const ToolSpec& spec, int argc, const char* const* argv) {
  const std::string& tool = spec.name;
  install_signal_handlers(tool);
  OutputOptions outputs;
  try {
    po::options_description options("Options");
    po::positional_options_description positional;
    spec.declare_options(options, positional);
    const bool version_is_data = options.find_nothrow("version", false) != nullptr;
    declare_common_options(options);

    po::variables_map vm;
    try {
      store_command_line(options, positional, argc, argv, vm);
      // --help and --version answer even when required options are missing.
      if (vm.count("help")) {
        std::cout << "usage: " << spec.synopsis << "\n\n" << options << "\n";
        if (!spec.exit_codes.empty()) {
          std::cout << spec.exit_codes << "\n";
        } else {
          std::cout << "Exit codes: 0 pass, 1 gate failed, 2 usage, 3 input data, 4 remote, 5 integrity. See docs/"
                    << tool << ".md\n";
        }
        return 0;
      }
      if (!version_is_data && vm.count("version")) {
        std::cout << tool << " " << kVersion << "\n";
        return 0;
      }
      po::notify(vm);
    } catch (const po::unknown_option& e) {
      throw_usage(unknown_option_message(e, options));
    } catch (const po::multiple_occurrences& e) {
      throw_usage("option '" + e.get_option_name() + "' is given more than once; give it once");
    } catch (const po::too_many_positional_options_error&) {
      throw_usage("too many arguments: an argument that is not an option's value is not taken here (see --help)");
    } catch (const po::error_with_option_name& e) {
      // Boost fills its message's placeholders with the user's text and loops forever when
      // that text holds a placeholder itself ("--min-count %value%"; found by fuzzing).
      for (int i = 1; i < argc; ++i) {
        for (const char* token : {"%value%", "%option%", "%canonical_option%", "%prefix%", "%original_token%"}) {
          if (std::strstr(argv[i], token)) throw_usage("invalid value for option '" + e.get_option_name() + "'");
        }
      }
      throw_usage(e.what());
    } catch (const po::error& e) {
      throw_usage(e.what());
    }
    // Before the output options are taken: a refused run writes no file at all.
    refuse_overwriting_inputs(vm, spec.inputs ? spec.inputs(vm) : std::vector<std::string>{});
    const std::vector<std::string> protected_folders =
        spec.protected_folders ? spec.protected_folders(vm) : std::vector<std::string>{};
    try {
      refuse_outputs_inside(vm, protected_folders);
      refuse_unwritable_outputs(vm);
    } catch (const Error&) {
      // GitHub's files get the error too, unless one of them is what cannot be written.
      if (!github_files_usable(vm, protected_folders)) outputs.no_ci = true;
      throw;
    }
    outputs = output_options(vm);
    configure_s3_inputs(vm);

    // A report on standard output (`--report /dev/stdout | jq`) keeps it to itself: the
    // console's lines go to standard error then.
    const auto outputs_given = output_files(vm);
    const bool report_on_stdout = std::any_of(outputs_given.begin(), outputs_given.end(), [](const auto& output) {
      return standard_stream(output.second) == STDOUT_FILENO;
    });
    Outcome outcome = spec.run(vm);
    write_output_files(tool, outcome, outputs);  // first: a report that cannot be written is no "pass"
    if (!outputs.quiet)
      (report_on_stdout ? std::cerr : std::cout) << printable_lines(redact(outcome.console)) << std::flush;
    emit_ci_outputs(tool, outcome, outputs);
    // A run that listed what it could and still failed (ml-release list) says why last.
    if (!outcome.error.empty()) std::cerr << tool << ": error: " << safe_line(outcome.error) << std::endl;
    return to_int(outcome.status);
  } catch (const Error& e) {
    // The message may hold a server's answer or registry content: redacted and escaped.
    std::cerr << tool << ": error: " << safe_line(e.describe()) << std::endl;
    Outcome failed;
    failed.status = e.status();
    failed.error = redact(e.describe());
    // The outputs are best effort here: the error itself is already on stderr.
    try {
      emit_outputs(tool, failed, outputs);
    } catch (const std::exception&) {
    }
    return to_int(e.status());
  } catch (const Interrupted& e) {
    // No output file: an interrupted run has no result to report (docs/hardening.md).
    std::cerr << tool << ": error: " << safe_line(e.what()) << std::endl;
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << tool << ": error: out of memory" << std::endl;
    return to_int(ExitStatus::input_data);
  } catch (const std::exception&) {
    // A failure no check of the tool's foresaw: a bug. Its text ("unordered_map::at", a
    // library's words) means nothing to a user and is never shown; the outputs say the same.
    std::cerr << tool << ": error: " << kInternalError << std::endl;
    Outcome failed;
    failed.status = ExitStatus::input_data;
    failed.error = kInternalError;
    try {
      emit_outputs(tool, failed, outputs);
    } catch (const std::exception&) {
    }
    return to_int(ExitStatus::input_data);
  }
}

}  // namespace lean
