// The command lines of ml-validate and ml-compare: arguments separated by NUL bytes (the
// first byte picks the tool), over fixed metrics files. Output-file flags are dropped so
// the fuzzer writes nothing outside its scratch directory.
#include "fuzz_util.hpp"
#include "cli/compare.hpp"
#include "cli/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  static const std::string a = run.write("a.json", R"({"accuracy": 0.91, "loss": 0.2, "eval": {"f1": 0.8}})");
  static const std::string b = run.write("b.json", R"({"accuracy": 0.9, "loss": 0.3, "eval": {"f1": 0.7}})");
  if (size == 0) return 0;
  const bool compare = data[0] & 1;
  std::vector<std::string> args = {compare ? "ml-compare" : "ml-validate"};
  std::string current;
  auto flush = [&] {
    for (const char* writer : {"--rep", "--mar", "--jun", "--dot"}) {
      if (current.rfind(writer, 0) == 0) current.clear();
    }
    if (current.find('/') != std::string::npos) current.clear();
    if (current == "@a") current = a;
    if (current == "@b") current = b;
    if (!current.empty()) args.push_back(current);
    current.clear();
  };
  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] == 0) flush();
    else current += static_cast<char>(data[i]);
  }
  flush();
  args.push_back("--no-ci");
  run.run(compare ? lean::compare_main : lean::validate_main, args);
  return 0;
}
