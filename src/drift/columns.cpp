#include "core/printable.hpp"
#include "drift/columns.hpp"

#include <algorithm>
#include <set>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "drift/parquet_columns.hpp"
#include "csv/sniff.hpp"

namespace lean {
namespace {

constexpr std::size_t kStrayLinesKept = 3;
constexpr std::uint64_t kStrayPercent = 1;         // a column is numeric with under 1 % stray cells
constexpr std::uint64_t kStrayMinimumCells = 100;  // below this many values, any stray cell decides

// Turns a numeric column categorical: the numbers it kept are read again as text.
void make_categorical(FileColumn& column) {
  column.numeric = false;
  if (column.numbers.size() > 0) column.needs_text_pass = true;
  column.numbers.clear();
}

// A cell that is not a plain decimal: missing, a number in another form, or text.
// `row_hash` is the cell's hash, kept with a new category (0 without row hashes).
void add_other_cell(FileColumn& column, std::string_view cell, const CsvReader& reader, std::uint64_t row_hash) {
  if (is_missing_cell(cell)) {
    ++column.missing;
    if (column.track_quality && column.missing_lines.size() < kMaxExamples)
      column.missing_lines.push_back(reader.line());
    return;
  }
  if (column.numeric) {
    if (auto value = parse_finite_number(cell)) {
      column.numbers.add(*value);
      if (column.track_quality) column.extremes.add(*value, reader.line());
      return;
    }
    if (column.requested == ColumnKind::numeric) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "column \"" + column.name + "\": " + quote_truncated(cell) + " is not a number (--numeric)");
    }
    if (column.stray_cells++ == 0) {
      column.first_text_line = reader.line();
      column.first_text = std::string(cell.substr(0, 80));
    }
    if (column.stray_lines.size() < kStrayLinesKept) column.stray_lines.push_back(reader.line());
    if (column.track_quality && column.text_examples.size() < kMaxExamples) {
      column.text_examples.push_back({std::string(cell.substr(0, 80)), reader.line()});
    }
    const std::uint64_t seen = column.numbers.size() + column.stray_cells;
    const bool many = column.stray_cells * 100 >= seen * kStrayPercent;
    if (column.numbers.size() > 0 && (!many || seen < kStrayMinimumCells)) return;  // decided at the end
    make_categorical(column);
  } else if (column.track_quality && !column.text_examples.empty() && column.text_examples.size() < kMaxExamples &&
             !parse_finite_number(cell)) {
    column.text_examples.push_back({std::string(cell.substr(0, 80)), reader.line()});
  }
  if (column.needs_text_pass) return;  // counted in the second pass
  const std::size_t distinct = column.categories.size();
  column.categories.add_padded(cell, 1, row_hash);  // a CsvReader field
  if (column.categories.size() != distinct) {
    if (column.track_quality) column.first_lines.push_back(reader.line());
    // Bounded memory (docs/hardening.md): a column of ids is not a category column.
    std::uint64_t& held = column.numbers.arena()->category_bytes;
    held += cell.size() + 64;
    if (held > limits::kCategoryBytes) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()),
                  "the distinct values of the text columns exceed " + describe_bytes_limit(limits::kCategoryBytes) +
                      " (the limit; see docs/hardening.md); column \"" + column.name +
                      "\" may be an id: leave it out with --exclude");
    }
  }
}

// Room for the hashes of every row, estimated from the bytes the first rows took (and 5 %
// more); a file that is not plain (gzip, a stream) grows them as it goes.
constexpr std::uint64_t kRowsBeforeEstimate = 4096;
void reserve_hashes(const CsvReader& reader, LoadedFile& file) {
  const auto total = reader.file_bytes();
  if (!total || reader.bytes_consumed() == 0) return;
  const double rows_per_byte = static_cast<double>(file.rows) / static_cast<double>(reader.bytes_consumed());
  file.row_hashes->reserve(static_cast<std::size_t>(static_cast<double>(*total) * rows_per_byte * 1.05) + 1);
}

}  // namespace

std::unique_ptr<CsvReader> open_csv(const std::string& path, char delimiter, std::vector<std::string>& header) {
  std::unique_ptr<CsvReader> reader;
  if (is_parquet_input(path)) {  // the readers that take rows read Parquet as its CSV text
    reader = open_parquet_as_csv(path, delimiter);
  } else {
    if (auto kind = non_csv_kind(path)) throw_input(path, "is " + *kind + ", not CSV");
    reader = std::make_unique<CsvReader>(path, delimiter);
  }
  std::vector<std::string_view> fields;
  if (!reader->next(fields)) throw_input(path, "empty file: no header row");
  header.clear();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string name(fields[i]);
    if (name.empty()) name = "Unnamed: " + std::to_string(i);
    if (!seen.insert(name).second) {
      throw_input(path + ":" + std::to_string(reader->line()), "column \"" + name + "\" appears twice in the header");
    }
    header.push_back(std::move(name));
  }
  return reader;
}

namespace {

// The rows' loop, with or without row hashes: the columns hash their own cells as they parse
// them (the cells are in registers then), add_row the hashed fields that are not columns.
// The quality checks hash rows, so only a loop that does keeps the extremes.
template <bool kHashRows>
void read_all_rows(CsvReader& reader, LoadedFile& file, std::span<const RowHashes::FieldSeed> rest) {
  const std::size_t width = file.header.size();
  for (std::span<const std::string_view> fields; !(fields = reader.next()).empty();) {
    if (fields.size() != width) {
      throw_input(reader.path() + ":" + std::to_string(reader.line()), "row has " + std::to_string(fields.size()) +
                                                                           (fields.size() == 1 ? " field" : " fields") +
                                                                           ", the header has " + std::to_string(width));
    }
    ++file.rows;
    std::uint64_t row_hash = 0;
    for (auto& column : file.columns) {
      const std::string_view cell = fields[column->field];
      if (column->numeric) {
        if (auto decimal = parse_short_decimal_padded(cell)) {  // CsvReader pads its fields
          column->numbers.add(*decimal);
          if (kHashRows && column->track_quality) column->extremes.add(*decimal, reader.line());
          if (kHashRows && column->row_seed) row_hash += RowHashes::number_hash(cell, column->row_seed);
          continue;
        }
        if (cell.size() > 8) {  // may be a longer plain decimal
          if (auto decimal = parse_plain_decimal(cell)) {
            column->numbers.add(*decimal);
            if (kHashRows && column->track_quality) column->extremes.add(*decimal, reader.line());
            if (kHashRows && column->row_seed) row_hash += RowHashes::number_hash(cell, column->row_seed);
            continue;
          }
        }
      }
      // A category seen before needs none of add_other_cell's checks (a missing spelling is
      // never counted as one), unless examples of text cells are still being collected; its
      // hash was kept when it was new.
      const bool collecting =
          column->track_quality && !column->text_examples.empty() && column->text_examples.size() < kMaxExamples;
      if (!column->numeric && !collecting) {
        if (const std::uint64_t* known_hash = column->categories.add_if_known(cell)) {
          if (kHashRows) row_hash += *known_hash;
          continue;
        }
      }
      const std::uint64_t cell_hash = kHashRows && column->row_seed ? RowHashes::cell_hash(cell, column->row_seed) : 0;
      row_hash += cell_hash;
      add_other_cell(*column, cell, reader, cell_hash);
    }
    if constexpr (kHashRows) {
      if (file.rows == kRowsBeforeEstimate) reserve_hashes(reader, file);
      file.row_hashes->add_row(fields, reader.line(), row_hash, rest);
    }
  }
}

}  // namespace

void read_rows(CsvReader& reader, LoadedFile& file, std::size_t memory_budget_bytes) {
  file.arena->budget_bytes = memory_budget_bytes;
  if (file.row_hashes) {
    std::vector<RowHashes::FieldSeed> rest;  // hashed fields that are not columns
    const auto& hashed = file.row_hashes->row_fields;
    for (std::size_t k = 0; k < hashed.size(); ++k) {
      auto column =
          std::find_if(file.columns.begin(), file.columns.end(), [&](const auto& c) { return c->field == hashed[k]; });
      if (column != file.columns.end()) (*column)->row_seed = RowHashes::seed(k);
      else rest.push_back({hashed[k], RowHashes::seed(k)});
    }
    read_all_rows<true>(reader, file, rest);
  } else {
    read_all_rows<false>(reader, file, {});
  }
  for (auto& column : file.columns) {
    const std::uint64_t seen = column->numbers.size() + column->stray_cells;
    if (column->numeric && column->stray_cells > 0 && column->stray_cells * 100 >= seen * kStrayPercent) {
      make_categorical(*column);
    }
  }
}

void reread_as_text(LoadedFile& file, const std::vector<std::size_t>& columns) {
  if (file.parquet) return reread_parquet_as_text(file, columns);
  std::vector<std::string> header;
  auto reader = open_csv(file.path, file.delimiter, header);
  LoadedFile pass;
  pass.path = file.path;
  pass.header = header;
  for (std::size_t index : columns) {
    const FileColumn& original = *file.columns[index];
    auto column = std::make_unique<FileColumn>(file.arena.get());  // holds no numbers
    column->name = original.name;
    column->field = original.field;
    column->requested = ColumnKind::categorical;
    column->numeric = false;
    column->first_text_line = original.first_text_line;
    column->first_text = original.first_text;
    column->track_quality = original.track_quality;
    pass.columns.push_back(std::move(column));
  }
  read_rows(*reader, pass, 0);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    pass.columns[i]->text_examples = std::move(file.columns[columns[i]]->text_examples);
    file.columns[columns[i]] = std::move(pass.columns[i]);
  }
}

}  // namespace lean
