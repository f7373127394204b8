#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "metrics/direction.hpp"
#include "report/outcome.hpp"
#include "storage/storage.hpp"

namespace lean {

// What ml-compare's two modes (metrics files, predictions files) share: the options of the
// point rule, guards, the rule for a missing baseline and the decision built from the checks.

// --min-delta X or --min-rel-delta X (a fraction between 0 and 1).
struct Margin {
  double value = 0;
  bool relative = false;
};
Margin margin_option(const boost::program_options::variables_map& vm);

// The primary metric's direction: --lower-is-better, --higher-is-better, else `by_name`.
Direction primary_direction(const boost::program_options::variables_map& vm, const std::string& metric,
                            Direction (*by_name)(const std::string&));

// --guard PATH[:TOL][:higher|lower].
struct Guard {
  std::string metric;
  double tolerance = 0;
  bool relative = false;  // tolerance given as a percentage of |baseline|
  std::string spelled;    // "0.01" or "5%"
  std::optional<bool> lower_is_better;  // :lower or :higher; none: from the name
};
std::vector<Guard> guard_options(const boost::program_options::variables_map& vm);
Direction guard_direction(const Guard& guard, Direction (*by_name)(const std::string&));

// The bound a guard allows below (or above) the baseline, and whether the candidate keeps it.
struct GuardCheck {
  double bound = 0;
  bool within = false;
};
GuardCheck check_guard(const Guard& guard, const Direction& direction, double baseline, double candidate);
// The report's object of a guard; `direction_reason` as the metrics mode writes it.
nlohmann::ordered_json guard_json(const Guard& guard, const Direction& direction, double baseline, double candidate,
                                  const GuardCheck& check, bool passed, bool with_direction_reason);
// The markdown verdict of a guard: within, significantly worse, or regressed.
std::string guard_verdict_cell(const Guard& guard, bool passed, bool significantly_worse);

// A console line: "PASS  message" or "FAIL  message".
std::string check_line(bool passed, const std::string& message);

// --if-no-baseline: "promote", "fail" or "" (not given).
std::string if_no_baseline_option(const boost::program_options::variables_map& vm);

// Why a registry has no baseline for MODEL/CHANNEL, or nullopt when the channel exists.
// A registry folder that does not exist is a configuration error unless promoting without a
// baseline was asked for; a misspelt model or channel is named with its likely spelling.
std::optional<std::string> registry_gap(Storage& storage, const std::string& url, const std::string& model,
                                        const std::string& channel, bool promote_without_baseline);

// The outcome when there is no baseline yet: `outcome` holds the mode's input fields and
// `primary` the metric's rule; `absent` says why ("'prod.json' does not exist").
Outcome no_baseline_outcome(Outcome outcome, nlohmann::ordered_json primary, double candidate_value,
                            const std::string& absent, const std::string& if_no_baseline, bool from_registry);

// The decision from the checks: promote when the primary check passed and no guard
// regressed. `primary_reason` is the reason unless a guard regressed; `keep_word` starts a
// kept headline; `significance` (predictions mode) goes between primary and guards.
void decide(Outcome& outcome, bool primary_passed, const std::string& primary_reason,
            const std::vector<std::string>& regressed, const std::string& keep_word, nlohmann::ordered_json primary,
            const nlohmann::ordered_json* significance, nlohmann::ordered_json guards);

}  // namespace lean
