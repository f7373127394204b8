#pragma once

#include <string>
#include <vector>

#include "metrics/metrics.hpp"

namespace lean {

// A JSON Lines file of metrics, one object per line (a training or monitoring log),
// reduced to its last `window` records.
struct History {
  struct Record {
    std::size_t line;
    MetricSet metrics;
  };
  std::string path;
  std::vector<Record> records;    // the window, oldest first
  std::size_t total_records = 0;  // in the whole file

  // The metric's values over the window, oldest first, from the records that have it. A
  // record without it is an input error unless `allow_missing` (then it is left out).
  std::vector<double> values(const std::string& metric, bool allow_missing) const;
  // "the last 7 records (lines 3-9)", for messages about the window.
  std::string describe_window() const;
};

// window 0 means every record. Every line of the file is parsed and each metric in
// `checked` that a line holds must be a finite number, inside the window or not (an
// input error naming the line); only the window's records are kept. Fewer than min_count
// records in the window is an input error. `path` "-" reads standard input.
History load_history(const std::string& path, std::size_t window, std::size_t min_count,
                     const std::vector<std::string>& checked = {});

}  // namespace lean
