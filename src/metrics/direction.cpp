#include "metrics/direction.hpp"

#include <array>
#include <cctype>

namespace lean {

Direction infer_direction(const std::string& metric) {
  static constexpr std::array<const char*, 9> kLossWords = {"loss",    "error", "rmse", "mae", "mse",
                                                            "latency", "duration", "time", "cost"};
  std::string word;
  auto matches = [&]() {
    for (const char* loss : kLossWords) {
      if (word == loss) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i <= metric.size(); ++i) {
    const bool separator = i == metric.size() || !std::isalnum(static_cast<unsigned char>(metric[i]));
    if (!separator) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(metric[i])));
      continue;
    }
    if (matches()) return {true, "the name contains \"" + word + "\""};
    word.clear();
  }
  return {false, "default"};
}

}  // namespace lean
