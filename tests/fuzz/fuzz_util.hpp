#pragma once

// Helpers shared by the fuzz targets (tests/fuzz/*.cpp, docs/hardening.md).
//
// A target catches lean::Error, the one exception a user's bad input may cause (it becomes
// an error line and an exit code). Anything else escaping a target is a finding: libFuzzer
// reports the uncaught exception (abort) with the input that caused it, and so does the
// replay of the regression inputs in the ordinary test suite.

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace lean::fuzz {

inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A finding that is not a crash by itself (a broken round trip, a wrong exception type).
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::abort();
}

// The tool-level targets run a whole tool in-process: its files live in a scratch
// directory (in memory where /dev/shm exists), and std::cout/std::cerr go nowhere.
class ToolRun {
 public:
  ToolRun() {
    std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "lean-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir_ = tmpl;
    cout_ = std::cout.rdbuf(sink_.rdbuf());
    cerr_ = std::cerr.rdbuf(sink_.rdbuf());
  }
  ~ToolRun() {
    std::cout.rdbuf(cout_);
    std::cerr.rdbuf(cerr_);
    std::filesystem::remove_all(dir_);
  }
  std::string write(const std::string& name, std::string_view content) const {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(content.data(), static_cast<std::streamsize>(content.size()));
    return path;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Runs `main` over the arguments; the exit code must be one the conventions define.
  template <typename Main>
  int run(Main&& main, const std::vector<std::string>& args) {
    sink_.str("");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    int code = main(static_cast<int>(args.size()), argv.data());
    if (code < 0 || code > 5) finding("exit code " + std::to_string(code) + " is not one of 0..5");
    return code;
  }

 private:
  std::filesystem::path dir_;
  std::ostringstream sink_;
  std::streambuf* cout_ = nullptr;
  std::streambuf* cerr_ = nullptr;
};

}  // namespace lean::fuzz
