#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lean {

// The metrics of one or more JSON files, flattened to their leaves. A metric is named by
// a dotted path ("eval.accuracy") or a JSON Pointer ("/eval/accuracy"), the unambiguous
// form when keys themselves contain dots.
class MetricSet {
 public:
  // Reads a JSON object from a file ("-": standard input, named "stdin"); every problem is
  // an input error naming the file.
  static MetricSet load(const std::string& path);
  // Parses JSON text that came from `source` (a file name, "file:line", a registry URL).
  // `one_line`: the text is one line of a larger file, so a syntax error names only its column.
  static MetricSet parse(const std::string& text, const std::string& source, bool one_line = false);
  static MetricSet from_json(const nlohmann::json& object, const std::string& source);

  // Adds another set; a metric defined in both with different values is an input error.
  void merge(const MetricSet& other);

  // The finite number at `path`; an input error when it is missing or not a finite number.
  double number(const std::string& path) const;
  // As number(), but std::nullopt when the metric does not exist at all.
  std::optional<double> find_number(const std::string& path) const;

  // How many metrics (leaves) the set holds.
  std::size_t size() const { return leaves_.size(); }
  // Dotted names of every leaf, in file order.
  std::vector<std::string> names() const;
  // The file(s) the metrics came from, for error messages: "a.json" or "a.json, b.json".
  const std::string& source() const { return source_; }
  // The metrics as the nested JSON object they were read from (merged).
  nlohmann::ordered_json to_json() const;

 private:
  struct Leaf {
    std::string pointer;
    std::string dotted;
    nlohmann::ordered_json value;
    std::string source;
    std::uint64_t array_levels = 0;  // bit i: the i-th step of the pointer indexes an array
  };
  class SaxFlattener;  // parse()'s SAX handler (metrics.cpp)
  void flatten(const nlohmann::ordered_json& value, const std::string& pointer, const std::string& dotted,
               const std::string& source, std::size_t level = 0, std::uint64_t array_levels = 0);
  const Leaf* find_leaf(const std::string& path) const;
  [[noreturn]] void throw_missing(const std::string& path) const;
  [[noreturn]] static void throw_too_many(const std::string& source);

  std::vector<Leaf> leaves_;
  // Leaf numbers sorted by dotted name and by pointer, built on the first lookup in a large set.
  mutable std::vector<std::uint32_t> index_, index_by_pointer_;
  std::string source_;
};

// Python's json module writes NaN, Infinity and -Infinity, which JSON does not allow.
// Rewrites those bare tokens (outside strings) to marker strings, so that a metric holding
// one is reported by its path instead of as a syntax error somewhere in the file.
std::string mark_nonfinite_tokens(const std::string& text);

}  // namespace lean
