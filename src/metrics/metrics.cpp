#include "metrics/metrics.hpp"

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/suggest.hpp"

namespace lean {
namespace {

// Control characters only appear escaped in JSON strings, so no real value starts so.
constexpr char kNonfiniteMarker[] = "\x01nonfinite:";

using ordered_json = nlohmann::ordered_json;

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string describe_type(const ordered_json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.rfind(kNonfiniteMarker, 0) == 0) return text.substr(sizeof kNonfiniteMarker - 1);
    return "a string (\"" + text + "\")";
  }
  if (value.is_boolean()) return value.get<bool>() ? "true (a boolean)" : "false (a boolean)";
  if (value.is_null()) return "null";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return "a number";
}

std::string clean_parse_error(const std::string& what) {
  // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 5: syntax
  // error while parsing value - unexpected end of input; expected ..."
  std::string text = what;
  if (auto at = text.find("parse error at "); at != std::string::npos) text = text.substr(at + 15);
  for (const char* noise : {"syntax error while parsing object key - ", "syntax error while parsing object - ",
                            "syntax error while parsing array - ", "syntax error while parsing value - "}) {
    if (auto at = text.find(noise); at != std::string::npos) text.erase(at, std::string(noise).size());
  }
  return "malformed JSON at " + text;
}

}  // namespace

void MetricSet::flatten(const ordered_json& value, const std::string& pointer, const std::string& dotted,
                        const std::string& source) {
  if ((value.is_object() || value.is_array()) && !value.empty()) {
    if (value.is_object()) {
      for (const auto& [key, child] : value.items()) {
        flatten(child, pointer + "/" + escape_pointer_token(key), dotted.empty() ? key : dotted + "." + key, source);
      }
    } else {
      for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string index = std::to_string(i);
        flatten(value[i], pointer + "/" + index, dotted.empty() ? index : dotted + "." + index, source);
      }
    }
    return;
  }
  if (!pointer.empty()) leaves_.push_back({pointer, dotted, value, source});
}

std::string mark_nonfinite_tokens(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    bool replaced = false;
    for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
      std::string_view t(token);
      if (text.compare(i, t.size(), t) == 0) {
        out += "\"\\u0001nonfinite:";
        out += token;
        out += '"';
        i += t.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

MetricSet MetricSet::load(const std::string& path) { return parse(read_text_file(path), path); }

MetricSet MetricSet::parse(const std::string& text, const std::string& source) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw_input(source, "is empty, expected a JSON object");
  // Duplicate keys are kept by the parser (last wins); a metrics file with two values
  // for one metric is ambiguous, so find them while parsing.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto watch_keys = [&](int, nlohmann::json::parse_event_t event, ordered_json& parsed) {
    using event_t = nlohmann::json::parse_event_t;
    if (event == event_t::object_start) open_objects.emplace_back();
    else if (event == event_t::object_end) open_objects.pop_back();
    else if (event == event_t::key && duplicate.empty() && !open_objects.back().insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  ordered_json doc;
  try {
    doc = ordered_json::parse(mark_nonfinite_tokens(text), watch_keys);
  } catch (const nlohmann::json::parse_error& e) {
    throw_input(source, clean_parse_error(e.what()));
  } catch (const nlohmann::json::out_of_range& e) {
    // nlohmann: "[json.exception.out_of_range.406] number overflow parsing '1e999'"
    const std::string what = e.what();
    const auto quote = what.find('\'');
    throw_input(source, "number " + (quote == std::string::npos ? std::string("") : what.substr(quote)) +
                            " is out of range, not a finite number");
  }
  if (!duplicate.empty()) throw_input(source, "duplicate key \"" + duplicate + "\"");
  if (!doc.is_object()) throw_input(source, "expected a JSON object, found " + describe_type(doc));
  MetricSet set;
  set.source_ = source;
  set.flatten(doc, "", "", source);
  return set;
}

MetricSet MetricSet::from_json(const nlohmann::json& object, const std::string& source) {
  if (!object.is_object()) throw_input(source, "expected a JSON object of metrics, found " + describe_type(object));
  MetricSet set;
  set.source_ = source;
  set.flatten(ordered_json(object), "", "", source);
  return set;
}

void MetricSet::merge(const MetricSet& other) {
  for (const auto& leaf : other.leaves_) {
    bool known = false;
    for (const auto& mine : leaves_) {
      if (mine.pointer != leaf.pointer) continue;
      known = true;
      if (mine.value != leaf.value) {
        throw_input(leaf.source, "metric \"" + leaf.dotted + "\" is " + leaf.value.dump() + " here but " +
                                     mine.value.dump() + " in '" + mine.source + "'");
      }
    }
    if (!known) leaves_.push_back(leaf);
  }
  source_ = source_.empty() ? other.source_ : source_ + ", " + other.source_;
}

std::vector<std::string> MetricSet::names() const {
  std::vector<std::string> out;
  for (const auto& leaf : leaves_) out.push_back(leaf.dotted);
  return out;
}

const MetricSet::Leaf* MetricSet::find_leaf(const std::string& path) const {
  const bool pointer = !path.empty() && path[0] == '/';
  const Leaf* found = nullptr;
  for (const auto& leaf : leaves_) {
    if ((pointer ? leaf.pointer : leaf.dotted) != path) continue;
    if (found) {
      throw_input(leaf.source, "metric name \"" + path + "\" is ambiguous (" + found->pointer + " and " +
                                   leaf.pointer + "); name it by JSON Pointer");
    }
    found = &leaf;
  }
  return found;
}

void MetricSet::throw_missing(const std::string& path) const {
  const bool pointer = !path.empty() && path[0] == '/';
  std::vector<std::string> candidates, below;
  for (const auto& leaf : leaves_) {
    const std::string& name = pointer ? leaf.pointer : leaf.dotted;
    candidates.push_back(name);
    if (name.rfind(path + (pointer ? "/" : "."), 0) == 0) below.push_back(name);
  }
  if (!below.empty()) {
    throw_input(source_, "metric \"" + path + "\" is an object, not a number (it holds " + join_limited(below, 5) + ")");
  }
  std::string message = "no metric \"" + path + "\"";
  if (auto guess = closest_match(path, candidates)) message += "; did you mean \"" + *guess + "\"?";
  message += candidates.empty() ? " (the file has no metrics)" : " (available: " + join_limited(candidates, 8) + ")";
  throw_input(source_, message);
}

std::optional<double> MetricSet::find_number(const std::string& path) const {
  const Leaf* leaf = find_leaf(path);
  if (!leaf) return std::nullopt;
  if (!leaf->value.is_number()) {
    throw_input(leaf->source, "metric \"" + path + "\" is " + describe_type(leaf->value) + ", not a finite number");
  }
  double value = leaf->value.get<double>();
  if (!std::isfinite(value)) {
    throw_input(leaf->source, "metric \"" + path + "\" is " + format_number(value) + ", not a finite number");
  }
  return value;
}

double MetricSet::number(const std::string& path) const {
  if (auto value = find_number(path)) return *value;
  throw_missing(path);
}

nlohmann::ordered_json MetricSet::to_json() const {
  ordered_json out = ordered_json::object();
  for (const auto& leaf : leaves_) {
    if (leaf.pointer.empty()) continue;
    out[ordered_json::json_pointer(leaf.pointer)] = leaf.value;
  }
  return out;
}

}  // namespace lean
