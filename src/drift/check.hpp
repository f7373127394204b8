#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "drift/analysis.hpp"
#include "drift/quality.hpp"
#include "drift/report.hpp"
#include "drift/schema.hpp"

namespace lean {

// Which columns a run compares and how it reads them (--columns, --exclude, --numeric,
// --categorical); each name is checked against the header once it is known.
struct ColumnChoice {
  std::vector<std::string> only, excluded;  // at most one of them is given
  std::vector<std::string> numeric, categorical;
};

// What a drift check (and its data-quality checks) reads: the reference data or a schema,
// and the current data.
struct DriftCheckInput {
  std::string reference_path;  // empty: checked against the schema alone
  std::string current_path;
  std::string schema_path;  // empty: no schema
  ColumnChoice columns;
  std::optional<char> delimiter;  // nullopt: by each file's name (tab for .tsv, else comma)
  unsigned threads = 1;
  DriftSettings settings;
  QualitySettings quality;
};

// Reads both inputs and decides drift (and the data-quality findings): the typed result
// every renderer (drift/report.hpp, html, openmetrics) is derived from.
DriftRun check_drift(const DriftCheckInput& input);

// What `ml-drift schema --reference REF.csv` reads.
struct SchemaInput {
  std::string reference_path;
  ColumnChoice columns;
  std::optional<char> delimiter;
  unsigned threads = 1;
  std::size_t max_categories = 1000;
};

// The reference's profile as a schema: types, missing shares, ranges, categories, unique columns.
ExpectedDataset infer_schema(const SchemaInput& input);

}  // namespace lean
