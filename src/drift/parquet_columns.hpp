#pragma once

#include <memory>
#include <string>
#include <vector>

#include "drift/columns.hpp"

namespace lean {

// ml-drift's Parquet inputs: one file, or several read as one table: a list, or a folder
// (a partitioned dataset: part-*.parquet, or Hive-style key=value/ folders whose values
// become columns). Each column's kind comes from its Parquet type: numbers and dates/times are
// numeric, text and booleans categorical; nulls are missing values.
struct ParquetInput;

// The one place an input's format is decided, by content, not name: a folder, a file that
// starts or ends with Parquet's magic bytes "PAR1", or a list of such files ("a,b", or a
// quoted pattern "data/part-*.parquet"), is Parquet; anything else is CSV.
bool is_parquet_input(const std::string& path);

// Opens `file.path` as Parquet: reads the (first) footer, sets file.parquet and file.header.
void open_parquet(LoadedFile& file);

// Reads the selected columns (file.columns) of every row group: only those column chunks,
// a row group at a time, the columns of a row group decoded on up to `threads` threads.
void read_parquet_rows(LoadedFile& file, std::size_t memory_budget_bytes, unsigned threads);

// A Parquet input as CSV text, for the readers that take rows (predictions, ml-drift
// schema, the quality checks, profiles): a header, then one line per row, each value as the
// comparison reads it as text (exact decimal text of integers, decimals, dates, times and
// timestamps in their documented units; a double's shortest form; true/false; a null empty),
// so they give what they give on a CSV of the same data. Rendered by a thread of its own, a
// row group at a time.
std::unique_ptr<CsvReader> open_parquet_as_csv(const std::string& path, char delimiter);

// Reads the listed columns again as text (their kind settled by the other input).
void reread_parquet_as_text(LoadedFile& file, const std::vector<std::size_t>& columns);

}  // namespace lean
