#include "registry/channel_history.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/timestamp.hpp"
#include "core/version.hpp"
#include "registry/provenance.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

std::optional<std::string> optional_text_of(const ordered_json& doc, const char* key) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

ordered_json optional_json(const std::optional<std::string>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

// "20261105T101112.123456Z-RANDOM": the registry's audit object names, which sort by when
// they were written (the same format as Registry's own events).
std::string audit_name() {
  const auto now = std::chrono::system_clock::now();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%S", &tm);
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  char tail[48];
  std::snprintf(tail, sizeof tail, ".%06lldZ-%016llx", static_cast<long long>(micros % 1000000),
                static_cast<unsigned long long>(generator()));
  return std::string(text) + tail + ".json";
}

ChannelMove move_of(const ordered_json& doc, const std::string& where) {
  ChannelMove move;
  move.at = text_of(doc, "at");
  const auto seconds = parse_timestamp(move.at);
  if (!seconds) throw Error(ExitStatus::integrity, where, "malformed audit event: \"at\" is not a time");
  move.at_seconds = *seconds;
  move.action = text_of(doc, "event");
  move.version = text_of(doc, "version");
  move.from = optional_text_of(doc, "previous_version");
  move.by = text_of(doc, "by");
  move.ci_run_url = optional_text_of(doc, "ci_run_url");
  move.git_commit = optional_text_of(doc, "git_commit");
  return move;
}

}  // namespace

std::vector<AuditEvent> read_audit_events(Storage& storage, Registry& registry, const std::string& model) {
  std::vector<AuditEvent> events;
  for (const auto& key : storage.list(audit_prefix(model))) {
    if (key.size() < 5 || key.compare(key.size() - 5, 5, ".json") != 0) continue;
    const auto object = storage.get(key);
    if (!object) continue;  // removed since the listing
    events.push_back({key, parse_audit_event(object->body, registry.location(key))});
  }
  return events;  // keys sort by the time they were written
}

void write_audit_event(Storage& storage, Registry& registry, const std::string& model, ordered_json event) {
  const Provenance who = provenance_from_env();
  event["at"] = utc_timestamp(now_epoch_seconds());
  event["by"] = who.actor;
  event["git_commit"] = optional_json(who.git_commit);
  event["ci_run_url"] = optional_json(who.ci_run_url);
  event["tool_version"] = std::string("ml-release ") + kVersion;
  const std::string body = event.dump(2) + "\n";
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (storage.put(audit_prefix(model) + audit_name(), body, WriteCondition::absent())) return;
  }
  throw Error(ExitStatus::integrity, registry.location(audit_prefix(model)),
              "cannot write an audit event under a fresh name");
}

std::vector<ChannelMove> channel_history(Storage& storage, Registry& registry, const std::string& model,
                                         const std::string& channel) {
  check_name("model", model);
  check_name("channel", channel);
  const std::optional<Channel> pointer = registry.channel(model, channel);
  if (!pointer) {
    registry.resolve(model, Selector{std::nullopt, channel});  // throws the registry's "no channel"
    throw Error(ExitStatus::input_data, storage.describe(), "model " + model + " has no channel " + channel);
  }
  std::vector<ChannelMove> moves;
  for (const auto& event : read_audit_events(storage, registry, model)) {
    const std::string kind = text_of(event.doc, "event");
    if ((kind != "promote" && kind != "rollback") || text_of(event.doc, "channel") != channel) continue;
    moves.push_back(move_of(event.doc, registry.location(event.key)));
  }
  std::reverse(moves.begin(), moves.end());
  // The pointer is written before its audit event: a crash in between leaves a move that
  // only the pointer knows.
  if (moves.empty() || moves.front().version != pointer->version) {
    ChannelMove current;
    current.at = text_of(pointer->doc, "updated_at");
    current.at_seconds = parse_timestamp(current.at).value_or(0);
    current.action = text_of(pointer->doc, "action");
    current.version = pointer->version;
    current.from = optional_text_of(pointer->doc, "previous_version");
    current.by = text_of(pointer->doc, "updated_by");
    current.ci_run_url = optional_text_of(pointer->doc, "ci_run_url");
    moves.insert(moves.begin(), std::move(current));
  }
  return moves;
}

const ChannelMove* move_at(const std::vector<ChannelMove>& moves, double when) {
  for (const auto& move : moves) {  // newest first
    if (move.at_seconds <= when) return &move;
  }
  return nullptr;
}

}  // namespace lean
