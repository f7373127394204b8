#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/registry.hpp"

namespace lean {

// One move of a channel: a promote or a rollback, as the registry recorded it.
struct ChannelMove {
  std::string at;                         // "2026-11-24T09:00:00Z"
  double at_seconds = 0;                  // the same, as Unix seconds
  std::string action;                     // "promote" or "rollback"
  std::string version;                    // where the channel pointed after the move
  std::optional<std::string> from;        // before it (none: the channel was new)
  std::string by;                         // the actor (GITHUB_ACTOR, GITLAB_USER_LOGIN, USER)
  std::optional<std::string> ci_run_url;  // the CI run that made it
  std::optional<std::string> git_commit;
};

// A channel's moves, newest first, from what every backend already stores: the audit events
// (one per promote and rollback, MODEL/audit/TIME-RANDOM.json, in the order they were
// written), and the channel pointer itself for a move whose audit event is missing (a
// crash between the two writes). An unknown channel is an input error (exit 3).
std::vector<ChannelMove> channel_history(Storage& storage, Registry& registry, const std::string& model,
                                         const std::string& channel);

// The move in effect at `when` (Unix seconds): the newest one made at or before it;
// nullptr before the first.
const ChannelMove* move_at(const std::vector<ChannelMove>& moves, double when);

// Reads every audit event of a model, oldest first; a malformed one is an integrity error.
struct AuditEvent {
  std::string key;
  nlohmann::ordered_json doc;
};
std::vector<AuditEvent> read_audit_events(Storage& storage, Registry& registry, const std::string& model);

// Writes one audit event (the registry's format: "at", "by", "git_commit", "ci_run_url",
// "tool_version" added) under a fresh name.
void write_audit_event(Storage& storage, Registry& registry, const std::string& model, nlohmann::ordered_json event);

}  // namespace lean
