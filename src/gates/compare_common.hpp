#pragma once

#include <optional>
#include <string>
#include <vector>

#include "metrics/direction.hpp"
#include "storage/storage.hpp"

namespace lean {

// What ml-compare's two modes (metrics files, predictions files) share: the point rule, the
// guards and where a registry lacks the baseline.

// --min-delta X or --min-rel-delta X (a fraction between 0 and 1).
struct Margin {
  double value = 0;
  bool relative = false;
};

// --guard PATH[:TOL][:higher|lower].
struct Guard {
  std::string metric;
  double tolerance = 0;
  bool relative = false;                // tolerance given as a percentage of |baseline|
  std::string spelled;                  // "0.01" or "5%"
  std::optional<bool> lower_is_better;  // :lower or :higher; none: from the name
};
Direction guard_direction(const Guard& guard, Direction (*by_name)(const std::string&));

// The bound a guard allows below (or above) the baseline, and whether the candidate keeps it.
struct GuardCheck {
  double bound = 0;
  bool within = false;
};
GuardCheck check_guard(const Guard& guard, const Direction& direction, double baseline, double candidate);

// Why a registry has no baseline for MODEL/CHANNEL, or nullopt when the channel exists.
// A registry folder that does not exist is a configuration error unless promoting without a
// baseline was asked for; a misspelt model or channel is named with its likely spelling.
std::optional<std::string> registry_gap(Storage& storage, const std::string& url, const std::string& model,
                                        const std::string& channel, bool promote_without_baseline);

}  // namespace lean
