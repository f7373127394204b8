#include "core/printable.hpp"
#include "cli/drift_profile.hpp"

#include <algorithm>
#include <cstring>

#include "cli/options.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "profile/profile.hpp"

namespace lean {
namespace {

std::string output_option(const po::variables_map& vm) {
  const std::string output = string_option_or(vm, "output");
  if (output.empty()) throw_usage("give --output FILE.profile");
  return output;
}

// What every profile command reports: the file written and what it holds.
Outcome wrote(const std::string& output, const Profile& profile, const std::string& bytes) {
  Outcome outcome;
  std::size_t sketched = 0;
  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
  for (const auto& column : profile.columns) {
    if (column.sketch) ++sketched;
    columns.push_back({{"name", column.name},
                       {"type", column.numeric ? "numeric" : "categorical"},
                       {"distribution", column.sketch ? "kll" : "exact"},
                       {"count", column.count},
                       {"missing", column.missing}});
  }
  outcome.fields["profile"] = output;
  outcome.fields["rows"] = profile.rows;
  outcome.fields["files"] = profile.files;
  outcome.fields["bytes"] = bytes.size();
  outcome.fields["columns"] = std::move(columns);
  outcome.headline = "profile of " + std::to_string(profile.rows) + " rows, " + std::to_string(profile.columns.size()) +
                     " columns (" + std::to_string(sketched) + " sketched), " + std::to_string(bytes.size()) + " bytes";
  outcome.console = "ml-drift: wrote " + output + ": " + outcome.headline + "\n";
  return outcome;
}

Outcome run_profile(const ProfileCommandOptions& command) {
  std::vector<std::string> paths = command.paths;
  const ProfileOptions& options = command.profile;
  if (command.shard) {
    const auto shard = *command.shard;  // clang 14 cannot capture structured bindings
    std::erase_if(paths, [&](const std::string& path) { return !in_shard(path, shard.first, shard.second); });
  }
  Profile profile = paths.empty() ? Profile{} : build_profile(paths, options);
  if (paths.empty()) {
    profile.sketch_k = options.sketch_k;
    profile.max_exact = options.max_exact;
  }
  const std::string bytes = write_profile(profile);
  write_file_atomically(command.output, bytes);
  return wrote(command.output, profile, bytes);
}

Outcome run_merge(const MergeCommandOptions& command) {
  std::vector<std::pair<std::string, Profile>> inputs;
  for (const auto& path : command.paths) inputs.emplace_back(path, read_profile(path));
  const Profile merged = merge_profiles(std::move(inputs), command.allow_new_columns);
  const std::string bytes = write_profile(merged);
  write_file_atomically(command.output, bytes);
  return wrote(command.output, merged, bytes);
}

Outcome run_import(const ImportCommandOptions& command) {
  Profile profile = command.add_to.empty() ? Profile{} : read_profile(command.add_to);
  std::vector<std::pair<std::string, KllSketch>> sketches;
  for (const auto& [name, file] : command.sketches) {
    const std::string bytes = read_text_file(file, std::uint64_t{1} << 30);
    try {
      sketches.emplace_back(name, KllSketch::deserialize(bytes));
    } catch (const KllFormatError& e) {
      throw_input(file, std::string("not a DataSketches KLL doubles sketch: ") + e.what());
    }
  }
  import_sketches(profile, sketches);
  if (command.add_to.empty()) profile.files = 0;
  const std::string text = write_profile(profile);
  write_file_atomically(command.output, text);
  return wrote(command.output, profile, text);
}

}  // namespace

ProfileCommandOptions parse_profile_options(const po::variables_map& vm) {
  ProfileCommandOptions command;
  command.output = output_option(vm);
  command.paths = strings_option(vm, "data");
  if (command.paths.empty())
    throw_usage("give the data files to profile: ml-drift profile DATA... --output FILE.profile");
  ProfileOptions& options = command.profile;
  options.columns = split_list(string_option_or(vm, "columns"));
  options.exclude = split_list(string_option_or(vm, "exclude"));
  options.numeric = split_list(string_option_or(vm, "numeric"));
  options.categorical = split_list(string_option_or(vm, "categorical"));
  options.delimiter = string_option_or(vm, "delimiter");
  options.sketch_k = static_cast<std::uint16_t>(
      whole_number_option(vm, "sketch-k", KllSketch::kMinK, KllSketch::kMaxK).value_or(KllSketch::kDefaultK));
  options.max_exact = whole_number_option(vm, "max-exact", 1, 100000000).value_or(Profile::kDefaultMaxExact);
  if (const auto shard = string_option(vm, "shard")) command.shard = parse_shard(*shard);
  return command;
}

MergeCommandOptions parse_merge_options(const po::variables_map& vm) {
  MergeCommandOptions command;
  command.output = output_option(vm);
  command.paths = strings_option(vm, "profiles");
  if (command.paths.empty()) {
    throw_usage("give the profiles to merge: ml-drift profile merge A.profile B.profile... --output FILE");
  }
  command.allow_new_columns = flag_option(vm, "allow-new-columns");
  return command;
}

ImportCommandOptions parse_import_options(const po::variables_map& vm) {
  ImportCommandOptions command;
  command.output = output_option(vm);
  const auto specs = strings_option(vm, "column");
  if (specs.empty()) throw_usage("give --column NAME=FILE.bin for each sketch to import");
  command.add_to = string_option_or(vm, "add-to");
  for (const auto& spec : specs) {
    const auto equals = spec.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
      throw_usage("--column must be NAME=FILE.bin, not \"" + spec + "\"");
    }
    const std::string name = spec.substr(0, equals), file = spec.substr(equals + 1);
    if (!is_utf8(name)) throw_usage("--column " + quote_printable(name) + ": the name is not valid UTF-8");
    for (const auto& [seen, sketch_file] : command.sketches) {
      if (seen == name) throw_usage("--column " + name + " is given twice (one sketch per column and import)");
    }
    command.sketches.emplace_back(name, file);
  }
  return command;
}

ToolSpec profile_tool() {
  ToolSpec spec;
  spec.name = "ml-drift";
  spec.synopsis =
      "ml-drift profile DATA... --output FILE.profile [--columns a,b | --exclude id,ts] [--categorical c,...]\n"
      "                [--numeric c,...] [--sketch-k K] [--max-exact N] [--shard I/N] [--delimiter C]\n"
      "       ml-drift profile merge A.profile B.profile... --output FILE.profile [--allow-new-columns]\n"
      "       ml-drift profile import-kll --column NAME=FILE.bin... --output FILE.profile [--add-to P.profile]";
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()("data", po::value<std::vector<std::string>>()->multitoken()->value_name("FILE..."),
                          "data files to profile (CSV, TSV, optionally gzipped)")(
        "output", po::value<std::string>()->value_name("FILE"), "write the profile to FILE")(
        "columns", po::value<std::string>()->value_name("a,b"), "profile only these columns")(
        "exclude", po::value<std::string>()->value_name("a,b"), "profile every column but these")(
        "categorical", po::value<std::string>()->value_name("a,b"), "treat these columns as categories")(
        "numeric", po::value<std::string>()->value_name("a,b"), "treat these columns as numbers")(
        "sketch-k", po::value<std::string>()->value_name("K"),
        "KLL sketch size (default 710: rank error <= 0.5% at 99% confidence)")(
        "max-exact", po::value<std::string>()->value_name("N"),
        "exact value counts up to N distinct values per column (default 100000)")(
        "shard", po::value<std::string>()->value_name("I/N"),
        "profile only the I-th of N shares of the files (by file name)")(
        "delimiter", po::value<std::string>()->value_name("C"), "field delimiter (default: tab for .tsv, else comma)");
    declare_s3_options(options, true);
    positional.add("data", -1);
  };
  spec.run = [](const po::variables_map& vm) { return run_profile(parse_profile_options(vm)); };
  spec.inputs = input_options({"data", "profiles", "add-to"});
  return spec;
}

ToolSpec profile_merge_tool() {
  ToolSpec spec = profile_tool();
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()("profiles", po::value<std::vector<std::string>>()->multitoken()->value_name("FILE..."),
                          "profiles to merge")("output", po::value<std::string>()->value_name("FILE"),
                                               "write the merged profile to FILE")(
        "allow-new-columns", "merge profiles of different column sets (a column one lacks counts its rows as missing)");
    positional.add("profiles", -1);
  };
  spec.run = [](const po::variables_map& vm) { return run_merge(parse_merge_options(vm)); };
  return spec;
}

ToolSpec profile_import_tool() {
  ToolSpec spec = profile_tool();
  spec.declare_options = [](po::options_description& options, po::positional_options_description&) {
    options.add_options()("column", po::value<std::vector<std::string>>()->value_name("NAME=FILE"),
                          "a DataSketches KLL doubles sketch for column NAME (repeatable)")(
        "add-to", po::value<std::string>()->value_name("FILE"),
        "add the sketches to this profile (default: a new one)")("output", po::value<std::string>()->value_name("FILE"),
                                                                 "write the profile to FILE");
  };
  spec.run = [](const po::variables_map& vm) { return run_import(parse_import_options(vm)); };
  return spec;
}

int profile_main(int argc, const char* const* argv) {
  if (argc > 1 && std::strcmp(argv[1], "merge") == 0) return run_tool(profile_merge_tool(), argc - 1, argv + 1);
  if (argc > 1 && std::strcmp(argv[1], "import-kll") == 0) return run_tool(profile_import_tool(), argc - 1, argv + 1);
  return run_tool(profile_tool(), argc, argv);
}

}  // namespace lean
