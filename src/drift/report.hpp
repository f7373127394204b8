#pragma once

#include <string>
#include <vector>

#include "drift/analysis.hpp"
#include "drift/quality.hpp"
#include "report/outcome.hpp"

namespace lean {

// Everything one drift check found, the input of every rendering.
struct DriftRun {
  std::string reference_path, current_path;
  std::uint64_t reference_rows = 0, current_rows = 0;
  DriftSettings settings;
  std::vector<ColumnResult> columns;  // in the reference's column order
  std::vector<std::string> excluded;  // reference columns left out (--columns, --exclude)
  DatasetResult dataset;
  bool drift_checked = true;     // false with --schema and no --reference
  std::string schema_path;       // with --schema
  bool quality_checked = false;  // --quality or --schema
  std::vector<QualityFinding> quality;
};

// The data-quality part of the outcome (drift/quality_report.cpp): the report's `quality`
// array, a check per finding, the "Data quality" table, console lines and dotenv counts.
void add_quality_outcome(const DriftRun& run, Outcome& outcome);

// "data quality: 2 of 25 checks failed".
std::string quality_headline(const DriftRun& run);

// Column indexes in the order people read them: drifted, then tested, then skipped;
// within each group in column order.
std::vector<std::size_t> reading_order(const std::vector<ColumnResult>& columns);

// The JSON fields, checks, markdown, console text and dotenv keys of a drift check.
Outcome drift_outcome(const DriftRun& run);

// The tested columns whose p-value --correction adjusted (distances are never adjusted).
std::vector<std::string> corrected_columns(const DriftRun& run);

// "0.0123", "1.2e-07": short numbers for tables and charts (the JSON keeps every digit).
std::string short_number(double value);

// Replaces bytes that are not UTF-8 with U+FFFD, so any CSV text fits in JSON and HTML.
std::string valid_utf8(const std::string& text);

}  // namespace lean
