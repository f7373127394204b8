#include "drift/schema.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/limits.hpp"
#include "core/suggest.hpp"
#include "drift/report.hpp"

namespace lean {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

const std::vector<std::string> kTopFields = {"schema_version", "rows", "duplicate_share", "columns"};
const std::vector<std::string> kColumnFields = {"name", "type", "optional",   "missing_share",
                                                "min",  "max",  "categories", "unique"};

// Collects every field the format does not define, so one error names them all.
void unknown_fields(const json& object, const std::vector<std::string>& known, const std::string& prefix,
                    std::vector<std::string>& out) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string text = "\"" + prefix + key + "\"";
    if (auto guess = closest_match(key, known)) text += " (did you mean \"" + prefix + *guess + "\"?)";
    out.push_back(text);
  }
}

double share_field(const json& object, const char* key, const std::string& where, const std::string& path) {
  if (!object.contains(key)) return 0;
  const json& value = object[key];
  if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1) {
    throw_config(path, "\"" + where + key + "\" must be a share between 0 and 1, not " + value.dump());
  }
  return value.get<double>();
}

bool bool_field(const json& object, const char* key, const std::string& where, const std::string& path) {
  if (!object.contains(key)) return false;
  if (!object[key].is_boolean())
    throw_config(path, "\"" + where + key + "\" must be true or false, not " + object[key].dump());
  return object[key].get<bool>();
}

std::optional<double> number_field(const json& object, const char* key, const std::string& where,
                                   const std::string& path) {
  if (!object.contains(key)) return std::nullopt;
  if (!object[key].is_number())
    throw_config(path, "\"" + where + key + "\" must be a number, not " + object[key].dump());
  return object[key].get<double>();
}

ExpectedColumn parse_column(const json& item, std::size_t index, const std::string& path) {
  const std::string where = "columns[" + std::to_string(index) + "].";
  if (!item.is_object()) throw_config(path, "\"columns[" + std::to_string(index) + "]\" must be an object");
  ExpectedColumn column;
  if (!item.contains("name") || !item["name"].is_string() || item["name"].get<std::string>().empty()) {
    throw_config(path, "\"" + where + "name\" must be the column's name");
  }
  column.name = item["name"].get<std::string>();
  // null: the reference had no value, so any type passes (what ml-drift schema writes then).
  column.untyped = item.contains("type") && item["type"].is_null();
  const std::string type = item.contains("type") && item["type"].is_string() ? item["type"].get<std::string>() : "";
  if (type != "numeric" && type != "categorical" && !column.untyped) {
    throw_config(path, "\"" + where + "type\" must be \"numeric\", \"categorical\" or null");
  }
  column.numeric = type == "numeric";
  if (column.untyped && (item.contains("min") || item.contains("max") || item.contains("categories"))) {
    throw_config(path, "\"" + where + "type\" is null: min, max and categories need a type");
  }
  column.optional = bool_field(item, "optional", where, path);
  column.missing_share = share_field(item, "missing_share", where, path);
  column.unique = bool_field(item, "unique", where, path);
  column.empty = column.missing_share >= 1;
  column.min = number_field(item, "min", where, path);
  column.max = number_field(item, "max", where, path);
  if (!column.numeric && (column.min || column.max))
    throw_config(path, "\"" + where + "min\" and \"max\" are for numeric columns");
  if (column.min.has_value() != column.max.has_value())
    throw_config(path, "\"" + where + "min\" and \"max\" go together");
  if (column.min && *column.min > *column.max) throw_config(path, "\"" + where + "min\" is above \"max\"");
  if (item.contains("categories")) {
    if (column.numeric) throw_config(path, "\"" + where + "categories\" are for categorical columns");
    const json& list = item["categories"];
    if (!list.is_array()) throw_config(path, "\"" + where + "categories\" must be a list of strings");
    for (const auto& value : list) {
      if (!value.is_string())
        throw_config(path, "\"" + where + "categories\" holds " + value.dump() + ", not a string");
      column.categories.push_back(value.get<std::string>());
    }
    std::sort(column.categories.begin(), column.categories.end());  // hand edits need not keep the order
    column.categories.erase(std::unique(column.categories.begin(), column.categories.end()), column.categories.end());
    column.categories_listed = true;
  }
  column.constant = column.numeric ? (column.min && *column.min == *column.max)
                                   : (column.categories_listed && column.categories.size() == 1);
  return column;
}

// Whole numbers written without ".0" (18, not 18.0): the file is read and edited by people.
ordered_json number_json(double value) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (value == std::floor(value) && std::fabs(value) < kExact) return static_cast<std::int64_t>(value);
  return value;
}

}  // namespace

ordered_json schema_json(const ExpectedDataset& profile) {
  ordered_json out;
  out["schema_version"] = kSchemaVersion;
  out["rows"] = profile.rows;
  out["duplicate_share"] = number_json(profile.duplicate_share);
  ordered_json columns = ordered_json::array();
  for (const auto& column : profile.columns) {
    ordered_json item;
    item["name"] = valid_utf8(column.name);
    item["type"] = column.untyped ? ordered_json(nullptr) : ordered_json(column.numeric ? "numeric" : "categorical");
    item["optional"] = column.optional;
    item["missing_share"] = number_json(column.missing_share);
    if (column.min) item["min"] = number_json(*column.min);
    if (column.max) item["max"] = number_json(*column.max);
    if (column.categories_listed && !column.untyped) {
      std::vector<std::string> texts;
      for (const auto& text : column.categories) texts.push_back(valid_utf8(text));
      std::sort(texts.begin(), texts.end());
      item["categories"] = texts;
    }
    item["unique"] = column.unique;
    columns.push_back(std::move(item));
  }
  out["columns"] = std::move(columns);
  return out;
}

ExpectedDataset parse_schema(const std::string& text, const std::string& path) {
  if (json_nesting_depth(text) > limits::kJsonDepth) {
    throw_config(
        path, "nests deeper than " + std::to_string(limits::kJsonDepth) + " levels (the limit; see docs/hardening.md)");
  }
  // A key written twice in one object is refused: the JSON library would keep the last one
  // silently, and a hand edit that adds "max" beside the old one must not be half-read.
  std::vector<std::set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  const json::parser_callback_t track = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty() && !duplicate && parsed.is_string()) {
      if (!open_objects.back().insert(parsed.get_ref<const std::string&>()).second)
        duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json schema;
  try {
    schema = json::parse(text, track);
  } catch (const json::exception&) {  // also out_of_range: a number like 1e999
    throw_config(
        path, "malformed JSON; a schema is {\"schema_version\": 1, \"columns\": [...]} (ml-drift schema writes one)");
  }
  if (duplicate) throw_config(path, "duplicate key \"" + *duplicate + "\"");
  if (!schema.is_object()) throw_config(path, "a schema is a JSON object: {\"schema_version\": 1, \"columns\": [...]}");
  if (!schema.contains("schema_version")) throw_config(path, "no \"schema_version\"; this ml-drift reads version 1");
  const json& version = schema["schema_version"];
  // Any number form of the integer (1, 1.0, 1e0): JSON does not tell them apart, and tools
  // that rewrite the file (Python's json with floats, jq) may change the spelling.
  if (!version.is_number() || version.get<double>() != static_cast<double>(kSchemaVersion)) {
    throw_config(path, "schema_version " + version.dump() + " is not supported; this ml-drift reads version 1");
  }
  std::vector<std::string> unknown;
  unknown_fields(schema, kTopFields, "", unknown);
  if (schema.contains("columns") && schema["columns"].is_array()) {
    for (std::size_t i = 0; i < schema["columns"].size(); ++i) {
      if (schema["columns"][i].is_object()) {
        unknown_fields(schema["columns"][i], kColumnFields, "columns[" + std::to_string(i) + "].", unknown);
      }
    }
  }
  if (!unknown.empty()) {
    std::string message = unknown.size() == 1 ? "unknown schema field " : "unknown schema fields ";
    for (std::size_t i = 0; i < unknown.size(); ++i) message += (i ? ", " : "") + unknown[i];
    throw_config(path, message);
  }
  ExpectedDataset profile;
  if (schema.contains("rows")) {
    if (!schema["rows"].is_number_unsigned())
      throw_config(path, "\"rows\" must be a whole number, not " + schema["rows"].dump());
    profile.rows = schema["rows"].get<std::uint64_t>();
  }
  profile.duplicate_share = share_field(schema, "duplicate_share", "", path);
  if (!schema.contains("columns") || !schema["columns"].is_array() || schema["columns"].empty()) {
    throw_config(path, "\"columns\" must be a non-empty list of columns");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < schema["columns"].size(); ++i) {
    ExpectedColumn column = parse_column(schema["columns"][i], i, path);
    if (!names.insert(column.name).second) throw_config(path, "column \"" + column.name + "\" appears twice");
    profile.columns.push_back(std::move(column));
  }
  return profile;
}

ExpectedDataset read_schema(const std::string& path) {
  std::string text;
  try {
    text = read_text_file(path);
  } catch (const Error& e) {
    throw_config(path, e.what());  // a schema is configuration: exit 2, not 3
  }
  return parse_schema(text, path);
}

}  // namespace lean
