#include "metrics/metrics_formats.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/limits.hpp"
#include "csv/cells.hpp"
#include "input/s3_input.hpp"

namespace lean {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A YAML scalar as JSON: numbers (YAML 1.2 core schema: .inf and .nan are not finite, an
// error as in a JSON metrics file), booleans, null, else text.
ordered_json scalar_json(const YAML::Node& node, const std::string& path, const std::string& where) {
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always text
  if (text == "~" || text == "null" || text == "Null" || text == "NULL" || text.empty()) return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* special : {".inf", "+.inf", "-.inf", ".nan"}) {
    if (lower == special) throw_input(path, "metric \"" + where + "\" is " + text + ", not a finite number");
  }
  if (auto number = parse_finite_number(text)) {
    if (text.find_first_of(".eE") == std::string::npos && std::fabs(*number) < 9e15)
      return static_cast<std::int64_t>(*number);
    return *number;
  }
  return text;
}

ordered_json yaml_to_json(const YAML::Node& node, const std::string& path, const std::string& where,
                          std::size_t depth) {
  if (depth > limits::kJsonDepth) {
    throw_input(
        path, "nests deeper than " + std::to_string(limits::kJsonDepth) + " levels (the limit; see docs/hardening.md)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      ordered_json object = ordered_json::object();
      std::set<std::string> seen;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) throw_input(path, "a key under \"" + where + "\" is not a plain text");
        const std::string key = entry.first.Scalar();
        const std::string child = where.empty() ? key : where + "." + key;
        if (!seen.insert(key).second) throw_input(path, "duplicate key \"" + child + "\"");
        object[key] = yaml_to_json(entry.second, path, child, depth + 1);
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      ordered_json array = ordered_json::array();
      std::size_t i = 0;
      for (const auto& item : node) {  // an iterator: node[i] searches from the start
        array.push_back(yaml_to_json(item, path, where + "." + std::to_string(i++), depth + 1));
      }
      return array;
    }
    case YAML::NodeType::Scalar: return scalar_json(node, path, where);
    default: return nullptr;
  }
}

// yaml-cpp 0.7 loops without bound, allocating, on some malformed inputs the metrics_yaml
// fuzz target found: a line that starts with a flow indicator (",i+lii)"), control characters
// before one, an anchor that runs into a flow indicator ("&N4;,"), text after a quoted
// scalar or a closed flow collection ("\"a\",", "[1],"). No metrics mapping needs
// any of these, nor node properties at all (anchors, aliases, tags) or directives, so they are
// refused before yaml-cpp reads the text.
// yaml-cpp's time also grows faster than the text (quadratic in the keys of a mapping, and
// deep flow brackets cost gigabytes before it gives up), so a YAML metrics file holds at
// most kYamlEntries lines and flow items, nested at most kJsonDepth deep.
void refuse_what_yaml_cpp_cannot_bound(const std::string& path, const std::string& text) {
  std::size_t entries = 0, depth = 0;
  const auto count_entry = [&] {
    if (++entries > limits::kYamlEntries) {
      throw_input(path, "holds more than " + std::to_string(limits::kYamlEntries) +
                            " lines and items (the limit of a YAML metrics file; see docs/hardening.md)");
    }
  };
  char quote = 0;  // a quoted scalar may span lines
  for (std::size_t start = 0, line = 1; start < text.size(); ++line) {
    count_entry();
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::size_t first = text.find_first_not_of(" \t\r", start);
    const auto malformed = [&] { throw_input(path, "malformed YAML at line " + std::to_string(line)); };
    for (std::size_t i = start; i < end; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x20 && c != '\t' && c != '\r') malformed();
    }
    if (!quote && first < end && (text[first] == ',' || text[first] == ']' || text[first] == '}')) malformed();
    if (!quote && first < end && text[first] == '%') {
      throw_input(path + ":" + std::to_string(line), "YAML directives are not read in a metrics file");
    }
    bool after_closed_node = false;  // a quoted scalar or a flow collection just ended
    for (std::size_t i = start; i < end; ++i) {
      const char c = text[i];
      const bool token_start = i == start || std::strchr(" \t[{,", text[i - 1]) != nullptr;
      if (quote) {
        if (quote == '"' && c == '\\') {
          ++i;  // an escaped character
        } else if (quote == '\'' && c == '\'' && i + 1 < end && text[i + 1] == '\'') {
          ++i;  // '' is a quote inside single quotes
        } else if (c == quote) {
          quote = 0;
          after_closed_node = true;
        }
        continue;
      }
      if (after_closed_node && c != ' ' && c != '\t') {
        // YAML allows only a key's colon, a comment or, in a flow collection, its punctuation
        // after a closed node; yaml-cpp loops on other text there.
        if (!std::strchr(depth == 0 ? ":#" : ":#,]}", c)) malformed();
        after_closed_node = false;
      }
      if ((c == '"' || c == '\'') && token_start) {
        quote = c;
      } else if (c == '#' && token_start) {
        break;  // a comment
      } else if (c == '[' || c == '{') {
        if (++depth > limits::kJsonDepth) {
          throw_input(path, "nests deeper than " + std::to_string(limits::kJsonDepth) +
                                " levels (the limit; see docs/hardening.md)");
        }
      } else if (c == ']' || c == '}') {
        depth -= depth > 0;
        after_closed_node = true;
      } else if (c == ',') {
        count_entry();
      } else if ((c == '&' || c == '*' || c == '!') && token_start) {
        throw_input(path + ":" + std::to_string(line), "YAML anchors, aliases and tags are not read in a metrics file");
      }
    }
    start = end + 1;
  }
}

std::string yaml_metrics(const std::string& path) {
  const std::string text = input::read_text_input(path);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw_input(path, "is empty, expected a YAML mapping");
  refuse_what_yaml_cpp_cannot_bound(path, text);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);  // all of them: a second document must not be dropped unread
  } catch (const YAML::Exception& e) {
    throw_input(path, "malformed YAML at line " + std::to_string(e.mark.line + 1));
  }
  if (documents.size() > 1) {
    throw_input(path, "holds " + std::to_string(documents.size()) +
                          " YAML documents (separated by \"---\"); a metrics file is one document");
  }
  const YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  if (!root.IsMap()) throw_input(path, "expected a YAML mapping of metrics");
  return yaml_to_json(root, path, "", 0).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One line of an MLflow metric file: "timestamp value step" (older runs omit the step).
struct MetricPoint {
  long long step = 0, timestamp = 0;
  double value = 0;
  std::string value_text;
};

std::string mlflow_metrics(const std::string& dir) {
  const fs::path run(dir);
  std::error_code ec;
  if (!fs::exists(run / "meta.yaml", ec) || !fs::is_directory(run / "metrics", ec)) {
    throw_input(dir, "not an MLflow run: expected meta.yaml and metrics/ (mlruns/<experiment>/<run_id>)");
  }
  std::vector<std::pair<std::string, MetricPoint>> latest;
  for (auto it = fs::recursive_directory_iterator(run / "metrics", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string name =
        fs::relative(it->path(), run / "metrics").generic_string();  // "eval/accuracy" for nested names
    const std::string file = (fs::path(dir) / "metrics" / name).string();
    std::istringstream lines(read_text_file(it->path().string()));
    std::optional<MetricPoint> best;
    std::string line;
    std::size_t number = 0;
    while (std::getline(lines, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::istringstream fields(line);
      MetricPoint point;
      if (!(fields >> point.timestamp >> point.value_text)) {
        throw_input(file + ":" + std::to_string(number), "expected \"timestamp value step\"");
      }
      if (!(fields >> point.step)) point.step = 0;
      auto value = parse_finite_number(point.value_text);
      point.value = value ? *value : std::nan("");
      // MLflow's latest metric: max by (step, timestamp, value).
      if (!best ||
          std::tie(point.step, point.timestamp, point.value) > std::tie(best->step, best->timestamp, best->value)) {
        best = point;
      }
    }
    if (!best) throw_input(file, "holds no value");
    if (std::isnan(best->value))
      throw_input(file, "metric \"" + name + "\" is " + best->value_text + ", not a finite number");
    latest.emplace_back(name, *best);
  }
  if (ec) throw_input(dir, "cannot list metrics/: " + ec.message());
  std::sort(latest.begin(), latest.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  ordered_json object = ordered_json::object();
  for (const auto& [name, point] : latest) object[name] = point.value;  // flat: "eval/accuracy" stays one key
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<std::string> metrics_json_from_other_format(const std::string& path) {
  std::string lower = path;  // METRICS.YAML is YAML too
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ends_with(lower, ".yaml") || ends_with(lower, ".yml")) return yaml_metrics(path);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return mlflow_metrics(path);
  return std::nullopt;
}

std::vector<std::string> metrics_input_files(const std::string& path) {
  std::vector<std::string> files{path};
  std::error_code ec;
  if (path == "-" || !fs::is_directory(path, ec)) return files;
  files.push_back((fs::path(path) / "meta.yaml").string());
  const fs::path metrics = fs::path(path) / "metrics";
  for (auto it = fs::recursive_directory_iterator(metrics, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  return files;
}

}  // namespace lean
