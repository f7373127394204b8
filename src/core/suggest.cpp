#include "core/suggest.hpp"

#include <algorithm>

#include "core/printable.hpp"

namespace lean {

// Optimal string alignment: Levenshtein plus the swap of two adjacent characters as one
// edit, the commonest typo ("chrun" for "churn"). Only the cells within `limit` of the
// diagonal can hold a distance of at most `limit`, so only they are computed: looking a name
// up among thousands of similar long ones (a metrics file's) stays linear in their length.
std::size_t bounded_edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t n = a.size(), m = b.size(), over = limit + 1;
  if ((n > m ? n - m : m - n) > limit) return over;
  std::vector<std::size_t> before(m + 2, over), previous(m + 2, over), row(m + 2, over);
  for (std::size_t j = 0; j <= std::min(m, limit); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t lo = i > limit ? i - limit : 1, hi = std::min(m, i + limit);
    row[lo - 1] = lo == 1 ? i : over;  // outside the band: more than the limit
    for (std::size_t j = lo; j <= hi; ++j) {
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = std::min(row[j], before[j - 2] + 1);
    }
    row[hi + 1] = over;
    before.swap(previous);
    previous.swap(row);
  }
  return std::min(previous[m], over);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  return bounded_edit_distance(a, b, std::max(a.size(), b.size()));
}

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = bounded_edit_distance(word, candidate, best_distance - 1);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  return did_you_mean(closest_match(word, candidates));
}

std::string did_you_mean(const std::optional<std::string>& guess) {
  return guess ? "; did you mean " + quote_printable(*guess) + "?" : "";
}

std::string join_limited(const std::vector<std::string>& items, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  if (items.size() > limit) out += ", ...";
  return out;
}

}  // namespace lean
