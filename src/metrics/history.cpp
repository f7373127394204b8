#include "metrics/history.hpp"

#include <algorithm>
#include <deque>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/limits.hpp"

namespace lean {

std::vector<double> History::values(const std::string& metric, bool allow_missing) const {
  std::vector<double> out;
  for (const auto& record : records) {
    if (allow_missing) {
      if (auto value = record.metrics.find_number(metric)) out.push_back(*value);
    } else {
      out.push_back(record.metrics.number(metric));
    }
  }
  return out;
}

namespace {

[[noreturn]] void throw_too_many(const std::string& path) {
  throw_input(path, "the window holds more than " + std::to_string(limits::kMetrics) +
                        " metrics (the limit; see docs/hardening.md): give a smaller --window");
}

}  // namespace

History load_history(const std::string& path, std::size_t window, std::size_t min_count) {
  const std::string text = read_text_file(path, limits::kHistoryFileBytes);
  // Find the window's lines first: only those are parsed, however long the log grows, and
  // only the window's are kept while looking (a log of millions of "{}" lines is bounded).
  std::deque<std::pair<std::size_t, std::string_view>> lines;
  std::size_t line_number = 0, start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    std::string_view line(text.data() + start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      lines.emplace_back(line_number, line);
      if (window && lines.size() > window) lines.pop_front();
      if (lines.size() > limits::kMetrics) throw_too_many(path);
    }
    start = end + 1;
  }
  if (lines.size() < min_count) {
    throw_input(path, "has " + std::to_string(lines.size()) + " records, fewer than the " + std::to_string(min_count) +
                          " required (lower the requirement with --min-count)");
  }
  History history;
  history.path = path;
  std::size_t held = 0;  // metrics in memory, a record counting at least one
  for (const auto& [number, line] : lines) {
    history.records.push_back({number, MetricSet::parse(std::string(line), path + ":" + std::to_string(number))});
    held += std::max<std::size_t>(1, history.records.back().metrics.size());
    if (held > limits::kMetrics) throw_too_many(path);
  }
  return history;
}

}  // namespace lean
