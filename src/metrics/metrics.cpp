#include "metrics/metrics.hpp"

#include "input/s3_input.hpp"

#include "metrics/metrics_formats.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "core/limits.hpp"
#include "core/printable.hpp"
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
  // "line 1, column 6: invalid string: ill-formed UTF-8 byte; last read: ...": the position,
  // then what is wrong in the project's words, not the parser's.
  if (text.find("ill-formed UTF-8 byte") != std::string::npos) {
    return "malformed JSON at " + text.substr(0, text.find(':')) + ": the text is not valid UTF-8";
  }
  return "malformed JSON at " + text;
}

}  // namespace

void MetricSet::flatten(const ordered_json& value, const std::string& pointer, const std::string& dotted,
                        const std::string& source, std::size_t level, std::uint64_t array_levels) {
  if ((value.is_object() || value.is_array()) && !value.empty()) {
    // One call per level: the depth limit bounds the stack (from_json gets documents
    // that were not checked as text).
    if (level >= limits::kJsonDepth) check_json_depth(std::string(limits::kJsonDepth + 1, '['), source);
    if (value.is_object()) {
      for (const auto& [key, child] : value.items()) {
        flatten(child, pointer + "/" + escape_pointer_token(key), dotted.empty() ? key : dotted + "." + key, source,
                level + 1, array_levels);
      }
    } else {
      for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string index = std::to_string(i);
        flatten(value[i], pointer + "/" + index, dotted.empty() ? index : dotted + "." + index, source, level + 1,
                array_levels | (std::uint64_t{1} << level));
      }
    }
    return;
  }
  if (pointer.empty()) return;
  if (leaves_.size() >= limits::kMetrics) throw_too_many(source);
  leaves_.push_back({pointer, dotted, value, source, array_levels});
}

void MetricSet::throw_too_many(const std::string& source) {
  throw_input(source,
              "holds more than " + std::to_string(limits::kMetrics) + " metrics (the limit; see docs/hardening.md)");
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

MetricSet MetricSet::load(const std::string& path) {
  if (path == "-") return parse(read_text_file("/dev/stdin"), "stdin");
  if (auto converted = metrics_json_from_other_format(path)) return parse(*converted, path);  // YAML, an MLflow run
  return parse(input::read_text_input(path), path);
}

namespace {

// A syntax error as one input-error message. nlohmann's text is cleaned of its internals;
// `one_line`: the text is one line of a larger file, so the message names only the column.
std::string describe_parse_error(const nlohmann::detail::exception& e, bool one_line) {
  const std::string what = e.what();
  if (e.id == 406) {
    // nlohmann: "[json.exception.out_of_range.406] number overflow parsing '1e999'"
    const auto quote = what.find('\'');
    return "number " + (quote == std::string::npos ? std::string("") : what.substr(quote)) +
           " is out of range, not a finite number";
  }
  std::string message = clean_parse_error(what);
  // "'h.jsonl:2': malformed JSON at line 1, column 16" would name two lines.
  if (one_line && message.rfind("malformed JSON at line 1, ", 0) == 0) message.erase(18, 8);
  return message;
}

}  // namespace

// Flattens the document while parsing (SAX), without building it: an ordered_json object
// inserts each key with a linear search, which made a file of many keys quadratic (a 1 MB
// file of 60000 metrics took seconds, 16 MiB would take hours).
class MetricSet::SaxFlattener : public nlohmann::json_sax<ordered_json> {
 public:
  SaxFlattener(MetricSet& s, const std::string& src, bool line) : set(s), source(src), one_line(line) {}

  // What the syntax cannot tell: a key written twice, a root that is not an object.
  void check_document() const {
    // Duplicate keys are kept by JSON parsers (last wins); a metrics file with two values
    // for one metric is ambiguous.
    if (duplicate) throw_input(source, "duplicate key \"" + *duplicate + "\"");
    if (!root_type.empty()) throw_input(source, "expected a JSON object, found " + root_type);
  }

  bool null() override { return value(nullptr); }
  bool boolean(bool v) override { return value(v); }
  bool number_integer(number_integer_t v) override { return value(v); }
  bool number_unsigned(number_unsigned_t v) override { return value(v); }
  bool number_float(number_float_t v, const string_t&) override { return value(v); }
  bool string(string_t& v) override { return value(std::move(v)); }
  bool binary(binary_t&) override { return true; }  // not in JSON text
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    Frame& frame = frames.back();
    if (!frame.keys.insert(k).second && !duplicate) duplicate = k;
    frame.key = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw_input(source, describe_parse_error(e, one_line));
  }

 private:
  struct Frame {
    bool array = false;
    std::size_t level = 0, children = 0;
    std::uint64_t array_levels = 0;  // of this container's own pointer
    std::string pointer, dotted, key;
    std::set<std::string> keys;  // to find a key written twice
  };

  // The pointer, dotted name and array levels of the next child of the innermost container.
  std::tuple<std::string, std::string, std::uint64_t> next_child() {
    Frame& parent = frames.back();
    const std::string name = parent.array ? std::to_string(parent.children) : parent.key;
    ++parent.children;
    return {parent.pointer + "/" + (parent.array ? name : escape_pointer_token(name)),
            parent.dotted.empty() ? name : parent.dotted + "." + name,
            parent.array_levels | (std::uint64_t{parent.array} << parent.level)};
  }
  void add_leaf(std::string pointer, std::string dotted, ordered_json value, std::uint64_t array_levels) {
    if (set.leaves_.size() >= limits::kMetrics) throw_too_many(source);
    set.leaves_.push_back({std::move(pointer), std::move(dotted), std::move(value), source, array_levels});
  }
  bool value(ordered_json value) {
    if (frames.empty()) {
      root_type = describe_type(value);
    } else if (!ignore) {
      auto [pointer, dotted, levels] = next_child();
      add_leaf(std::move(pointer), std::move(dotted), std::move(value), levels);
    }
    return true;
  }
  bool open(bool array) {
    if (frames.empty()) {
      if (array) {
        root_type = "an array";
        ignore = true;
      }
      frames.push_back({array, 0, 0, 0, "", "", "", {}});
      return true;
    }
    if (ignore) {
      frames.push_back({array, frames.back().level + 1, 0, 0, "", "", "", {}});
      return true;
    }
    auto [pointer, dotted, levels] = next_child();
    frames.push_back({array, frames.back().level + 1, 0, levels, std::move(pointer), std::move(dotted), "", {}});
    return true;
  }
  bool close() {
    Frame frame = std::move(frames.back());
    frames.pop_back();
    // An empty object or array inside the document is a leaf ("is an object, not a number").
    if (!frames.empty() && frame.children == 0 && !ignore) {
      add_leaf(std::move(frame.pointer), std::move(frame.dotted),
               frame.array ? ordered_json::array() : ordered_json::object(), frame.array_levels);
    }
    return true;
  }

  MetricSet& set;
  const std::string& source;
  std::vector<Frame> frames;
  bool ignore = false;  // the root is not an object: only the syntax is checked
  std::string root_type;
  std::optional<std::string> duplicate;  // the first key written twice (it may be "")
  bool one_line = false;
};

MetricSet MetricSet::parse(const std::string& text, const std::string& source, bool one_line) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw_input(source, "is empty, expected a JSON object");
  check_json_depth(text, source);  // also keeps array_levels within its 64 bits
  MetricSet set;
  set.source_ = source;
  SaxFlattener flattener(set, source, one_line);
  ordered_json::sax_parse(mark_nonfinite_tokens(text), &flattener);
  flattener.check_document();
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
  // Pointers are unique within a set: look them up by hash, not by scanning (two large
  // files would take quadratic time).
  leaves_.reserve(leaves_.size() + other.leaves_.size());  // no reallocation: the views below stay valid
  std::unordered_map<std::string_view, std::size_t> mine;
  mine.reserve(leaves_.size());
  for (std::size_t i = 0; i < leaves_.size(); ++i) mine.emplace(leaves_[i].pointer, i);
  for (const auto& leaf : other.leaves_) {
    if (auto it = mine.find(leaf.pointer); it != mine.end()) {
      const Leaf& known = leaves_[it->second];
      if (known.value != leaf.value) {
        // A text value quoted as every message quotes (a JSON dump would show ESC as \u001b).
        const auto shown = [](const auto& value) {
          return value.is_string() ? quote_printable(value.template get<std::string>()) : value.dump();
        };
        throw_input(leaf.source, "metric \"" + leaf.dotted + "\" is " + shown(leaf.value) + " here but " +
                                     shown(known.value) + " in '" + known.source + "'");
      }
      continue;
    }
    if (leaves_.size() >= limits::kMetrics) throw_too_many(leaf.source);
    leaves_.push_back(leaf);
  }
  index_.clear();
  index_by_pointer_.clear();
  source_ = source_.empty() ? other.source_ : source_ + ", " + other.source_;
}

std::vector<std::string> MetricSet::names() const {
  std::vector<std::string> out;
  for (const auto& leaf : leaves_) out.push_back(leaf.dotted);
  return out;
}

const MetricSet::Leaf* MetricSet::find_leaf(const std::string& path) const {
  const bool pointer = !path.empty() && path[0] == '/';
  auto name_of = [pointer](const Leaf& leaf) -> const std::string& { return pointer ? leaf.pointer : leaf.dotted; };
  // A large set is searched through an index sorted by name (built once per kind of name),
  // so many checks over many metrics stay fast; equal names keep their file order.
  std::vector<std::uint32_t>& index = pointer ? index_by_pointer_ : index_;
  if (leaves_.size() > 64 && index.size() != leaves_.size()) {
    index.resize(leaves_.size());
    for (std::uint32_t i = 0; i < index.size(); ++i) index[i] = i;
    std::stable_sort(index.begin(), index.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return name_of(leaves_[a]) < name_of(leaves_[b]); });
  }
  std::vector<const Leaf*> candidates;
  if (leaves_.size() > 64) {
    auto [first, last] = std::equal_range(index.begin(), index.end(), path, [&](const auto& a, const auto& b) {
      if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::string>) return a < name_of(leaves_[b]);
      else return name_of(leaves_[a]) < b;
    });
    for (auto it = first; it != last; ++it) candidates.push_back(&leaves_[*it]);
  } else {
    for (const auto& leaf : leaves_) candidates.push_back(&leaf);
  }
  const Leaf* found = nullptr;
  for (const Leaf* candidate : candidates) {
    const Leaf& leaf = *candidate;
    if (name_of(leaf) != path) continue;
    if (found) {
      throw_input(leaf.source, "metric name \"" + path + "\" is ambiguous (" + found->pointer + " and " + leaf.pointer +
                                   "); name it by JSON Pointer");
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
    throw_input(source_,
                "metric \"" + path + "\" is an object, not a number (it holds " + join_limited(below, 5) + ")");
  }
  std::string message = "no metric \"" + path + "\"";
  std::optional<std::string> guess = closest_match(path, candidates);
  if (!guess) {
    // A shortened name: "eval.f1" for "eval.f1_score" (the name and then a word separator).
    for (const auto& name : candidates) {
      if (name.size() > path.size() && name.rfind(path, 0) == 0 &&
          std::string_view("._-/").find(name[path.size()]) != std::string_view::npos &&
          (!guess || name.size() < guess->size())) {
        guess = name;
      }
    }
  }
  message += did_you_mean(guess);
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
  // Rebuilt step by step from each leaf's pointer, creating arrays exactly where the file
  // had them: a key that merely looks like an index ({"b": {"30000000": 1}}) stays a key
  // (json_pointer would have grown an array of 30 million nulls).
  ordered_json out = ordered_json::object();
  for (const auto& leaf : leaves_) {
    ordered_json* node = &out;
    std::size_t level = 0, start = 1;
    while (start <= leaf.pointer.size()) {
      std::size_t end = leaf.pointer.find('/', start);
      if (end == std::string::npos) end = leaf.pointer.size();
      std::string token;
      for (std::size_t i = start; i < end; ++i) {
        if (leaf.pointer[i] == '~' && i + 1 < end) token += leaf.pointer[++i] == '1' ? '/' : '~';
        else token += leaf.pointer[i];
      }
      const bool array = level < 64 && (leaf.array_levels >> level & 1);
      if (node->is_null()) *node = array ? ordered_json::array() : ordered_json::object();
      if (node->is_array() && array) {
        // Items arrive in order, so the index is at most the current size (no gap to fill).
        const std::size_t i = std::stoul(token);
        if (i >= node->size()) node->push_back(nullptr);
        node = &(*node)[std::min(i, node->size() - 1)];
      } else if (node->is_object()) {
        node = &(*node)[token];
      } else {
        throw_input(leaf.source,
                    "metric \"" + leaf.dotted + "\" is nested where another file has a different kind of value");
      }
      ++level;
      start = end + 1;
    }
    *node = leaf.value;
  }
  return out;
}

}  // namespace lean
