#include "metrics/history.hpp"

#include <algorithm>
#include <deque>
#include <iterator>

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

std::string History::describe_window() const {
  if (records.empty()) return "the window (no records)";
  const std::string lines = "line" + std::string(records.size() == 1 ? " " : "s ") +
                            std::to_string(records.front().line) +
                            (records.size() == 1 ? "" : "-" + std::to_string(records.back().line));
  const std::string count = records.size() == 1 ? "record" : std::to_string(records.size()) + " records";
  if (records.size() == total_records) return (records.size() == 1 ? "the only " : "all ") + count + " (" + lines + ")";
  return "the last " + count + " (" + lines + ")";
}

namespace {

[[noreturn]] void throw_too_many(const std::string& path) {
  throw_input(path, "the window holds more than " + std::to_string(limits::kMetrics) +
                        " metrics (the limit; see docs/hardening.md): give a smaller --window");
}

}  // namespace

History load_history(const std::string& path, std::size_t window, std::size_t min_count,
                     const std::vector<std::string>& checked) {
  const std::string source = path == "-" ? "stdin" : path;
  const std::string text = path == "-" ? read_text_file("/dev/stdin", limits::kHistoryFileBytes)
                                       : read_text_file(path, limits::kHistoryFileBytes);
  History history;
  history.path = source;
  // Every line is parsed and checked, so a malformed line or a NaN before the window is
  // not passed over; only the window's records are kept (a log of millions of lines stays
  // bounded in memory).
  std::deque<History::Record> kept;
  std::size_t held = 0;  // metrics in memory, a record counting at least one
  std::size_t line_number = 0, start = 0;
  auto weight = [](const History::Record& record) { return std::max<std::size_t>(1, record.metrics.size()); };
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    History::Record record{line_number,
                           MetricSet::parse(std::string(line), source + ":" + std::to_string(line_number), true)};
    for (const auto& metric : checked) record.metrics.find_number(metric);  // throws for NaN, strings, ...
    ++history.total_records;
    held += weight(record);
    kept.push_back(std::move(record));
    if (window && kept.size() > window) {
      held -= weight(kept.front());
      kept.pop_front();
    }
    if (held > limits::kMetrics) throw_too_many(source);
  }
  if (kept.size() < min_count) {
    throw_input(source, "has " + std::to_string(kept.size()) + " records, fewer than the " + std::to_string(min_count) +
                            " required (lower the requirement with --min-count)");
  }
  history.records.assign(std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end()));
  return history;
}

}  // namespace lean
