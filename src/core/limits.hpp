#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lean {

// The documented resource limits (docs/hardening.md). An input over a limit is an error
// (exit 3 for data, 2 for configuration) found before the memory it would need is taken,
// so a hostile or broken file can not get a tool killed for running out of memory or stack.
namespace limits {
inline constexpr std::uint64_t kJsonFileBytes = 16u << 20;      // a metrics, policy or manifest file
inline constexpr std::uint64_t kHistoryFileBytes = 256u << 20;  // a history (JSON Lines) file
inline constexpr std::size_t kJsonDepth = 64;                   // nested objects and arrays
inline constexpr std::size_t kYamlEntries = 5'000;              // lines + flow items of a YAML metrics file
inline constexpr std::size_t kMetrics = 1'000'000;              // metrics held at once (files or a window)
inline constexpr std::size_t kManifestMetrics = 10'000;         // metrics a published version carries
inline constexpr std::size_t kStoredJsonMembers = 50'000;       // object members of a stored manifest
inline constexpr std::size_t kCsvFieldBytes = 4u << 20;         // one CSV cell
inline constexpr std::size_t kCsvRecordBytes = 16u << 20;       // one CSV row (its text)
inline constexpr std::size_t kCsvColumns = 10'000;              // fields in one CSV row
inline constexpr std::uint64_t kCategoryBytes = 256u << 20;     // distinct categories of one file
}  // namespace limits

// "16 MiB", "1000000": how messages state a limit.
std::string describe_bytes_limit(std::uint64_t bytes);

// The deepest nesting of JSON objects and arrays in `text` (strings skipped), counting no
// further than `stop_at`. Linear, no recursion: safe on any input.
std::size_t json_nesting_depth(std::string_view text, std::size_t stop_at = limits::kJsonDepth + 1);

// How many object members (name: value pairs) `text` holds, counting no further than `stop_at`.
std::size_t json_member_count(std::string_view text, std::size_t stop_at);

// Throws an input error naming `source` when `text` nests deeper than limits::kJsonDepth.
void check_json_depth(std::string_view text, const std::string& source);

}  // namespace lean
