#include "drift/trigger.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/printable.hpp"
#include "core/limits.hpp"
#include "crypto/sha256.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kStateShape = "a state file is {\"files\": {\"path\": \"sha256 hex\", ...}}";

// The recorded hashes, path -> hex digest; empty when the state file does not exist yet.
ordered_json load_state(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return ordered_json::object();
  const std::string text = read_text_file(path);
  check_json_depth(text, path);  // the state is written back (dump recurses)
  ordered_json state;
  try {
    state = ordered_json::parse(text);
  } catch (const nlohmann::json::exception&) {  // also out_of_range: a number like 1e999
    throw_input(path, std::string("malformed JSON; ") + kStateShape);
  }
  if (!state.is_object() || !state.contains("files") || !state["files"].is_object()) {
    throw_input(path, std::string("not a state file; ") + kStateShape);
  }
  for (const auto& [file, hash] : state["files"].items()) {
    if (!hash.is_string()) throw_input(path, "the hash of \"" + file + "\" is not a string; " + kStateShape);
  }
  return state["files"];
}

}  // namespace

Outcome check_changed_files(const std::vector<std::string>& files, const std::string& state_path) {
  ordered_json recorded = load_state(state_path);
  Outcome outcome;
  ordered_json results = ordered_json::array();
  MarkdownTable table({"File", "SHA-256", "Result"});
  std::size_t changed = 0;
  std::vector<std::string> seen;
  for (const auto& file : files) {
    if (std::find(seen.begin(), seen.end(), file) != seen.end()) continue;
    seen.push_back(file);
    const std::string hash = sha256_file_hex(file);
    const bool known = recorded.contains(file);
    const std::string previous = known ? recorded[file].get<std::string>() : "";
    const bool differs = previous != hash;
    changed += differs ? 1 : 0;
    recorded[file] = hash;
    results.push_back({{"file", file},
                       {"sha256", hash},
                       {"previous", known ? ordered_json(previous) : ordered_json(nullptr)},
                       {"changed", differs}});
    const std::string why = !differs ? "unchanged" : known ? "changed" : "new (not in the state)";
    outcome.checks.push_back({file, !differs, file + ": " + why});
    outcome.console += std::string(differs ? "CHANGED " : "SAME    ") + printable(file) + " (" + why + ", sha256 " +
                       hash.substr(0, 12) + ")\n";
    table.add_row({markdown_code(file), markdown_code(hash.substr(0, 12)), differs ? "🔄 " + why : "✅ unchanged"});
  }
  if (changed > 0) {
    // A first run in CI names a state file in a cache folder that does not exist yet.
    const std::filesystem::path parent = std::filesystem::path(state_path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      std::filesystem::create_directories(parent, ec);
      if (ec) throw_input(parent.string(), "cannot create the folder of --state: " + ec.message());
    }
    write_file_atomically(state_path, ordered_json{{"files", recorded}}.dump(2) + "\n");
  }
  outcome.status = changed ? ExitStatus::gate_failed : ExitStatus::pass;
  outcome.fields["state"] = state_path;
  outcome.fields["files"] = std::move(results);
  outcome.fields["changed"] = changed;
  outcome.headline = std::to_string(changed) + " of " + std::to_string(seen.size()) + " files changed";
  outcome.console += "ml-drift: " + std::string(changed ? "changed" : "unchanged") + " (" + outcome.headline + ")\n";
  outcome.markdown_body = table.render();
  outcome.dotenv = {{"CHANGED_FILES", std::to_string(changed)}};
  return outcome;
}

}  // namespace lean
