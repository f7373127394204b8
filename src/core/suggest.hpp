#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lean {

// The candidate closest to `word` by edit distance, if it is close enough to be a
// plausible typo (ninja's "did you mean" rule: at most a third of the word, at least 1).
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean "x"?" for the closest candidate, or "" when none is close: the one wording
// of every did-you-mean (option names, metric names, columns, choices). The guess is one of
// the tool's own names or the file's, so it is escaped as outside text.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// The same for a guess found by another rule (a column name spelt in another case).
std::string did_you_mean(const std::optional<std::string>& guess);

std::size_t edit_distance(std::string_view a, std::string_view b);
// The distance when it is at most `limit`, otherwise limit + 1.
std::size_t bounded_edit_distance(std::string_view a, std::string_view b, std::size_t limit);

// "a, b, c, ..." with at most `limit` items.
std::string join_limited(const std::vector<std::string>& items, std::size_t limit);

}  // namespace lean
