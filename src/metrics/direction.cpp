#include "metrics/direction.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <cctype>
#include <string_view>

namespace lean {
namespace {

// Words that make a metric lower-is-better wherever they appear in its name.
constexpr std::string_view kLowerWords[] = {
    "loss",    "losses",     "error",   "errors",   "err",      "rmse",     "mse",
    "mae",     "mape",       "smape",   "wape",     "mase",     "rmsle",    "msle",
    "medae",   "mad",        "logloss", "mlogloss", "nll",      "wer",      "cer",
    "ter",     "perplexity", "ppl",     "brier",    "fpr",      "fnr",      "fdr",
    "eer",     "divergence", "kld",     "latency",  "duration", "time",     "runtime",
    "elapsed", "memory",     "cost",    "regret",   "distance", "deviance", "misclassification",
    "hinge"};

// Phrases (consecutive words) that do the same; their words alone do not ("positive rate"
// is recall's kin, "entropy" alone may be a diversity to maximise).
constexpr std::array<std::string_view, 3> kLowerPhrases[] = {
    {"false", "positive", "rate"}, {"false", "negative", "rate"}, {"false", "discovery", "rate"},
    {"miss", "rate", ""},          {"cross", "entropy", ""},      {"kl", "div", ""},
};

// A last word that is a unit of time or size: "p95_ms", "runtime_s", "model_size_mb".
constexpr std::string_view kLowerUnits[] = {"ms", "s",  "sec", "secs", "seconds", "us",  "ns",
                                            "kb", "mb", "gb",  "kib",  "mib",     "gib", "bytes"};

bool is_one_of(std::string_view word, const auto& list) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

// The part of a path after its last "." or "/": the metric itself, not its group.
std::string last_segment(const std::string& path) {
  const std::size_t cut = path.find_last_of("./");
  return cut == std::string::npos ? path : path.substr(cut + 1);
}

}  // namespace

std::vector<std::string> metric_name_words(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(word);
    word.clear();
  };
  auto kind = [](char c) {  // 0 other, 1 lower, 2 upper, 3 digit
    const auto u = static_cast<unsigned char>(c);
    return std::islower(u) ? 1 : std::isupper(u) ? 2 : std::isdigit(u) ? 3 : 0;
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const int here = kind(name[i]);
    if (here == 0) {
      flush();
      continue;
    }
    if (!word.empty()) {
      const int before = kind(name[i - 1]);
      const bool next_lower = i + 1 < name.size() && kind(name[i + 1]) == 1;
      if ((before == 3) != (here == 3)) flush();                 // "p95", "f1score"
      else if (before == 1 && here == 2) flush();                // "valLoss"
      else if (before == 2 && here == 2 && next_lower) flush();  // "HTTPError"
    }
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  flush();
  return words;
}

Direction infer_direction(const std::string& metric) {
  const std::vector<std::string> leaf = metric_name_words(last_segment(metric));
  if (!leaf.empty() && leaf.front() == "neg") {
    return {false, "the name starts with \"neg\" (a negated loss, as sklearn's neg_* scorers)"};
  }
  const std::vector<std::string> words = metric_name_words(metric);
  for (const auto& word : words) {
    if (is_one_of(word, kLowerWords)) return {true, "the name contains \"" + word + "\""};
  }
  for (const auto& phrase : kLowerPhrases) {
    const std::size_t length = phrase[2].empty() ? 2 : 3;
    for (std::size_t i = 0; i + length <= words.size(); ++i) {
      if (std::equal(phrase.begin(), phrase.begin() + length, words.begin() + i)) {
        std::string spelled;
        for (std::size_t k = 0; k < length; ++k) spelled += (k ? " " : "") + words[i + k];
        return {true, "the name contains \"" + spelled + "\""};
      }
    }
  }
  if (!words.empty() && is_one_of(words.back(), kLowerUnits) &&
      !(words.size() >= 2 && words[words.size() - 2] == "per")) {
    return {true, "the name ends in the unit \"" + words.back() + "\""};
  }
  return {false, "default"};
}

}  // namespace lean
