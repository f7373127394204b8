#pragma once

#include <string>
#include <vector>

namespace lean {

// Which way a metric improves, and why the tool thinks so (stated in reports).
struct Direction {
  bool lower_is_better = false;
  std::string reason;
};

// The lower-case words of a metric name: split at every character that is not a letter or
// digit (".", "/", "_", "-", ...), at camelCase humps ("valLoss", "HTTPError") and between
// letters and digits ("p95" is "p", "95").
std::vector<std::string> metric_name_words(const std::string& name);

// The direction a metric's name implies (docs/ml-compare.md has the table):
// - a last path segment starting with the word "neg" (sklearn's negated scorers,
//   neg_log_loss) is higher-is-better;
// - lower is better when a word is a loss, error, distance or cost (loss, error, rmse, mape,
//   logloss, wer, perplexity, latency, memory, ...), a phrase is one (false positive rate,
//   cross entropy, kl divergence), or the last word is a unit of time or size (ms, s, mb);
// - otherwise higher is better ("default").
Direction infer_direction(const std::string& metric);

}  // namespace lean
