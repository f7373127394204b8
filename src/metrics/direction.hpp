#pragma once

#include <string>

namespace lean {

// Which way a metric improves, and why the tool thinks so (stated in reports).
struct Direction {
  bool lower_is_better = false;
  std::string reason;
};

// Lower is better when the path has a word that marks a loss (loss, error, rmse, mae,
// mse, latency, duration, time, cost) as one of its "."/"_"/"-"/"/"-separated words.
Direction infer_direction(const std::string& metric);

}  // namespace lean
