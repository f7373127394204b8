#pragma once

#include <optional>
#include <string>

namespace lean {

// A point in time as the tools take it on the command line (--at): RFC 3339 in UTC or with
// an offset, seconds optional ("2026-11-24T09:00Z", "2026-11-24T09:00:00.250+01:00"), or
// Unix seconds ("1795597200", "1795597200.5"). nullopt when it is neither.
std::optional<double> parse_timestamp(const std::string& text);

// "2026-11-24T09:00:00Z", or with milliseconds when the time has a fraction
// ("2026-11-24T09:00:00.250Z").
std::string format_timestamp(double epoch_seconds);

}  // namespace lean
