#include "drift/drift.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <exception>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/parallel.hpp"
#include "core/redact.hpp"
#include "core/suggest.hpp"
#include "csv/cells.hpp"
#include "drift/columns.hpp"
#include "drift/html.hpp"
#include "drift/openmetrics.hpp"
#include "drift/parquet_columns.hpp"
#include "profile/profile_schema.hpp"
#include "drift/pushgateway.hpp"
#include "drift/quality.hpp"
#include "drift/schema.hpp"
#include "drift/report.hpp"
#include "drift/trigger.hpp"
#include "profile/profile_drift.hpp"
#include "profile/profile_tool.hpp"

namespace lean {
namespace {

// Encoded numbers each input file keeps in memory before the rest go to a temporary file:
// some 25 million plain decimals at two to three bytes each, or 8 million doubles.
constexpr std::size_t kMemoryBudgetPerFile = std::size_t{64} << 20;
constexpr unsigned kMaxThreads = 256;

std::string get(const po::variables_map& vm, const char* key) {
  return vm.count(key) ? vm[key].as<std::string>() : std::string();
}


Method method_option(const po::variables_map& vm, const char* option, bool categorical) {
  const std::string text = get(vm, option);
  if (text.empty()) return Method::automatic;
  auto method = parse_method(text);
  if (!method) {
    throw_usage("unknown --" + std::string(option) + " \"" + text + "\"" + did_you_mean(text, method_names()) +
                " (one of " + join_limited(method_names(), 10) + ")");
  }
  if (categorical && (*method == Method::ks || *method == Method::wasserstein)) {
    throw_usage("--categorical-method " + text + " needs numbers; use auto, chi2, jensenshannon, psi or ztest");
  }
  return *method;
}

double positive_number(const std::string& text, const std::string& option) {
  const std::optional<double> value = parse_finite_number(text);
  if (!value || *value <= 0) throw_usage(option + " must be a positive number, not \"" + text + "\"");
  return *value;
}

// A p-value threshold is a probability: drift when p < t, so t >= 1 flags every column.
void require_p_value_threshold(double value, const std::string& spelled) {
  if (value >= 1) throw_usage("--threshold " + spelled + ": a p-value threshold must be between 0 and 1");
}

// --threshold 0.01 (every method), or per method and per column: ks=0.01,psi=0.25,age=0.001.
// A key that names a method is the method; any other key is a column of the reference
// (checked by require_threshold_columns once the header is known).
void threshold_option(const std::string& text, DriftSettings& settings) {
  if (text.empty()) return;
  if (text.find('=') == std::string::npos) {
    const double value = positive_number(text, "--threshold");
    require_p_value_threshold(value, text + " (it applies to ks, chi2 and ztest too; give METHOD=X for one method)");
    for (const auto& name : method_names()) {
      if (auto method = parse_method(name); method && *method != Method::automatic) settings.thresholds[*method] = value;
    }
    return;
  }
  std::set<std::string> seen;
  for (const auto& item : split_list(text)) {
    const auto equals = item.find('=');
    const std::string name = item.substr(0, equals);
    if (equals == std::string::npos || name.empty() || name == "auto") {
      throw_usage("--threshold \"" + item + "\" is not METHOD=NUMBER or COLUMN=NUMBER" + did_you_mean(name, method_names()));
    }
    if (!seen.insert(name).second) throw_usage("--threshold names \"" + name + "\" twice");
    const double value = positive_number(item.substr(equals + 1), "--threshold " + name);
    if (auto method = parse_method(name)) {
      if (gives_p_value(*method)) require_p_value_threshold(value, item);
      settings.thresholds[*method] = value;
    } else {
      settings.column_thresholds[name] = value;
    }
  }
}

// Each COLUMN=X key names a column of the reference (a misspelt method or column is an error).
void require_threshold_columns(const DriftSettings& settings, const std::vector<std::string>& header) {
  std::vector<std::string> candidates = method_names();
  candidates.insert(candidates.end(), header.begin(), header.end());
  for (const auto& [name, value] : settings.column_thresholds) {
    if (std::find(header.begin(), header.end(), name) == header.end()) {
      throw_usage("--threshold \"" + name + "=" + format_number(value) + "\" names no method and no column of the reference" +
                  did_you_mean(name, candidates));
    }
  }
}

// A COLUMN=X threshold of a column that a p-value test decided must be a probability too.
void require_column_p_value_thresholds(const DriftSettings& settings, const std::vector<ColumnResult>& columns) {
  for (const auto& column : columns) {
    auto found = settings.column_thresholds.find(column.name);
    if (found == settings.column_thresholds.end() || !column.method || !gives_p_value(*column.method)) continue;
    if (found->second >= 1) {
      throw_usage("--threshold " + column.name + "=" + format_number(found->second) + ": column \"" + column.name +
                  "\" is tested with " + method_name(*column.method) + ", whose p-value threshold must be between 0 and 1");
    }
  }
}

char delimiter_option(const std::string& text, const std::string& path) {
  if (text.empty()) return default_delimiter(path);
  if (text == "tab" || text == "\\t" || text == "\t") return '\t';
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r") {
    throw_usage("--delimiter must be one character (or \"tab\"), not \"" + text + "\"");
  }
  return text[0];
}

// A header of one field holding ';', a tab or '|' is a file with another delimiter (a
// semicolon CSV from a decimal-comma locale), not one column: it would pass as one.
void require_delimited_header(const LoadedFile& file) {
  if (file.header.size() != 1) return;
  for (const auto& [c, spelled] : {std::pair<char, const char*>{';', ";"}, {'\t', "tab"}, {'|', "|"}}) {
    if (c != file.delimiter && file.header[0].find(c) != std::string::npos) {
      throw_input(file.path, std::string("the header is one column but holds '") + (c == '\t' ? "\\t" : spelled) +
                                 "': give --delimiter '" + spelled + "'");
    }
  }
}

unsigned threads_option(const po::variables_map& vm) {
  if (!vm.count("threads")) return std::max(1u, std::thread::hardware_concurrency());
  const int threads = vm["threads"].as<int>();
  if (threads < 1 || threads > static_cast<int>(kMaxThreads)) {
    throw_usage("--threads must be between 1 and " + std::to_string(kMaxThreads));
  }
  return static_cast<unsigned>(threads);
}

std::vector<std::string> list_option(const po::variables_map& vm, const char* option) {
  return split_list(get(vm, option));
}

// A per-column option that may be given more than once (`--unique id --unique ts`), each value
// a comma list: all items, in order, so a column named twice is still caught.
std::vector<std::string> repeated_list_option(const po::variables_map& vm, const char* option) {
  std::vector<std::string> items;
  if (!vm.count(option)) return items;
  for (const auto& value : vm[option].as<std::vector<std::string>>()) {
    for (auto& item : split_list(value)) items.push_back(std::move(item));
  }
  return items;
}

void require_columns(const std::vector<std::string>& names, const std::vector<std::string>& header,
                     const std::string& path) {
  for (const auto& name : names) {
    if (std::find(header.begin(), header.end(), name) == header.end()) {
      throw_input(path, "no column \"" + name + "\"" + did_you_mean(name, header));
    }
  }
}

// Opens a data input: Parquet (by its magic bytes, or a folder of Parquet files; no reader
// returned) or CSV (its reader, past the header).
std::unique_ptr<CsvReader> open_input(LoadedFile& file) {
  if (is_parquet_input(file.path)) {
    open_parquet(file);
    return nullptr;
  }
  return open_csv(file.path, file.delimiter, file.header);
}

// Reads an input's rows; the two inputs are read at once, so a Parquet input decodes its
// columns on half the threads.
void read_input(CsvReader* csv, LoadedFile& file, unsigned threads) {
  if (csv) read_rows(*csv, file, kMemoryBudgetPerFile);
  else read_parquet_rows(file, kMemoryBudgetPerFile, std::max(1u, threads / 2));
}

struct Selection {
  std::vector<std::string> names;  // reference order
  std::set<std::string> numeric, categorical;
};

Selection select_columns(const po::variables_map& vm, const std::vector<std::string>& header, const std::string& path) {
  Selection selection;
  const auto only = list_option(vm, "columns"), excluded = list_option(vm, "exclude");
  if (!only.empty() && !excluded.empty()) throw_usage("give --columns or --exclude, not both");
  require_columns(only, header, path);
  require_columns(excluded, header, path);
  for (const auto& name : header) {
    const bool wanted = only.empty() ? std::find(excluded.begin(), excluded.end(), name) == excluded.end()
                                     : std::find(only.begin(), only.end(), name) != only.end();
    if (wanted) selection.names.push_back(name);
  }
  if (selection.names.empty()) throw_usage("no column left to compare after --exclude");
  const auto numeric = list_option(vm, "numeric"), categorical = list_option(vm, "categorical");
  require_columns(numeric, header, path);
  require_columns(categorical, header, path);
  selection.numeric.insert(numeric.begin(), numeric.end());
  selection.categorical.insert(categorical.begin(), categorical.end());
  for (const auto& name : numeric) {
    if (selection.categorical.count(name)) throw_usage("column \"" + name + "\" is in both --numeric and --categorical");
  }
  return selection;
}

void add_columns(LoadedFile& file, const Selection& selection) {
  for (const auto& name : selection.names) {
    auto column = std::make_unique<FileColumn>(file.arena.get());
    column->name = name;
    column->field = static_cast<std::size_t>(std::find(file.header.begin(), file.header.end(), name) - file.header.begin());
    if (selection.numeric.count(name)) column->requested = ColumnKind::numeric;
    if (selection.categorical.count(name)) {
      column->requested = ColumnKind::categorical;
      column->numeric = false;
    }
    file.columns.push_back(std::move(column));
  }
}

// A numeric reference column with a few cells that are not numbers: those cells are the
// likely mistake (an "#N/A" from a spreadsheet, a typo), not a reason to compare the column
// as categories.
std::string stray_cells_message(const FileColumn& column) {
  std::string lines;
  for (std::uint64_t line : column.stray_lines) lines += (lines.empty() ? "" : ", ") + std::to_string(line);
  if (column.stray_cells > column.stray_lines.size()) lines += ", ...";
  const std::string cells = column.stray_cells == 1 ? "1 cell" : std::to_string(column.stray_cells) + " cells";
  return "column \"" + column.name + "\" holds numbers but for " + cells + " (line" +
         (column.stray_cells == 1 ? " " : "s ") + lines + ", first \"" + column.first_text +
         "\"): fix or empty them, or give --categorical " + column.name;
}

// Settles each column's type by the reference and reads again, as text, the columns whose
// type changed after numbers had been kept.
// With the quality checks (`type_changed` given) a numeric column turned text is a finding,
// marked there, not an input error.
void reconcile_types(LoadedFile& ref, LoadedFile& cur, std::vector<bool>* type_changed = nullptr) {
  std::vector<std::size_t> ref_again, cur_again;
  for (std::size_t i = 0; i < ref.columns.size(); ++i) {
    FileColumn& r = *ref.columns[i];
    FileColumn& c = *cur.columns[i];
    if (r.numeric && r.stray_cells > 0) throw_input(ref.path + ":" + std::to_string(r.first_text_line), stray_cells_message(r));
    // No value in the reference: the column is skipped whatever the current data holds.
    if (r.numeric && r.numbers.size() == 0) continue;
    if (r.numeric && (!c.numeric || c.stray_cells > 0) && type_changed) {
      (*type_changed)[i] = true;
      continue;
    }
    if (r.numeric && (!c.numeric || c.stray_cells > 0)) {
      throw_input(c.first_text_line > 0 ? cur.path + ":" + std::to_string(c.first_text_line) : cur.path,  // Parquet: no lines
                  "column \"" + c.name + "\": \"" + c.first_text + "\" is not a number, but the reference column is numeric");
    }
    if (r.numeric) continue;
    if (r.needs_text_pass) ref_again.push_back(i);
    if (c.needs_text_pass || (c.numeric && c.numbers.size() > 0)) cur_again.push_back(i);
    c.numeric = false;
  }
  if (!ref_again.empty()) reread_as_text(ref, ref_again);
  if (!cur_again.empty()) reread_as_text(cur, cur_again);
}

// `data` and `space` keep their memory from column to column: fresh memory costs page faults.
void fill_column_data(ColumnData& data, SortSpace& space, FileColumn& ref, FileColumn& cur) {
  data.name = ref.name;
  data.numeric = ref.numeric;
  data.missing_reference = ref.missing;
  data.missing_current = cur.missing;
  if (data.numeric) {
    ref.numbers.take_sorted(data.reference, space);
    cur.numbers.take_sorted(data.current, space);
    data.sorted = true;
  } else {
    data.reference.clear();
    data.current.clear();
    data.reference_counts.clear();
    data.current_counts.clear();
    for (auto& [text, count] : ref.categories.entries()) data.reference_counts.emplace(std::move(text), count);
    for (auto& [text, count] : cur.categories.entries()) data.current_counts.emplace(std::move(text), count);
    ref.categories = {};
    cur.categories = {};
  }
}

DriftSettings settings_from(const po::variables_map& vm) {
  DriftSettings settings;
  settings.numeric_method = method_option(vm, "numeric-method", false);
  settings.categorical_method = method_option(vm, "categorical-method", true);
  threshold_option(get(vm, "threshold"), settings);
  if (vm.count("drift-share")) {
    settings.drift_share = positive_number(get(vm, "drift-share"), "--drift-share");
    if (settings.drift_share > 1) throw_usage("--drift-share must be at most 1, not \"" + get(vm, "drift-share") + "\"");
  }
  if (vm.count("correction")) {
    const std::string text = get(vm, "correction");
    auto correction = parse_correction(text);
    if (!correction) {
      throw_usage("unknown --correction \"" + text + "\"" + did_you_mean(text, {"none", "bonferroni", "fdr"}) +
                  " (one of none, bonferroni, fdr)");
    }
    settings.correction = *correction;
  }
  return settings;
}

// Read as every number of the project is (parse_finite_number: "1e-400" is 0, as in Python).
double share_value(const std::string& text, const std::string& option) {
  const std::optional<double> value = parse_finite_number(text);
  if (!value || !(*value >= 0 && *value <= 1)) throw_usage(option + " must be a share between 0 and 1, not \"" + text + "\"");
  return *value;
}

double share_option(const po::variables_map& vm, const char* option, double fallback) {
  return vm.count(option) ? share_value(get(vm, option), "--" + std::string(option)) : fallback;
}

QualitySettings quality_settings_from(const po::variables_map& vm) {
  QualitySettings quality;
  quality.enabled = vm.count("quality") || vm.count("schema");
  quality.fail_on_new_columns = vm.count("fail-on-new-columns") > 0;
  quality.max_missing_increase = share_option(vm, "max-missing-increase", quality.max_missing_increase);
  quality.max_out_of_range = share_option(vm, "max-out-of-range", quality.max_out_of_range);
  quality.max_new_categories = share_option(vm, "max-new-categories", quality.max_new_categories);
  quality.max_duplicate_increase = share_option(vm, "max-duplicate-increase", quality.max_duplicate_increase);
  for (const auto& item : repeated_list_option(vm, "max-missing")) {
    const auto equals = item.find('=');
    if (equals == std::string::npos || equals == 0) throw_usage("--max-missing \"" + item + "\" is not COLUMN=SHARE");
    const std::string name = item.substr(0, equals);
    // Two limits for one column: which one was meant is a guess, so neither is taken.
    if (quality.max_missing.count(name)) throw_usage("--max-missing names \"" + name + "\" twice");
    quality.max_missing[name] = share_value(item.substr(equals + 1), "--max-missing " + name);
  }
  if (vm.count("rows-ratio")) {
    const std::string text = get(vm, "rows-ratio");
    const auto colon = text.find(':');
    double low = -1, high = -1;
    if (colon != std::string::npos) {
      const auto parsed_low = parse_finite_number(std::string_view(text).substr(0, colon));
      const auto parsed_high = parse_finite_number(std::string_view(text).substr(colon + 1));
      if (parsed_low && parsed_high) std::tie(low, high) = std::pair(*parsed_low, *parsed_high);
    }
    if (!(low >= 0 && high >= low && std::isfinite(high))) {
      throw_usage("--rows-ratio must be MIN:MAX with 0 <= MIN <= MAX, not \"" + text + "\"");
    }
    quality.rows_ratio = std::make_pair(low, high);
  }
  quality.unique = repeated_list_option(vm, "unique");
  for (std::size_t i = 0; i < quality.unique.size(); ++i) {
    if (std::find(quality.unique.begin(), quality.unique.begin() + i, quality.unique[i]) != quality.unique.begin() + i) {
      throw_usage("--unique names \"" + quality.unique[i] + "\" twice");
    }
  }
  const bool tuned = vm.count("fail-on-new-columns") || vm.count("max-missing-increase") || vm.count("max-missing") ||
                     vm.count("max-out-of-range") || vm.count("max-new-categories") || vm.count("rows-ratio") ||
                     vm.count("max-duplicate-increase") || vm.count("unique");
  if (tuned && !quality.enabled) throw_usage("the data-quality options go with --quality or --schema");
  return quality;
}

// The current file's cells as the quality checks read them.
ObservedColumn observe(const FileColumn& column, std::uint64_t rows, std::span<const double> sorted) {
  ObservedColumn out;
  out.name = column.name;
  out.numeric = column.numeric && column.stray_cells == 0;  // a few text cells are a type change too
  out.rows = rows;
  out.missing = column.missing;
  out.missing_lines = column.missing_lines;
  out.text_examples = column.text_examples;
  out.sorted_values = sorted;
  out.extremes = &column.extremes;
  out.first_lines = column.first_lines;
  if (!column.numeric) out.counts = column.categories.entries();
  return out;
}

std::vector<std::size_t> header_positions(const std::vector<std::string>& names, const std::vector<std::string>& header) {
  std::vector<std::size_t> out;
  for (const auto& name : names) {
    out.push_back(static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin()));
  }
  return out;
}

bool all_integers(std::span<const double> values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return v == std::floor(v); });
}

// `ml-drift schema`: the reference's profile as a schema file.
Outcome schema_written(const std::string& source, const std::string& output, const ExpectedDataset& schema) {
  write_file_atomically(output, schema_json(schema).dump(2) + "\n");
  Outcome outcome;
  outcome.fields["reference"] = source;
  outcome.fields["schema"] = output;
  outcome.fields["columns"] = schema.columns.size();
  outcome.headline = "schema of " + std::to_string(schema.columns.size()) + " columns written to " + output;
  outcome.console = "ml-drift: " + outcome.headline + "\n";
  return outcome;
}

Outcome run_schema_command(const po::variables_map& vm) {
  const std::string reference_path = get(vm, "reference"), output = get(vm, "output");
  const std::string profile_path = get(vm, "reference-profile");
  if ((reference_path.empty() && profile_path.empty()) || output.empty()) {
    throw_usage("ml-drift schema needs --reference REF.csv (or --reference-profile REF.profile) and --output SCHEMA.json");
  }
  if (!reference_path.empty() && !profile_path.empty()) throw_usage("give --reference or --reference-profile, not both");
  if (vm.count("current") || vm.count("schema") || vm.count("current-profile")) {
    throw_usage("ml-drift schema reads only --reference; give --current when checking");
  }
  std::size_t max_categories = 1000;
  if (vm.count("max-categories")) {
    const int value = vm["max-categories"].as<int>();
    if (value < 0) throw_usage("--max-categories must be 0 or more");
    max_categories = static_cast<std::size_t>(value);
  }
  if (!profile_path.empty()) return schema_written(profile_path, output, schema_from_profile(read_profile(profile_path), max_categories));
  const unsigned threads = threads_option(vm);
  LoadedFile ref;
  ref.path = reference_path;
  ref.delimiter = delimiter_option(get(vm, "delimiter"), reference_path);
  auto reader = open_csv(ref.path, ref.delimiter, ref.header);
  const Selection selection = select_columns(vm, ref.header, ref.path);
  add_columns(ref, selection);
  RowHashes hashes;
  hashes.row_fields = header_positions(selection.names, ref.header);
  hashes.unique_fields = hashes.row_fields;  // every column: is it an id?
  hashes.unique.resize(selection.names.size());
  hashes.unique_lines.resize(selection.names.size());
  hashes.row_lines_wanted = false;
  ref.row_hashes = &hashes;
  read_rows(*reader, ref, kMemoryBudgetPerFile);
  reader.reset();
  if (ref.rows == 0) throw_input(ref.path, "no data rows, only a header");
  std::vector<std::size_t> again;
  for (std::size_t i = 0; i < ref.columns.size(); ++i) {
    if (ref.columns[i]->needs_text_pass) again.push_back(i);
  }
  if (!again.empty()) reread_as_text(ref, again);

  ExpectedDataset profile;
  profile.rows = ref.rows;
  profile.duplicate_share = static_cast<double>(find_duplicates(hashes.rows, {}).count) / static_cast<double>(ref.rows);
  profile.columns.resize(selection.names.size());
  parallel_for_each_index(selection.names.size(), threads, [&](std::size_t i) {
    FileColumn& column = *ref.columns[i];
    HugePageVector<double> values;
    SortSpace space;
    if (column.numeric) column.numbers.take_sorted(values, space);
    ExpectedColumn& out = profile.columns[i];
    out = profile_column(observe(column, ref.rows, values), max_categories);
    const std::uint64_t count = hashes.unique[i].size();
    // Unique: every cell present and distinct, and an id rather than a measurement
    // (text or whole numbers), so a continuous column with no ties is not taken for a key.
    out.unique = column.missing == 0 && count > 1 && find_duplicates(hashes.unique[i], {}).count == 0 &&
                 (!column.numeric || all_integers(values));
  });
  return schema_written(reference_path, output, profile);
}

Outcome run_drift_check(const po::variables_map& vm) {
  const std::string reference_path = get(vm, "reference"), current_path = get(vm, "current");
  const std::string schema_path = get(vm, "schema");
  if (current_path.empty() || (reference_path.empty() && schema_path.empty())) {
    throw_usage("give --reference REF.csv and --current CUR.csv (or --changed FILE... --state STATE.json)");
  }
  if (vm.count("state")) throw_usage("--state goes with --changed FILE...");
  DriftSettings settings = settings_from(vm);
  const QualitySettings quality = quality_settings_from(vm);
  const unsigned threads = threads_option(vm);
  const std::string delimiter_text = get(vm, "delimiter");
  std::optional<ExpectedDataset> schema;
  if (!schema_path.empty()) schema = read_schema(schema_path);
  const bool with_reference = !reference_path.empty();

  LoadedFile ref, cur;
  ref.path = reference_path;
  cur.path = current_path;
  // The quality checks hash rows and quote cells in the CSV pass: a Parquet input comes
  // to them as its CSV text (open_csv), the same result as a CSV of the same data.
  const auto open = [&](LoadedFile& file) { return quality.enabled ? open_csv(file.path, file.delimiter, file.header) : open_input(file); };
  std::unique_ptr<CsvReader> ref_reader;
  if (with_reference) {
    ref.delimiter = delimiter_option(delimiter_text, reference_path);
    ref_reader = open(ref);
  }
  cur.delimiter = delimiter_option(delimiter_text, current_path);
  auto cur_reader = open(cur);
  if (delimiter_text.empty()) {
    if (ref_reader) require_delimited_header(ref);
    if (cur_reader) require_delimited_header(cur);
  }
  if (with_reference && (ref.header.size() == 1) != (cur.header.size() == 1)) {
    const bool ref_single = ref.header.size() == 1;
    throw_input(ref_single ? ref.path : cur.path,
                "has one column, but " + std::string(ref_single ? "the current data" : "the reference") + " has " +
                    std::to_string(ref_single ? cur.header.size() : ref.header.size()) +
                    ": check the delimiter (--delimiter)");
  }
  std::vector<std::string> schema_names;
  if (schema) {
    for (const auto& column : schema->columns) schema_names.push_back(column.name);
  }
  Selection selection = select_columns(vm, with_reference ? ref.header : schema_names, with_reference ? ref.path : schema_path);
  require_threshold_columns(settings, with_reference ? ref.header : schema_names);
  if (!with_reference) {  // the schema's types decide how the current cells are read
    for (const auto& column : schema->columns) {
      if (!column.numeric && !column.untyped && !selection.numeric.count(column.name)) selection.categorical.insert(column.name);
    }
  }

  std::vector<QualityFinding> findings;
  auto expected_of = [&](const std::string& name) -> const ExpectedColumn* { return schema ? schema->find(name) : nullptr; };
  auto in_current = [&](const std::string& name) {
    return std::find(cur.header.begin(), cur.header.end(), name) != cur.header.end();
  };
  std::vector<std::string> compared;
  for (const auto& name : selection.names) {
    if (in_current(name)) {
      compared.push_back(name);
    } else if (quality.enabled) {
      ExpectedColumn absent;
      absent.name = name;
      if (const ExpectedColumn* known = expected_of(name)) absent = *known;
      findings.push_back(missing_column_finding(absent));
    } else {
      throw_input(cur_reader ? cur.path + ":" + std::to_string(cur_reader->line()) : cur.path,
                  "no column \"" + name + "\", which the reference has" + did_you_mean(name, cur.header));
    }
  }
  if (quality.enabled) {
    if (schema && with_reference) {  // schema columns the reference lacks: checked for presence
      for (const auto& column : schema->columns) {
        const bool selected = std::find(selection.names.begin(), selection.names.end(), column.name) != selection.names.end();
        if (!selected && !in_current(column.name)) findings.push_back(missing_column_finding(column));
      }
    }
    for (const auto& name : cur.header) {
      const bool known = (with_reference && std::find(ref.header.begin(), ref.header.end(), name) != ref.header.end()) ||
                         (schema && schema->find(name));
      if (!known) findings.push_back(new_column_finding(name, quality));
    }
    require_columns(quality.unique, cur.header, cur.path);
    std::vector<std::string> limited;
    for (const auto& [name, limit] : quality.max_missing) limited.push_back(name);
    require_columns(limited, cur.header, cur.path);
  }
  selection.names = compared;
  if (with_reference) add_columns(ref, selection);
  add_columns(cur, selection);
  for (auto& column : cur.columns) column->track_quality = quality.enabled;

  // Rows hashed on both sides over the same columns; --unique (and the schema's unique
  // columns) on the current side.
  RowHashes ref_hashes, cur_hashes;
  std::vector<std::string> unique_names;
  if (quality.enabled) {
    unique_names = quality.unique;
    if (schema) {
      for (const auto& column : schema->columns) {
        if (column.unique && in_current(column.name) &&
            std::find(unique_names.begin(), unique_names.end(), column.name) == unique_names.end()) {
          unique_names.push_back(column.name);
        }
      }
    }
    // A schema's duplicate_share is over its columns: the current rows are hashed over the
    // same ones (those present), whatever --columns compares, so a subset cannot make
    // distinct rows look duplicated.
    std::vector<std::string> hashed_names = compared;
    if (schema) {
      hashed_names.clear();
      for (const auto& column : schema->columns) {
        if (in_current(column.name)) hashed_names.push_back(column.name);
      }
    }
    cur_hashes.row_fields = header_positions(hashed_names, cur.header);
    cur_hashes.unique_fields = header_positions(unique_names, cur.header);
    cur_hashes.unique.resize(unique_names.size());
    cur_hashes.unique_lines.resize(unique_names.size());
    cur.row_hashes = &cur_hashes;
    if (with_reference && !schema) {
      ref_hashes.row_fields = header_positions(compared, ref.header);
      ref_hashes.row_lines_wanted = false;
      ref.row_hashes = &ref_hashes;
    }
  }

  // The two files are read at the same time, one thread each.
  parallel_for_each_index(with_reference ? 2 : 1, threads, [&](std::size_t i) {
    if (i == 0 && with_reference) read_input(ref_reader.get(), ref, threads);
    else read_input(cur_reader.get(), cur, threads);
  });
  ref_reader.reset();
  cur_reader.reset();
  if (with_reference && ref.rows == 0) throw_input(ref.path, "no data rows, only a header");
  if (cur.rows == 0) throw_input(cur.path, "no data rows, only a header");
  std::vector<bool> type_changed(compared.size(), false);
  if (with_reference) {
    reconcile_types(ref, cur, quality.enabled ? &type_changed : nullptr);
  } else {
    for (std::size_t i = 0; i < compared.size(); ++i) type_changed[i] = expected_of(compared[i])->numeric && !expected_of(compared[i])->untyped && (!cur.columns[i]->numeric || cur.columns[i]->stray_cells > 0);
  }

  DriftRun run;
  run.reference_path = ref.path;
  run.current_path = cur.path;
  run.reference_rows = ref.rows;
  run.current_rows = cur.rows;
  run.settings = settings;
  run.drift_checked = with_reference;
  run.schema_path = schema_path;
  run.quality_checked = quality.enabled;
  for (const auto& name : with_reference ? ref.header : schema_names) {
    if (std::find(selection.names.begin(), selection.names.end(), name) == selection.names.end()) run.excluded.push_back(name);
  }
  if (with_reference) run.columns.resize(compared.size());
  std::vector<std::vector<QualityFinding>> column_findings(compared.size());
  // The hashed rows and unique columns are sorted as tasks beside the columns': the
  // reference's rows, the current rows, then each unique column.
  std::vector<std::pair<std::vector<std::uint64_t>*, std::vector<std::uint64_t>*>> hash_tasks;  // hashes, lines
  if (quality.enabled) {
    hash_tasks.emplace_back(&ref_hashes.rows, &ref_hashes.row_lines);
    hash_tasks.emplace_back(&cur_hashes.rows, &cur_hashes.row_lines);
    for (std::size_t k = 0; k < cur_hashes.unique.size(); ++k) {
      hash_tasks.emplace_back(&cur_hashes.unique[k], &cur_hashes.unique_lines[k]);
    }
  }
  std::vector<Duplicates> duplicates(hash_tasks.size());
  std::vector<std::uint64_t> hashed(hash_tasks.size());
  parallel_for_each_index(hash_tasks.size() + compared.size(), threads, [&](std::size_t task) {
    if (task < hash_tasks.size()) {  // first: the longest tasks start early
      auto [hashes, lines] = hash_tasks[task];
      hashed[task] = hashes->size();
      duplicates[task] = find_duplicates(*hashes, *lines);
      *hashes = {};
      *lines = {};
      return;
    }
    const std::size_t i = task - hash_tasks.size();
    thread_local ColumnData data;
    thread_local SortSpace space;
    data.reference.reserve(ref.rows);  // once per thread: no regrowth from column to column
    data.current.reserve(cur.rows);
    space.reserve(std::max(ref.rows, cur.rows));
    FileColumn& c = *cur.columns[i];
    if (type_changed[i]) {  // a finding; the column is not compared
      ExpectedColumn expected;
      if (const ExpectedColumn* known = expected_of(c.name)) {
        expected = *known;
      } else {
        const FileColumn& r = *ref.columns[i];
        expected.name = r.name;
        expected.missing_share = static_cast<double>(r.missing) / static_cast<double>(ref.rows);
        expected.empty = r.missing == ref.rows;
      }
      column_findings[i] = check_column(expected, observe(c, cur.rows, {}), quality);
      if (with_reference) {
        ColumnResult& skipped = run.columns[i];
        skipped.name = c.name;
        skipped.missing_reference = ref.columns[i]->missing;
        skipped.missing_current = c.missing;
        skipped.skipped = "type changed: text in the current data";
      }
      return;
    }
    if (!with_reference) {
      if (c.numeric) c.numbers.take_sorted(data.current, space);
      column_findings[i] = check_column(*expected_of(c.name), observe(c, cur.rows, c.numeric ? std::span<const double>(data.current) : std::span<const double>()), quality);
      return;
    }
    ObservedColumn observed;
    if (quality.enabled) observed = observe(c, cur.rows, {});  // before the counts move on
    fill_column_data(data, space, *ref.columns[i], c);
    if (quality.enabled) {
      observed.numeric = data.numeric;
      observed.sorted_values = data.current;
      ExpectedColumn expected;
      if (const ExpectedColumn* known = expected_of(c.name)) {
        expected = *known;
      } else {
        ObservedColumn reference;
        reference.name = c.name;
        reference.numeric = data.numeric;
        reference.rows = ref.rows;
        reference.missing = data.missing_reference;
        reference.sorted_values = data.reference;
        reference.counts.assign(data.reference_counts.begin(), data.reference_counts.end());
        expected = profile_column(reference, std::numeric_limits<std::size_t>::max());
      }
      column_findings[i] = check_column(expected, observed, quality);
    }
    run.columns[i] = analyze_column(data, run.settings);
  });
  if (with_reference) {
    require_column_p_value_thresholds(run.settings, run.columns);
    run.dataset = decide_drift(run.columns, run.settings);
  }

  if (quality.enabled) {
    for (auto& found : column_findings) findings.insert(findings.end(), found.begin(), found.end());
    const std::uint64_t expected_rows = with_reference ? ref.rows : schema->rows;
    if (quality.rows_ratio) findings.push_back(rows_finding(expected_rows, cur.rows, quality));
    const double expected_duplicates =
        schema ? schema->duplicate_share : static_cast<double>(duplicates[0].count) / static_cast<double>(ref.rows);
    findings.push_back(duplicates_finding(expected_duplicates, cur.rows, duplicates[1], quality));
    for (std::size_t k = 0; k < unique_names.size(); ++k) {
      findings.push_back(unique_finding(unique_names[k], duplicates[2 + k], hashed[2 + k]));
    }
    run.quality = std::move(findings);
  }

  Outcome outcome = drift_outcome(run);
  // Redacted whole like every other output (core/redact.hpp); each outside text was also
  // redacted before it was escaped.
  if (vm.count("html")) write_file_atomically(get(vm, "html"), redact(render_drift_html(run)));
  if (vm.count("openmetrics")) write_file_atomically(get(vm, "openmetrics"), redact(render_openmetrics(run)));
  if (vm.count("pushgateway")) push_to_gateway(get(vm, "pushgateway"), render_prometheus_text(run), ca_bundle_option(vm));
  return outcome;
}

Outcome run_drift(const po::variables_map& vm) {
  if (vm.count("changed")) {
    if (vm.count("reference") || vm.count("current")) throw_usage("--changed checks files; give it without --reference/--current");
    if (!vm.count("state")) throw_usage("--changed needs --state STATE.json to remember the files' hashes");
    return check_changed_files(vm["changed"].as<std::vector<std::string>>(), get(vm, "state"));
  }
  if (vm.count("command")) {
    const std::string command = get(vm, "command");
    if (command != "schema") throw_usage("unknown command \"" + command + "\" (ml-drift schema writes a schema; checks take options only)");
    return run_schema_command(vm);
  }
  if (vm.count("output")) throw_usage("--output goes with ml-drift schema");
  if (vm.count("reference-profile") || vm.count("current-profile") || vm.count("reference-registry")) {
    // The data-quality checks read the rows of both sides; a profile holds none.
    for (const char* option : {"quality", "schema", "fail-on-new-columns", "max-missing-increase", "max-missing",
                               "max-out-of-range", "max-new-categories", "rows-ratio", "max-duplicate-increase",
                               "unique"}) {
      if (vm.count(option) && !vm[option].defaulted()) {
        throw_usage(std::string("--") + option + " checks the reference's rows: it does not go with a reference profile");
      }
    }
    return run_profile_drift(vm, settings_from(vm));
  }
  return run_drift_check(vm);
}

}  // namespace

ToolSpec drift_tool() {
  ToolSpec spec;
  spec.name = "ml-drift";
  spec.synopsis =
      "ml-drift --reference REF.csv --current CUR.csv [--columns a,b | --exclude id,ts] [--categorical c,...]\n"
      "                [--numeric c,...] [--numeric-method M] [--categorical-method M] [--threshold X]\n"
      "                [--drift-share S] [--correction none|bonferroni|fdr] [--threads N] [--html FILE]\n"
      "                [--quality] [--schema SCHEMA.json] [quality options]\n"
      "       ml-drift --schema SCHEMA.json --current CUR.csv [quality options]\n"
      "       ml-drift schema (--reference REF.csv | --reference-profile REF.profile) --output SCHEMA.json\n"
      "                [--max-categories N]\n"
      "       ml-drift (--reference-profile REF.profile | --reference-registry URL --model M --channel CH)\n"
      "                (--current CUR.csv | --current-profile CUR.profile)\n"
      "                [--on-undecided drift|pass|error] [options as above]\n"
      "       ml-drift profile DATA... --output FILE.profile (see ml-drift profile --help)\n"
      "       ml-drift --changed FILE... --state STATE.json";
  spec.declare_options = [](po::options_description& options, po::positional_options_description& positional) {
    options.add_options()
        ("reference", po::value<std::string>()->value_name("FILE"),
         "reference data: CSV, TSV (optionally gzipped), or Parquet (a file or a folder of files)")
        ("current", po::value<std::string>()->value_name("FILE"), "current data to compare with the reference")
        ("columns", po::value<std::string>()->value_name("a,b"), "compare only these columns")
        ("exclude", po::value<std::string>()->value_name("a,b"), "compare every column but these")
        ("categorical", po::value<std::string>()->value_name("a,b"), "treat these columns as categories")
        ("numeric", po::value<std::string>()->value_name("a,b"), "treat these columns as numbers")
        ("numeric-method", po::value<std::string>()->value_name("M"),
         "auto (default), ks, wasserstein, psi, jensenshannon, chi2, ztest")
        ("categorical-method", po::value<std::string>()->value_name("M"), "auto (default), chi2, jensenshannon, psi, ztest")
        ("threshold", po::value<std::string>()->value_name("X"),
         "drift threshold for every method, or per method and column: ks=0.01,psi=0.25,age=0.001 (defaults: "
         "p-values 0.05, psi 0.2, other distances 0.1)")
        ("drift-share", po::value<std::string>()->value_name("S"), "dataset drift when this share of tested columns drift (0.5)")
        ("correction", po::value<std::string>()->value_name("C"), "p-value correction across columns: none, bonferroni, fdr")
        ("threads", po::value<int>()->value_name("N"), "threads to use (default: every core)")
        ("delimiter", po::value<std::string>()->value_name("C"), "field delimiter (default: tab for .tsv, else comma)")
        ("html", po::value<std::string>()->value_name("FILE"), "write a self-contained HTML report to FILE")
        ("openmetrics", po::value<std::string>()->value_name("FILE"), "write the scores as OpenMetrics text to FILE")
        ("pushgateway", po::value<std::string>()->value_name("URL"), "push the scores to a Prometheus Pushgateway")
        ("ca-bundle", po::value<std::string>()->value_name("FILE"),
         "with --pushgateway or s3:// inputs: PEM file of the CAs to trust for https (certificates are always verified)")
        ("changed", po::value<std::vector<std::string>>()->multitoken()->value_name("FILE..."),
         "exit 1 when any file's SHA-256 differs from the one in --state (and record it)")
        ("state", po::value<std::string>()->value_name("FILE"), "JSON file of recorded hashes for --changed")
        ("quality", "also run the data-quality checks against the reference (a failed check fails the gate)")
        ("schema", po::value<std::string>()->value_name("FILE"),
         "check the current data against this schema (implies the data-quality checks; --reference optional)")
        ("fail-on-new-columns", "a column of the current data missing from the reference fails")
        ("max-missing-increase", po::value<std::string>()->value_name("X"),
         "fail when a column's missing share exceeds the reference's by more than X (0.05)")
        ("max-missing", po::value<std::vector<std::string>>()->value_name("a=X,..."),
         "fail when a named column's missing share exceeds X (repeatable)")
        ("max-out-of-range", po::value<std::string>()->value_name("X"),
         "fail when more than this share of a column's values is outside the reference's [min, max] (0.01)")
        ("max-new-categories", po::value<std::string>()->value_name("X"),
         "fail when more than this share of a column's values are categories the reference lacks (0.01)")
        ("rows-ratio", po::value<std::string>()->value_name("MIN:MAX"), "fail when current rows / reference rows is outside MIN:MAX")
        ("max-duplicate-increase", po::value<std::string>()->value_name("X"),
         "fail when the share of duplicated rows exceeds the reference's by more than X (0.01)")
        ("unique", po::value<std::vector<std::string>>()->value_name("a,b"), "these columns must have no duplicate values (repeatable)")
        ("output", po::value<std::string>()->value_name("FILE"), "ml-drift schema: write the schema to FILE")
        ("max-categories", po::value<int>()->value_name("N"),
         "ml-drift schema: list a column's categories when it has at most N distinct values (1000)")
        ("command", po::value<std::string>()->value_name("schema"), "schema: infer a schema from --reference")
        ("reference-profile", po::value<std::string>()->value_name("FILE"), "compare with a profile (ml-drift profile) instead of --reference; ml-drift schema: derive the schema from it")
        ("current-profile", po::value<std::string>()->value_name("FILE"), "with --reference-profile: the current data as a profile")
        ("reference-registry", po::value<std::string>()->value_name("URL"),
         "compare with the profile published with the version --channel points to (ml-release publish --profile)")
        ("model", po::value<std::string>()->value_name("NAME"), "with --reference-registry: the model")
        ("channel", po::value<std::string>()->value_name("CH"), "with --reference-registry: the channel, e.g. production")
        ("on-undecided", po::value<std::string>()->value_name("X"),
         "with profiles: the exit when sketch error leaves the verdict open: drift (default, exit 1), pass, error (exit 3)");
    declare_s3_options(options, false);
    positional.add("command", 1);
  };
  spec.run = run_drift;
  spec.inputs = input_options({"reference", "current", "schema", "reference-profile", "current-profile", "changed"});
  return spec;
}

int drift_main(int argc, const char* const* argv) {
  if (argc > 1 && std::string(argv[1]) == "profile") return profile_main(argc - 1, argv + 1);
  return run_tool(drift_tool(), argc, argv);
}

}  // namespace lean
