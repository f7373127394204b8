#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "csv/reader.hpp"
#include "drift/category_counts.hpp"
#include "drift/number_column.hpp"
#include "drift/quality.hpp"

namespace lean {

enum class ColumnKind { automatic, numeric, categorical };

// One selected column of one input file as it is read.
struct FileColumn {
  explicit FileColumn(NumberColumn::Arena* arena) : numbers(arena) {}
  std::string name;
  std::size_t field = 0;  // position in this file's header
  ColumnKind requested = ColumnKind::automatic;
  bool numeric = true;           // every non-missing cell so far is a finite number
  bool needs_text_pass = false;  // turned categorical after numbers: read again as text
  std::uint64_t missing = 0;
  std::uint64_t first_text_line = 0;  // the first cell that is not a number, for errors
  std::string first_text;
  // Cells that are not numbers in a column that is numeric otherwise (kept numeric while they
  // are under 1 % of its values, to be reported rather than turn it categorical).
  std::uint64_t stray_cells = 0;
  std::vector<std::uint64_t> stray_lines;  // the first few
  NumberColumn numbers;
  CategoryCounts categories;
  // Evidence for the data-quality checks (drift/quality.hpp), kept only with track_quality.
  bool track_quality = false;
  std::uint64_t row_seed = 0;                // with row hashes: RowHashes::seed of this column's cells, or 0
  std::vector<std::uint64_t> missing_lines;  // the first kMaxExamples missing cells
  std::vector<Example> text_examples;        // the first cells that turned a numeric column to text
  std::vector<std::uint64_t> first_lines;    // the line each category is first on, in the order first seen
  Extremes extremes;                         // the lowest and highest numbers
};

// The selected columns of one input: a CSV file, or a Parquet file or dataset.
struct ParquetInput;  // drift/parquet_columns.hpp

struct LoadedFile {
  std::string path;
  std::shared_ptr<ParquetInput> parquet;  // set when the input is Parquet, not CSV
  char delimiter = ',';
  std::vector<std::string> header;
  std::uint64_t rows = 0;
  std::unique_ptr<NumberColumn::Arena> arena = std::make_unique<NumberColumn::Arena>();
  std::vector<std::unique_ptr<FileColumn>> columns;
  RowHashes* row_hashes = nullptr;  // with the quality checks: each row's hash
};

// Opens a CSV file and reads its header; an input error names the file when the header is
// missing, empty or names a column twice. Empty header names become "Unnamed: i" (pandas).
std::unique_ptr<CsvReader> open_csv(const std::string& path, char delimiter, std::vector<std::string>& header);

// Reads every remaining row of `reader` into the file's columns. `memory_budget_bytes`
// bounds the encoded numbers kept in memory. A column of numbers with a few cells that are
// not (under 1 %) stays numeric, those cells counted in stray_cells, for the caller to report.
void read_rows(CsvReader& reader, LoadedFile& file, std::size_t memory_budget_bytes);

// Reads the file again for the columns listed (by index into file.columns), as text.
void reread_as_text(LoadedFile& file, const std::vector<std::size_t>& columns);

}  // namespace lean
