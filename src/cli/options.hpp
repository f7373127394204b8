#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lean {

namespace po = boost::program_options;

// The only ways a tool reads its parsed command line: each tool turns its variables_map into
// its typed options struct once, through these, so every option is read, converted and
// checked with one wording. Option names are given without "--".

// The value of a string option; nullopt when it was not given.
std::optional<std::string> string_option(const po::variables_map& vm, const char* name);
// The value, or `fallback` when it was not given.
std::string string_option_or(const po::variables_map& vm, const char* name, std::string fallback = "");
// Every value of a repeatable option, in the order given (empty when not given).
std::vector<std::string> strings_option(const po::variables_map& vm, const char* name);
// Whether a switch (an option with no value) was given.
bool flag_option(const po::variables_map& vm, const char* name);

// A finite number: "--NAME: "TEXT" is not a finite number" (exit 2) otherwise. Every number a
// user types goes through parse_number, so "1e-3" and " 1" are read the same everywhere.
double parse_number(const std::string& text, const std::string& what);
std::optional<double> number_option(const po::variables_map& vm, const char* name);
// A whole number from `low` to `high`: "--NAME must be a whole number from L to H, not "TEXT""
// ("of at least L" when `high` is the largest uint64).
std::uint64_t parse_whole_number(const std::string& text, const char* name, std::uint64_t low, std::uint64_t high);
std::optional<std::uint64_t> whole_number_option(const po::variables_map& vm, const char* name, std::uint64_t low,
                                                 std::uint64_t high);
// One of `choices`: "--NAME must be a, b or c, not "TEXT"" (with a did-you-mean) otherwise.
std::optional<std::string> choice_option(const po::variables_map& vm, const char* name,
                                         const std::vector<std::string>& choices);

}  // namespace lean
