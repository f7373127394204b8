#include "release/maintenance.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/printable.hpp"
#include "core/format.hpp"
#include "core/timestamp.hpp"
#include "metrics/metrics.hpp"
#include "registry/gc.hpp"
#include "registry/channel_history.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json optional_json(const std::optional<std::string>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json move_json(const ChannelMove& move) {
  return {{"at", move.at},
          {"action", move.action},
          {"from", optional_json(move.from)},
          {"to", move.version},
          {"by", move.by},
          {"ci_run_url", optional_json(move.ci_run_url)},
          {"git_commit", optional_json(move.git_commit)}};
}

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

Outcome history_command(Outcome outcome, Storage& storage, Registry& registry, const HistoryInput& input) {
  const std::string &model = input.model, &channel = input.channel;
  const std::optional<double> at = input.at;
  const std::vector<ChannelMove> moves = channel_history(storage, registry, model, channel);
  outcome.fields["channel"] = channel;
  ordered_json listed = ordered_json::array();
  MarkdownTable table({"Time", "Action", "From", "To", "By", "CI run"});
  outcome.console = "TIME\tACTION\tFROM\tTO\tBY\tCI RUN\n";
  for (const auto& move : moves) {
    listed.push_back(move_json(move));
    // Audit-event fields are registry content: markdown text, so none can break the table or
    // add markup.
    table.add_row({markdown_text(move.at), markdown_text(move.action), move.from ? markdown_code(*move.from) : "",
                   markdown_code(move.version), markdown_text(move.by), markdown_url(move.ci_run_url.value_or(""))});
    // Audit-event fields are registry content: escaped, so none can forge a console line.
    outcome.console += printable(move.at) + "\t" + printable(move.action) + "\t" + printable(move.from.value_or("-")) +
                       "\t" + printable(move.version) + "\t" + printable(move.by) + "\t" +
                       printable(move.ci_run_url.value_or("-")) + "\n";
  }
  outcome.fields["moves"] = std::move(listed);
  outcome.markdown_body = table.render();
  if (at) {
    const ChannelMove* move = move_at(moves, *at);
    outcome.fields["at"] = format_timestamp(*at);
    if (!move) {
      throw Error(ExitStatus::input_data, storage.describe(),
                  "channel " + channel + " of " + model + " did not exist yet at " + format_timestamp(*at) +
                      " (its first move: " + moves.back().at + ")");
    }
    outcome.fields["version"] = move->version;
    outcome.fields["move"] = move_json(*move);
    outcome.headline = channel + " of " + model + " pointed to " + move->version + " at " + format_timestamp(*at) +
                       " (since " + move->at + ")";
    outcome.dotenv = {{"MODEL", model}, {"CHANNEL", channel}, {"VERSION", move->version}};
  } else {
    outcome.fields["version"] = moves.front().version;
    outcome.headline =
        plural(moves.size(), "move") + " of channel " + channel + " of " + model + ", now " + moves.front().version;
    outcome.dotenv = {{"MODEL", model}, {"CHANNEL", channel}, {"VERSION", moves.front().version}};
  }
  outcome.checks.push_back({"history " + channel, true, outcome.headline});
  outcome.console += "ml-release: " + outcome.headline + "\n";
  return outcome;
}

Outcome gc_command(Outcome outcome, Storage& storage, Registry& registry, const GcRequest& request) {
  const std::string& model = request.model;
  const GcResult result = collect_garbage(storage, registry, request);

  const auto version_json = [](const GcVersion& v) {
    return ordered_json{{"version", v.version},
                        {"created_at", v.created_at},
                        {"reason", v.reason},
                        {"manifest_sha256", v.manifest_sha256},
                        {"files", v.files}};
  };
  ordered_json kept = ordered_json::array(), deleted = ordered_json::array();
  MarkdownTable table({"Version", "Created", "Result"});
  for (const auto& v : result.deleted) {
    deleted.push_back(version_json(v));
    table.add_row({markdown_code(v.version), markdown_text(v.created_at),
                   request.dry_run ? markdown_text(v.reason) : std::string("🗑️ deleted")});
    outcome.console += std::string(request.dry_run ? "WOULD DELETE  " : "DELETED  ") + v.version + " (" + v.created_at +
                       (v.hidden ? "; hidden by an ml-release gc that did not finish: gc finishes deleting it" : "") +
                       ")\n";
  }
  for (const auto& v : result.kept) {
    kept.push_back(version_json(v));
    table.add_row({markdown_code(v.version), markdown_text(v.created_at), "kept: " + markdown_text(v.reason)});
    outcome.console += "KEEP  " + v.version + " (" + v.reason + ")\n";
  }
  for (const auto& leftover : result.leftovers_removed) {
    outcome.console += "REMOVED LEFTOVER  " + printable(leftover) + " (left by an interrupted publish)\n";
  }
  outcome.fields["dry_run"] = request.dry_run;
  outcome.fields["deleted"] = std::move(deleted);
  outcome.fields["kept"] = std::move(kept);
  outcome.fields["leftovers_removed"] = result.leftovers_removed;
  outcome.markdown_body = table.render();
  outcome.headline = (request.dry_run ? "would delete " : "deleted ") + plural(result.deleted.size(), "version") +
                     " of " + model + ", kept " + std::to_string(result.kept.size());
  outcome.checks.push_back({"gc " + model, true, outcome.headline});
  outcome.console += "ml-release: " + outcome.headline + "\n";
  outcome.dotenv = {{"MODEL", model}, {"DELETED", std::to_string(result.deleted.size())}};
  return outcome;
}

Outcome diff_command(Outcome outcome, Storage& /*storage*/, Registry& registry, const DiffInput& input) {
  const std::string& model = input.model;
  const std::vector<std::string> sides = {input.a, input.b};
  struct Side {
    std::string name, version;
    Manifest manifest;
  };
  std::vector<Side> resolved;
  for (const auto& name : sides) {
    // A channel of that name wins; otherwise it is a version.
    Selector selector;
    if (registry.channel(model, name)) selector.channel = name;
    else selector.version = name;
    auto [version, manifest] = registry.resolve(model, selector, false);
    resolved.push_back({name, version, std::move(manifest)});
  }
  const auto metrics_of = [&](const Side& side) {
    const auto it = side.manifest.doc.find("metrics");
    if (it == side.manifest.doc.end() || !it->is_object()) return MetricSet();
    return MetricSet::from_json(nlohmann::json::parse(it->dump()),
                                registry.location(manifest_key(model, side.version)));
  };
  const MetricSet a = metrics_of(resolved[0]), b = metrics_of(resolved[1]);
  std::vector<std::string> names = a.names();
  for (const auto& name : b.names()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  const std::string label_a = resolved[0].name == resolved[0].version
                                  ? resolved[0].version
                                  : resolved[0].name + " (" + resolved[0].version + ")";
  const std::string label_b = resolved[1].name == resolved[1].version
                                  ? resolved[1].version
                                  : resolved[1].name + " (" + resolved[1].version + ")";
  MarkdownTable metrics_table({"Metric", markdown_text(label_a), markdown_text(label_b), "Change"});
  ordered_json metrics = ordered_json::array();
  outcome.console = "METRIC\t" + printable(label_a) + "\t" + printable(label_b) + "\tCHANGE\n";
  for (const auto& name : names) {
    const std::optional<double> va = a.find_number(name), vb = b.find_number(name);
    const std::string change = va && vb ? format_signed(*vb - *va) : "";
    metrics.push_back({{"metric", name},
                       {"a", va ? ordered_json(*va) : ordered_json(nullptr)},
                       {"b", vb ? ordered_json(*vb) : ordered_json(nullptr)},
                       {"delta", va && vb ? ordered_json(*vb - *va) : ordered_json(nullptr)}});
    const std::string ta = va ? format_human(*va) : "—", tb = vb ? format_human(*vb) : "—";
    metrics_table.add_row({markdown_code(name), ta, tb, change});
    // A metric name is registry content: escaped, so none can forge a console line.
    outcome.console += printable(name) + "\t" + ta + "\t" + tb + "\t" + (change.empty() ? "-" : change) + "\n";
  }
  // Files: by name, compared by SHA-256.
  std::map<std::string, const ManifestFile*> files_a, files_b;
  for (const auto& f : resolved[0].manifest.files) files_a[f.name] = &f;
  for (const auto& f : resolved[1].manifest.files) files_b[f.name] = &f;
  std::set<std::string> file_names;
  for (const auto& [name, f] : files_a) file_names.insert(name);
  for (const auto& [name, f] : files_b) file_names.insert(name);
  MarkdownTable files_table({"File", "Change", markdown_text(label_a), markdown_text(label_b)});
  ordered_json files = ordered_json::array();
  std::size_t changed = 0;
  for (const auto& name : file_names) {
    const auto ia = files_a.find(name), ib = files_b.find(name);
    const ManifestFile* fa = ia == files_a.end() ? nullptr : ia->second;
    const ManifestFile* fb = ib == files_b.end() ? nullptr : ib->second;
    const std::string status = !fa ? "added" : !fb ? "removed" : fa->sha256 == fb->sha256 ? "same" : "changed";
    if (status != "same") ++changed;
    files.push_back({{"name", name},
                     {"status", status},
                     {"a_sha256", fa ? ordered_json(fa->sha256) : ordered_json(nullptr)},
                     {"b_sha256", fb ? ordered_json(fb->sha256) : ordered_json(nullptr)}});
    files_table.add_row({markdown_code(name), status, fa ? markdown_code(fa->sha256.substr(0, 12)) : "—",
                         fb ? markdown_code(fb->sha256.substr(0, 12)) : "—"});
    outcome.console += "FILE  " + printable(name) + " " + status + "\n";
  }
  outcome.fields["a"] = {
      {"name", resolved[0].name}, {"version", resolved[0].version}, {"manifest_sha256", resolved[0].manifest.sha256}};
  outcome.fields["b"] = {
      {"name", resolved[1].name}, {"version", resolved[1].version}, {"manifest_sha256", resolved[1].manifest.sha256}};
  outcome.fields["metrics"] = std::move(metrics);
  outcome.fields["files"] = std::move(files);
  outcome.fields["files_changed"] = changed;
  outcome.markdown_body = metrics_table.render() + "\n" + files_table.render();
  outcome.headline = model + " " + label_a + " vs " + label_b + ": " + plural(names.size(), "metric") + ", " +
                     std::to_string(changed) + " of " + plural(file_names.size(), "file") + " changed";
  outcome.checks.push_back({"diff " + model, true, outcome.headline});
  outcome.console += "ml-release: " + outcome.headline + "\n";
  return outcome;
}

}  // namespace lean
