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
  std::vector<Record> records;  // oldest first

  // The metric's values over the window, oldest first. A record without the metric is an
  // input error, or skipped when allow_missing.
  std::vector<double> values(const std::string& metric, bool allow_missing) const;
};

// window 0 means every record. Fewer than min_count records is an input error.
History load_history(const std::string& path, std::size_t window, std::size_t min_count);

}  // namespace lean
