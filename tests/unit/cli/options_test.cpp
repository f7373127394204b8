#include "cli/options.hpp"

#include <doctest/doctest.h>
#include <functional>
#include <limits>

#include "core/error.hpp"
#include "core/suggest.hpp"

namespace lean {
namespace {

po::variables_map parse(std::vector<const char*> argv) {
  po::options_description options;
  options.add_options()("name", po::value<std::string>())("many", po::value<std::vector<std::string>>())("flag", "")(
      "count", po::value<std::string>())("x", po::value<std::string>())("mode", po::value<std::string>());
  argv.insert(argv.begin(), "tool");
  po::variables_map vm;
  po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), options), vm);
  return vm;
}

std::string usage_message(const std::function<void()>& run) {
  try {
    run();
  } catch (const Error& e) {
    CHECK(e.status() == ExitStatus::usage);
    return e.describe();
  }
  FAIL("no error");
  return "";
}

TEST_CASE("string options: given, missing, repeated") {
  const auto vm = parse({"--name", "a", "--many", "x", "--many", "y", "--flag"});
  CHECK(string_option(vm, "name") == "a");
  CHECK_FALSE(string_option(vm, "x"));
  CHECK(string_option_or(vm, "x", "fallback") == "fallback");
  CHECK(strings_option(vm, "many") == std::vector<std::string>{"x", "y"});
  CHECK(flag_option(vm, "flag"));
  CHECK_FALSE(flag_option(vm, "count"));
}

TEST_CASE("numbers: one parser, one wording") {
  CHECK(*number_option(parse({"--x", "1e-3"}), "x") == doctest::Approx(0.001));
  CHECK(*number_option(parse({"--x", "-2.5"}), "x") == -2.5);
  CHECK(*number_option(parse({"--x", "+0.01"}), "x") == 0.01);  // as Boost read them
  CHECK(*number_option(parse({"--x", "1e-400"}), "x") == 0.0);
  CHECK(*number_option(parse({"--x", "5e-324"}), "x") > 0.0);
  CHECK_FALSE(number_option(parse({}), "x"));
  for (const char* bad : {"abc", "1x", " 1", "", "nan", "inf", "1e999", "-1e999", "+", "++1", "+-1", "+nan", "0x10"}) {
    CAPTURE(bad);
    const auto vm = parse({"--x", bad});
    CHECK(usage_message([&] { number_option(vm, "x"); }) == std::string("--x: \"") + bad + "\" is not a finite number");
  }
}

TEST_CASE("whole numbers are checked against their range") {
  CHECK(*whole_number_option(parse({"--count", "7"}), "count", 1, 10) == 7);
  CHECK(*whole_number_option(parse({"--count", "+7"}), "count", 1, 10) == 7);
  CHECK(*whole_number_option(parse({"--count", "-0"}), "count", 0, 10) == 0);
  for (const char* bad :
       {"0", "11", "-1", "2.5", "x", "99999999999999999999999", "+", "+-1", "-", " 7", "2.0", "1e1"}) {
    CAPTURE(bad);
    const auto vm = parse({"--count", bad});
    CHECK(usage_message([&] { whole_number_option(vm, "count", 1, 10); }) ==
          std::string("--count must be a whole number from 1 to 10, not \"") + bad + "\"");
  }
}

TEST_CASE("a whole number beyond 64 bits is too large for an option without an upper bound") {
  const auto vm = parse({"--count", "18446744073709551616"});
  CHECK(usage_message([&] { whole_number_option(vm, "count", 0, std::numeric_limits<std::uint64_t>::max()); }) ==
        "--count is too large: \"18446744073709551616\" is above 18446744073709551615");
  CHECK(*whole_number_option(parse({"--count", "18446744073709551615"}), "count", 0,
                             std::numeric_limits<std::uint64_t>::max()) == std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("a choice names the choices and the closest one") {
  CHECK(*choice_option(parse({"--mode", "fast"}), "mode", {"fast", "slow"}) == "fast");
  const auto vm = parse({"--mode", "slwo"});
  CHECK(usage_message([&] {
          choice_option(vm, "mode", {"fast", "slow", "off"});
        }) == "--mode must be fast, slow or off, not \"slwo\"; did you mean \"slow\"?");
}

TEST_CASE("did you mean: one wording, outside text escaped") {
  CHECK(did_you_mean("acuracy", {"accuracy", "loss"}) == "; did you mean \"accuracy\"?");
  CHECK(did_you_mean("zzz", {"accuracy"}).empty());
  CHECK(did_you_mean(std::optional<std::string>("a\x1b"
                                                "b")) == "; did you mean \"a\\eb\"?");
}

}  // namespace
}  // namespace lean
