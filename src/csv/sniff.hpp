#pragma once

#include <optional>
#include <string>

namespace lean {

// What a data file is when its first bytes say it is not CSV text: "a Parquet file", "a ZIP
// archive (an .xlsx workbook?)", "an executable (ELF)", "a JSON file", "UTF-16 text", "a
// binary file (it holds NUL bytes)". nullopt for anything else, gzip included (CsvReader
// reads it), and for a file that cannot be opened (the reader says why).
std::optional<std::string> non_csv_kind(const std::string& path);

}  // namespace lean
