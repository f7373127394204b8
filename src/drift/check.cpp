#include "drift/check.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <exception>
#include <map>
#include <set>
#include <tuple>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/parallel.hpp"
#include "core/suggest.hpp"
#include "csv/cells.hpp"
#include "drift/columns.hpp"
#include "drift/parquet_columns.hpp"
#include "profile/profile_schema.hpp"
#include "drift/quality.hpp"
#include "drift/schema.hpp"
#include "drift/report.hpp"
#include "drift/trigger.hpp"

namespace lean {
namespace {

// Encoded numbers each input file keeps in memory before the rest go to a temporary file:
// some 25 million plain decimals at two to three bytes each, or 8 million doubles.
constexpr std::size_t kMemoryBudgetPerFile = std::size_t{64} << 20;

// Each COLUMN=X key names a column of the reference (a misspelt method or column is an error).
void require_threshold_columns(const DriftSettings& settings, const std::vector<std::string>& header) {
  std::vector<std::string> candidates = method_names();
  candidates.insert(candidates.end(), header.begin(), header.end());
  for (const auto& [name, value] : settings.column_thresholds) {
    if (std::find(header.begin(), header.end(), name) == header.end()) {
      throw_usage("--threshold \"" + name + "=" + format_number(value) +
                  "\" names no method and no column of the reference" + did_you_mean(name, candidates));
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
                  "\" is tested with " + method_name(*column.method) +
                  ", whose p-value threshold must be between 0 and 1");
    }
  }
}

// The delimiter given, else the one the file's name implies.
char delimiter_for(const std::optional<char>& given, const std::string& path) {
  return given ? *given : default_delimiter(path);
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

Selection select_columns(const ColumnChoice& choice, const std::vector<std::string>& header, const std::string& path) {
  Selection selection;
  const auto& only = choice.only;
  const auto& excluded = choice.excluded;
  require_columns(only, header, path);
  require_columns(excluded, header, path);
  for (const auto& name : header) {
    const bool wanted = only.empty() ? std::find(excluded.begin(), excluded.end(), name) == excluded.end()
                                     : std::find(only.begin(), only.end(), name) != only.end();
    if (wanted) selection.names.push_back(name);
  }
  if (selection.names.empty()) throw_usage("no column left to compare after --exclude");
  require_columns(choice.numeric, header, path);
  require_columns(choice.categorical, header, path);
  selection.numeric.insert(choice.numeric.begin(), choice.numeric.end());
  selection.categorical.insert(choice.categorical.begin(), choice.categorical.end());
  return selection;
}

void add_columns(LoadedFile& file, const Selection& selection) {
  for (const auto& name : selection.names) {
    auto column = std::make_unique<FileColumn>(file.arena.get());
    column->name = name;
    column->field =
        static_cast<std::size_t>(std::find(file.header.begin(), file.header.end(), name) - file.header.begin());
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
    if (r.numeric && r.stray_cells > 0)
      throw_input(ref.path + ":" + std::to_string(r.first_text_line), stray_cells_message(r));
    // No value in the reference: the column is skipped whatever the current data holds.
    if (r.numeric && r.numbers.size() == 0) continue;
    if (r.numeric && (!c.numeric || c.stray_cells > 0) && type_changed) {
      (*type_changed)[i] = true;
      continue;
    }
    if (r.numeric && (!c.numeric || c.stray_cells > 0)) {
      throw_input(
          c.first_text_line > 0 ? cur.path + ":" + std::to_string(c.first_text_line) : cur.path,  // Parquet: no lines
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

std::vector<std::size_t> header_positions(const std::vector<std::string>& names,
                                          const std::vector<std::string>& header) {
  std::vector<std::size_t> out;
  for (const auto& name : names) {
    out.push_back(static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin()));
  }
  return out;
}

bool all_integers(std::span<const double> values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return v == std::floor(v); });
}

}  // namespace

ExpectedDataset infer_schema(const SchemaInput& input) {
  const std::string& reference_path = input.reference_path;
  const std::size_t max_categories = input.max_categories;
  const unsigned threads = input.threads;
  LoadedFile ref;
  ref.path = reference_path;
  ref.delimiter = delimiter_for(input.delimiter, reference_path);
  auto reader = open_csv(ref.path, ref.delimiter, ref.header);
  const Selection selection = select_columns(input.columns, ref.header, ref.path);
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
  return profile;
}

DriftRun check_drift(const DriftCheckInput& input) {
  const std::string &reference_path = input.reference_path, &current_path = input.current_path;
  const std::string& schema_path = input.schema_path;
  const QualitySettings& quality = input.quality;
  const unsigned threads = input.threads;
  std::optional<ExpectedDataset> schema;
  if (!schema_path.empty()) schema = read_schema(schema_path);
  const bool with_reference = !reference_path.empty();

  LoadedFile ref, cur;
  ref.path = reference_path;
  cur.path = current_path;
  // The quality checks hash rows and quote cells in the CSV pass: a Parquet input comes
  // to them as its CSV text (open_csv), the same result as a CSV of the same data.
  const auto open = [&](LoadedFile& file) {
    return quality.enabled ? open_csv(file.path, file.delimiter, file.header) : open_input(file);
  };
  std::unique_ptr<CsvReader> ref_reader;
  if (with_reference) {
    ref.delimiter = delimiter_for(input.delimiter, reference_path);
    ref_reader = open(ref);
  }
  cur.delimiter = delimiter_for(input.delimiter, current_path);
  auto cur_reader = open(cur);
  if (!input.delimiter) {
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
  Selection selection = select_columns(input.columns, with_reference ? ref.header : schema_names,
                                       with_reference ? ref.path : schema_path);
  require_threshold_columns(input.settings, with_reference ? ref.header : schema_names);
  if (!with_reference) {  // the schema's types decide how the current cells are read
    for (const auto& column : schema->columns) {
      if (!column.numeric && !column.untyped && !selection.numeric.count(column.name))
        selection.categorical.insert(column.name);
    }
  }

  std::vector<QualityFinding> findings;
  auto expected_of = [&](const std::string& name) -> const ExpectedColumn* {
    return schema ? schema->find(name) : nullptr;
  };
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
        const bool selected =
            std::find(selection.names.begin(), selection.names.end(), column.name) != selection.names.end();
        if (!selected && !in_current(column.name)) findings.push_back(missing_column_finding(column));
      }
    }
    for (const auto& name : cur.header) {
      const bool known =
          (with_reference && std::find(ref.header.begin(), ref.header.end(), name) != ref.header.end()) ||
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

  // The two files are read at the same time, one thread each. With the quality checks the
  // current file takes longer (it keeps their evidence): the reference's duplicate rows are
  // found meanwhile, on the thread that read it.
  Duplicates reference_duplicates;
  parallel_for_each_index(with_reference ? 2 : 1, threads, [&](std::size_t i) {
    if (i == 0 && with_reference) {
      read_input(ref_reader.get(), ref, threads);
      if (ref.row_hashes) {
        reference_duplicates = find_duplicates(ref_hashes.rows, {});
        ref_hashes.rows = {};
      }
    } else {
      read_input(cur_reader.get(), cur, threads);
    }
  });
  ref_reader.reset();
  cur_reader.reset();
  if (with_reference && ref.rows == 0) throw_input(ref.path, "no data rows, only a header");
  if (cur.rows == 0) throw_input(cur.path, "no data rows, only a header");
  std::vector<bool> type_changed(compared.size(), false);
  if (with_reference) {
    reconcile_types(ref, cur, quality.enabled ? &type_changed : nullptr);
  } else {
    for (std::size_t i = 0; i < compared.size(); ++i)
      type_changed[i] = expected_of(compared[i])->numeric && !expected_of(compared[i])->untyped &&
                        (!cur.columns[i]->numeric || cur.columns[i]->stray_cells > 0);
  }

  DriftRun run;
  run.reference_path = ref.path;
  run.current_path = cur.path;
  run.reference_rows = ref.rows;
  run.current_rows = cur.rows;
  run.settings = input.settings;
  run.drift_checked = with_reference;
  run.schema_path = schema_path;
  run.quality_checked = quality.enabled;
  for (const auto& name : with_reference ? ref.header : schema_names) {
    if (std::find(selection.names.begin(), selection.names.end(), name) == selection.names.end())
      run.excluded.push_back(name);
  }
  if (with_reference) run.columns.resize(compared.size());
  std::vector<std::vector<QualityFinding>> column_findings(compared.size());
  // The current rows' hashes and the unique columns' are sorted as tasks beside the
  // columns': the rows, then each unique column.
  std::vector<std::pair<HugePageVector<std::uint64_t>*, HugePageVector<std::uint64_t>*>> hash_tasks;  // hashes, lines
  if (quality.enabled) {
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
    data.reference.reserve(ref.rows + NumberColumn::kSortedSlack);  // once per thread: no regrowth
    data.current.reserve(cur.rows + NumberColumn::kSortedSlack);
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
      column_findings[i] = check_column(
          *expected_of(c.name),
          observe(c, cur.rows, c.numeric ? std::span<const double>(data.current) : std::span<const double>()), quality);
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
        schema ? schema->duplicate_share
               : static_cast<double>(reference_duplicates.count) / static_cast<double>(ref.rows);
    findings.push_back(duplicates_finding(expected_duplicates, cur.rows, duplicates[0], quality));
    for (std::size_t k = 0; k < unique_names.size(); ++k) {
      findings.push_back(unique_finding(unique_names[k], duplicates[1 + k], hashed[1 + k]));
    }
    run.quality = std::move(findings);
  }

  return run;
}

}  // namespace lean
