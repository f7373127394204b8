#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "drift/quality.hpp"

namespace lean {

constexpr int kSchemaVersion = 1;

// The schema file `ml-drift schema` writes (docs/ml-drift.md, "Schema"): deterministic,
// one column per object in file order, categories sorted, so it diffs and edits by hand.
nlohmann::ordered_json schema_json(const ExpectedDataset& profile);

// Reads a schema file. Anything wrong with it (unreadable, malformed, an unknown field,
// another version, a value of the wrong type) is a configuration error naming the file.
ExpectedDataset read_schema(const std::string& path);

// The same, from the file's text; `path` names it in errors.
ExpectedDataset parse_schema(const std::string& text, const std::string& path);

}  // namespace lean
