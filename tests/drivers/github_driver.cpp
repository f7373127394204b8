// A thin command line over lean::GithubApi, the GitHub backend's REST layer, for replaying
// recorded GitHub conversations (tests/cli/test_github_fixtures.py): the steps named on the
// command line run in order in one process, against one release, and each prints what the
// backend parsed as one JSON line on stdout. Errors as "github-driver: error: ..." with the
// tool exit codes. The token comes from GITHUB_TOKEN, as in ml-release.
//
// Steps:
//   release:TAG                      GET the published release with that tag
//   upload:FILE:NAME:LABEL:replace   upload FILE into that release the way the backend does,
//   upload:FILE:NAME:LABEL:keep      a clash over NAME settled by replacing or keeping the
//                                    asset that holds it (upload_asset_resolving_clash)
//   assets                           list the release's assets

#include <boost/program_options.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "storage/forge_common.hpp"
#include "storage/github_storage.hpp"
#include "storage/hashing_io.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace {

json asset_json(const lean::GithubAsset& asset) {
  return {{"id", asset.id},     {"name", asset.name},     {"label", asset.label},          {"state", asset.state},
          {"size", asset.size}, {"digest", asset.digest}, {"updated_at", asset.updated_at}};
}

json release_json(const lean::GithubRelease& release) {
  json assets = json::array();
  for (const auto& asset : release.assets) assets.push_back(asset_json(asset));
  return {{"id", release.id},     {"tag", release.tag},     {"name", release.name},
          {"body", release.body}, {"draft", release.draft}, {"upload_url", release.upload_url},
          {"assets", assets}};
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string api_url, repo, content_type = "application/octet-stream";
    po::options_description described("github-driver");
    described.add_options()("api-url", po::value(&api_url)->required())("repo", po::value(&repo)->required())(
        "content-type", po::value(&content_type))("steps", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("steps", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(described).positional(positional).run(), vm);
    po::notify(vm);

    const std::string subject = "github://" + repo;
    lean::GithubOptions options;
    options.http.connect_timeout = std::chrono::milliseconds(5'000);
    lean::GithubApi api(api_url, repo, lean::environment_variable("GITHUB_TOKEN"), subject, options.http);
    std::optional<lean::GithubRelease> release;
    auto current = [&]() -> const lean::GithubRelease& {
      if (!release) lean::throw_usage("a step needs a release: run release:TAG first");
      return *release;
    };
    for (const auto& step :
         vm.count("steps") ? vm["steps"].as<std::vector<std::string>>() : std::vector<std::string>{}) {
      const std::vector<std::string> parts = split(step, ':');
      json out = {{"step", parts[0]}};
      if (parts[0] == "release" && parts.size() == 2) {
        release = api.release_by_tag(parts[1]);
        out["release"] = release ? release_json(*release) : json(nullptr);
      } else if (parts[0] == "upload" && parts.size() == 5 && (parts[4] == "replace" || parts[4] == "keep")) {
        lean::HashingFileSource body(parts[1]);
        const bool replace = parts[4] == "replace";
        auto asset = lean::upload_asset_resolving_clash(
            api, current(), parts[2], parts[3], body, content_type, [&](const lean::GithubAsset&) { return replace; },
            options, subject);
        out["asset"] = asset ? asset_json(*asset) : json(nullptr);
      } else if (parts[0] == "assets" && parts.size() == 1) {
        out["assets"] = json::array();
        for (const auto& asset : api.assets(current().id)) out["assets"].push_back(asset_json(asset));
      } else {
        lean::throw_usage("unknown step '" + step + "'");
      }
      std::cout << out.dump() << std::endl;
    }
    return 0;
  } catch (const lean::Error& e) {
    std::cerr << "github-driver: error: " << e.describe() << "\n";
    return lean::to_int(e.status());
  } catch (const std::exception& e) {
    std::cerr << "github-driver: error: " << e.what() << "\n";
    return 2;
  }
}
