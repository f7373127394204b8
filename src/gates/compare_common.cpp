#include "gates/compare_common.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/suggest.hpp"
#include "metrics/tolerance.hpp"
#include "storage/open_storage.hpp"
#include "registry/registry.hpp"
#include "storage/local_storage.hpp"

namespace lean {

Direction guard_direction(const Guard& guard, Direction (*by_name)(const std::string&)) {
  if (!guard.lower_is_better) return by_name(guard.metric);
  return {*guard.lower_is_better, *guard.lower_is_better ? "--guard ...:lower" : "--guard ...:higher"};
}

GuardCheck check_guard(const Guard& guard, const Direction& direction, double baseline, double candidate) {
  const double sign = direction.lower_is_better ? -1.0 : 1.0;
  const double allowed = guard.relative ? guard.tolerance * std::fabs(baseline) : guard.tolerance;
  GuardCheck check;
  check.bound = baseline - sign * allowed;
  check.within = at_least(sign * candidate, sign * check.bound);
  return check;
}

std::optional<std::string> registry_gap(Storage& storage, const std::string& url, const std::string& model,
                                        const std::string& channel, bool promote_without_baseline) {
  if (dynamic_cast<LocalStorage*>(&storage)) {
    const std::string folder = local_path_of(url);
    std::error_code ec;
    if (!std::filesystem::exists(folder, ec)) {
      if (promote_without_baseline) return "the registry folder does not exist yet";
      throw_config(folder, "--baseline-registry: the registry folder does not exist");
    }
    if (!std::filesystem::is_directory(folder, ec)) throw_config(folder, "--baseline-registry: not a folder");
  }
  Registry registry(storage);
  if (registry.channel(model, channel)) return std::nullopt;
  const std::vector<std::string> models = registry.models();
  if (std::find(models.begin(), models.end(), model) == models.end()) {
    if (models.empty() && !storage.list("").empty()) {
      throw_config(storage.describe(),
                   "--baseline-registry: not a registry (no MODEL/versions or MODEL/channels in it)");
    }
    if (models.empty()) return "the registry holds no model yet (a new registry, or a wrong URL or prefix)";
    return "no model \"" + model + "\" in the registry" + did_you_mean(model, models) +
           " (models: " + join_limited(models, 10) + ")";
  }
  const std::string prefix = channel_key(model, "");
  const std::string folder = prefix.substr(0, prefix.rfind('/') + 1);
  std::vector<std::string> channels;
  for (const auto& key : storage.list(folder)) {
    const std::string name = key.substr(folder.size());
    if (name.size() > 5 && name.find('/') == std::string::npos && name.ends_with(".json")) {
      channels.push_back(name.substr(0, name.size() - 5));
    }
  }
  return "model " + model + " has no channel \"" + channel + "\"" + did_you_mean(channel, channels) +
         (channels.empty() ? std::string(" (no channel yet)") : " (channels: " + join_limited(channels, 10) + ")");
}

}  // namespace lean
