#include "profile/profile_tool.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/files.hpp"
#include "profile/profile.hpp"

namespace lean {
namespace {

std::string get(const po::variables_map& vm, const char* key) {
  return vm.count(key) ? vm[key].as<std::string>() : std::string();
}

std::vector<std::string> many(const po::variables_map& vm, const char* key) {
  return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>();
}

std::string output_option(const po::variables_map& vm) {
  const std::string output = get(vm, "output");
  if (output.empty()) throw_usage("give --output FILE.profile");
  return output;
}

std::uint64_t whole_number(const po::variables_map& vm, const char* option, std::uint64_t low, std::uint64_t high,
                           std::uint64_t fallback) {
  if (!vm.count(option)) return fallback;
  const std::string text = get(vm, option);
  const bool digits = !text.empty() && text.size() <= 12 && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoull(text) < low || std::stoull(text) > high) {
    throw_usage("--" + std::string(option) + " must be a whole number from " + std::to_string(low) + " to " +
                std::to_string(high) + ", not \"" + text + "\"");
  }
  return std::stoull(text);
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

Outcome run_profile(const po::variables_map& vm) {
  const std::string output = output_option(vm);
  std::vector<std::string> paths = many(vm, "data");
  if (paths.empty()) throw_usage("give the data files to profile: ml-drift profile DATA... --output FILE.profile");
  ProfileOptions options;
  options.columns = split_list(get(vm, "columns"));
  options.exclude = split_list(get(vm, "exclude"));
  options.numeric = split_list(get(vm, "numeric"));
  options.categorical = split_list(get(vm, "categorical"));
  options.delimiter = get(vm, "delimiter");
  options.sketch_k = static_cast<std::uint16_t>(whole_number(vm, "sketch-k", KllSketch::kMinK, KllSketch::kMaxK, KllSketch::kDefaultK));
  options.max_exact = whole_number(vm, "max-exact", 1, 100000000, Profile::kDefaultMaxExact);
  if (vm.count("shard")) {
    const auto shard = parse_shard(get(vm, "shard"));  // clang 14 cannot capture structured bindings
    std::erase_if(paths, [&](const std::string& path) { return !in_shard(path, shard.first, shard.second); });
  }
  Profile profile = paths.empty() ? Profile{} : build_profile(paths, options);
  if (paths.empty()) {
    profile.sketch_k = options.sketch_k;
    profile.max_exact = options.max_exact;
  }
  const std::string bytes = write_profile(profile);
  write_file_atomically(output, bytes);
  return wrote(output, profile, bytes);
}

Outcome run_merge(const po::variables_map& vm) {
  const std::string output = output_option(vm);
  const auto paths = many(vm, "profiles");
  if (paths.empty()) throw_usage("give the profiles to merge: ml-drift profile merge A.profile B.profile... --output FILE");
  const bool allow_new_columns = vm.count("allow-new-columns") > 0;
  struct Input {
    std::string path, canonical;  // canonical: the profile's own serialisation
    Profile profile;
  };
  std::vector<Input> inputs;
  for (const auto& path : paths) {
    Input input{path, "", read_profile(path)};
    input.canonical = write_profile(input.profile);
    inputs.push_back(std::move(input));
  }
  std::vector<std::pair<std::string, const Profile*>> given;
  for (const auto& input : inputs) given.emplace_back(input.path, &input.profile);
  const std::vector<std::string> column_order = check_mergeable(given, allow_new_columns);
  // Floating-point merges (the means, the sketches' compactions) depend on the order: merged
  // in the order of their content, the same profiles give the same bytes however they are
  // listed (a CI matrix hands its shards over in any order).
  std::stable_sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.canonical < b.canonical; });
  Profile merged = std::move(inputs.front().profile);
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    merge_profile(merged, inputs.front().path, inputs[i].profile, inputs[i].path, allow_new_columns);
  }
  // The columns in the order the profiles were given, as a merge in that order lists them.
  auto position = [&](const ColumnProfile& column) {
    return std::find(column_order.begin(), column_order.end(), column.name) - column_order.begin();
  };
  std::stable_sort(merged.columns.begin(), merged.columns.end(),
                   [&](const ColumnProfile& a, const ColumnProfile& b) { return position(a) < position(b); });
  const std::string bytes = write_profile(merged);
  write_file_atomically(output, bytes);
  return wrote(output, merged, bytes);
}

Outcome run_import(const po::variables_map& vm) {
  const std::string output = output_option(vm);
  const auto specs = many(vm, "column");
  if (specs.empty()) throw_usage("give --column NAME=FILE.bin for each sketch to import");
  Profile profile = vm.count("add-to") ? read_profile(get(vm, "add-to")) : Profile{};
  std::vector<std::pair<std::string, KllSketch>> sketches;
  for (const auto& spec : specs) {
    const auto equals = spec.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
      throw_usage("--column must be NAME=FILE.bin, not \"" + spec + "\"");
    }
    const std::string name = spec.substr(0, equals), file = spec.substr(equals + 1);
    for (const auto& [seen, sketch] : sketches) {
      if (seen == name) throw_usage("--column " + name + " is given twice (one sketch per column and import)");
    }
    const std::string bytes = read_text_file(file, std::uint64_t{1} << 30);
    try {
      sketches.emplace_back(name, KllSketch::deserialize(bytes));
    } catch (const KllFormatError& e) {
      throw_input(file, std::string("not a DataSketches KLL doubles sketch: ") + e.what());
    }
  }
  import_sketches(profile, sketches);
  if (!vm.count("add-to")) profile.files = 0;
  const std::string text = write_profile(profile);
  write_file_atomically(output, text);
  return wrote(output, profile, text);
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
    options.add_options()
        ("data", po::value<std::vector<std::string>>()->multitoken()->value_name("FILE..."), "data files to profile (CSV, TSV, optionally gzipped)")
        ("output", po::value<std::string>()->value_name("FILE"), "write the profile to FILE")
        ("columns", po::value<std::string>()->value_name("a,b"), "profile only these columns")
        ("exclude", po::value<std::string>()->value_name("a,b"), "profile every column but these")
        ("categorical", po::value<std::string>()->value_name("a,b"), "treat these columns as categories")
        ("numeric", po::value<std::string>()->value_name("a,b"), "treat these columns as numbers")
        ("sketch-k", po::value<std::string>()->value_name("K"), "KLL sketch size (default 710: rank error <= 0.5% at 99% confidence)")
        ("max-exact", po::value<std::string>()->value_name("N"), "exact value counts up to N distinct values per column (default 100000)")
        ("shard", po::value<std::string>()->value_name("I/N"), "profile only the I-th of N shares of the files (by file name)")
        ("delimiter", po::value<std::string>()->value_name("C"), "field delimiter (default: tab for .tsv, else comma)");
    declare_s3_options(options, true);
    positional.add("data", -1);
  };
  spec.run = run_profile;
  spec.inputs = input_options({"data", "profiles", "add-to"});
  return spec;
}

ToolSpec merge_tool() {
  ToolSpec spec = profile_tool();
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()
        ("profiles", po::value<std::vector<std::string>>()->multitoken()->value_name("FILE..."), "profiles to merge")
        ("output", po::value<std::string>()->value_name("FILE"), "write the merged profile to FILE")
        ("allow-new-columns", "merge profiles of different column sets (a column one lacks counts its rows as missing)");
    positional.add("profiles", -1);
  };
  spec.run = run_merge;
  return spec;
}

ToolSpec import_tool() {
  ToolSpec spec = profile_tool();
  spec.declare_options = [](po::options_description& options, po::positional_options_description&) {
    options.add_options()
        ("column", po::value<std::vector<std::string>>()->value_name("NAME=FILE"), "a DataSketches KLL doubles sketch for column NAME (repeatable)")
        ("add-to", po::value<std::string>()->value_name("FILE"), "add the sketches to this profile (default: a new one)")
        ("output", po::value<std::string>()->value_name("FILE"), "write the profile to FILE");
  };
  spec.run = run_import;
  return spec;
}

}  // namespace

int profile_main(int argc, const char* const* argv) {
  if (argc > 1 && std::strcmp(argv[1], "merge") == 0) return run_tool(merge_tool(), argc - 1, argv + 1);
  if (argc > 1 && std::strcmp(argv[1], "import-kll") == 0) return run_tool(import_tool(), argc - 1, argv + 1);
  return run_tool(profile_tool(), argc, argv);
}

}  // namespace lean
