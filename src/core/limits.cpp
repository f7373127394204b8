#include "core/limits.hpp"

#include "core/error.hpp"

namespace lean {

std::string describe_bytes_limit(std::uint64_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

namespace {
// Calls `visit(c)` for every character of JSON text outside string literals, until it
// returns false: enough to bound a document's shape before parsing it.
template <typename Visit>
void scan_outside_strings(std::string_view text, Visit&& visit) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (!visit(c)) {
      return;
    }
  }
}
}  // namespace

std::size_t json_nesting_depth(std::string_view text, std::size_t stop_at) {
  std::size_t depth = 0, deepest = 0;
  scan_outside_strings(text, [&](char c) {
    if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    return deepest < stop_at;
  });
  return deepest;
}

std::size_t json_member_count(std::string_view text, std::size_t stop_at) {
  std::size_t members = 0;
  scan_outside_strings(text, [&](char c) {
    if (c == ':') ++members;
    return members < stop_at;
  });
  return members;
}

void check_json_depth(std::string_view text, const std::string& source) {
  if (json_nesting_depth(text) > limits::kJsonDepth) {
    throw_input(source, "nests objects and arrays deeper than " + std::to_string(limits::kJsonDepth) +
                            " levels (the limit; see docs/hardening.md)");
  }
}

}  // namespace lean
