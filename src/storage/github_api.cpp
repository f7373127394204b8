#include "storage/github_api.hpp"

#include <algorithm>
#include <ctime>
#include <thread>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/redact.hpp"
#include "storage/forge_common.hpp"

namespace lean {

using json = nlohmann::json;
using forge::id_of;
using std::chrono::milliseconds;

long long github_clock_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

GithubAsset parse_github_asset(const json& doc) {
  GithubAsset asset;
  asset.id = id_of(doc, "id");
  asset.name = text_of(doc, "name");
  asset.label = text_of(doc, "label");
  asset.state = text_of(doc, "state");
  asset.digest = text_of(doc, "digest");
  asset.updated_at = text_of(doc, "updated_at");
  if (doc.contains("size") && doc["size"].is_number_unsigned()) asset.size = doc["size"].get<std::uint64_t>();
  return asset;
}

GithubRelease parse_github_release(const json& doc) {
  GithubRelease release;
  release.id = id_of(doc, "id");
  release.tag = text_of(doc, "tag_name");
  release.name = text_of(doc, "name");
  release.body = text_of(doc, "body");
  release.upload_url = text_of(doc, "upload_url");
  release.created_at = text_of(doc, "created_at");
  release.draft = doc.contains("draft") && doc["draft"].is_boolean() && doc["draft"].get<bool>();
  if (doc.contains("assets") && doc["assets"].is_array()) {
    for (const auto& asset : doc["assets"]) release.assets.push_back(parse_github_asset(asset));
  }
  return release;
}

namespace {

json parse_body(const http::Response& response, const std::string& subject, const std::string& what) {
  try {
    return json::parse(response.body);
  } catch (const json::exception&) {
    throw Error(ExitStatus::remote, subject,
                what + ": GitHub answered HTTP " + std::to_string(response.status) + " with a body that is not JSON");
  }
}

bool already_exists(const http::Response& response) {
  if (response.status != 422) return false;
  try {
    const json doc = json::parse(response.body);
    if (doc.contains("errors") && doc["errors"].is_array()) {
      for (const auto& e : doc["errors"]) {
        if (text_of(e, "code") == "already_exists") return true;
      }
    }
  } catch (const json::exception&) {
  }
  return false;
}

// x-ratelimit-reset (epoch seconds) when it is a number; a value past 2100 counts as 2100
// (a larger one would throw in stoll or overflow the clock: found by fuzzing the answers).
std::optional<long long> ratelimit_reset(const http::Response& response) {
  const std::string reset = response.header("x-ratelimit-reset").value_or("");
  if (reset.empty() || !std::all_of(reset.begin(), reset.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  constexpr long long kYear2100 = 4102444800;
  return reset.size() > 10 ? kYear2100 : std::min(std::stoll(reset), kYear2100);
}

bool rate_limited(const http::Response& response) {
  if (response.status != 403 && response.status != 429) return false;
  if (response.header("retry-after")) return true;
  if (response.header("x-ratelimit-remaining").value_or("") == "0") return true;
  return response.body.find("rate limit") != std::string::npos;
}

// The next page of a paginated answer (the Link header's rel="next"), or empty.
std::string next_page(const http::Response& response) {
  const std::string link = response.header("link").value_or("");
  std::size_t at = 0;
  while ((at = link.find('<', at)) != std::string::npos) {
    const std::size_t end = link.find('>', at);
    if (end == std::string::npos) break;
    const std::size_t comma = link.find(',', end);
    const std::string params = link.substr(end, comma == std::string::npos ? std::string::npos : comma - end);
    if (params.find("rel=\"next\"") != std::string::npos) return link.substr(at + 1, end - at - 1);
    at = end;
  }
  return "";
}

std::string clock_text(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S UTC", &tm);
  return text;
}

}  // namespace

GithubApi::GithubApi(std::string api_url, std::string repo, std::string token, std::string subject,
                     http::ClientOptions options)
    : api_url_(std::move(api_url)),
      repo_(std::move(repo)),
      token_(std::move(token)),
      subject_(std::move(subject)),
      client_(std::move(options)) {
  while (!api_url_.empty() && api_url_.back() == '/') api_url_.pop_back();
}

std::string GithubApi::repo_url(const std::string& path) const { return api_url_ + "/repos/" + repo_ + path; }

void GithubApi::wait_for_rate_limit() {
  if (!exhausted_until_) return;
  const auto now = std::chrono::system_clock::now();
  if (*exhausted_until_ > now) {
    const auto wait = std::chrono::duration_cast<milliseconds>(*exhausted_until_ - now);
    if (wait > client_.options().retry_after_max) {
      throw Error(ExitStatus::remote, subject_,
                  "GitHub's rate limit is used up until " + clock_text(*exhausted_until_) + "; run again then");
    }
    std::this_thread::sleep_for(wait);
  }
  exhausted_until_.reset();
}

http::Response GithubApi::send(http::Request& request) {
  wait_for_rate_limit();
  request.subject = subject_;
  request.retry_if = [](const http::Response& response) { return rate_limited(response); };
  request.retry_delay = [](const http::Response& response) -> std::optional<milliseconds> {
    if (response.header("retry-after")) return std::nullopt;  // the client reads it
    if (response.header("x-ratelimit-remaining").value_or("") == "0") {
      if (const auto reset = ratelimit_reset(response)) {
        const long long wait = *reset - github_clock_seconds() + 1;
        return milliseconds(std::max(0LL, wait) * 1000);
      }
    }
    // A secondary rate limit without Retry-After: GitHub asks for at least a minute.
    if (response.status == 403 || response.status == 429) return milliseconds(60'000);
    return std::nullopt;
  };
  http::Response response = client_.send(request);
  if (response.ok() && response.header("x-ratelimit-remaining").value_or("") == "0") {
    if (const auto reset = ratelimit_reset(response)) {
      exhausted_until_ = std::chrono::system_clock::time_point(std::chrono::seconds(*reset));
    }
  }
  return response;
}

http::Response GithubApi::call(const std::string& method, const std::string& url, const json* body,
                               http::BodySink* sink) {
  http::Request request;
  request.method = method;
  request.url = url;
  request.headers = {{"Accept", "application/vnd.github.v3+json"}, {"X-GitHub-Api-Version", "2022-11-28"}};
  if (!token_.empty()) request.headers.emplace_back("Authorization", "token " + token_);
  if (body) {
    request.body = body->dump();
    request.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  }
  request.sink = sink;
  return send(request);
}

void GithubApi::fail(const http::Response& response, const std::string& what) const {
  const std::string status = forge::status_text(response);
  if (response.status == 401) {
    throw Error(ExitStatus::remote, subject_,
                what + ": GitHub refused the credentials (" + status + "); " +
                    (token_.empty() ? "set GITHUB_TOKEN or GH_TOKEN" : "check GITHUB_TOKEN or GH_TOKEN"));
  }
  if (rate_limited(response)) {
    std::string when;
    if (const auto reset = ratelimit_reset(response)) {
      when = "; it resets at " + clock_text(std::chrono::system_clock::time_point(std::chrono::seconds(*reset)));
    }
    throw Error(ExitStatus::remote, subject_, what + ": GitHub's rate limit stopped it (" + status + ")" + when);
  }
  if (response.status == 403) {
    throw Error(ExitStatus::remote, subject_,
                what + ": GitHub denied it (" + status +
                    "); the token needs the contents permission (write to publish, "
                    "promote and roll back) on the repository");
  }
  if (response.status == 404) {
    throw Error(ExitStatus::remote, subject_,
                what + ": not found (" + status + "); the repository does not exist or the token cannot see it" +
                    (token_.empty() ? " (no GITHUB_TOKEN or GH_TOKEN is set)" : ""));
  }
  throw Error(ExitStatus::remote, subject_, what + ": " + status);
}

std::optional<GithubRelease> GithubApi::release_by_tag(const std::string& tag) {
  const std::string what = "cannot read release " + tag;
  http::Response response = call("GET", repo_url("/releases/tags/" + forge::url_encode(tag)));
  if (response.status == 404) return std::nullopt;
  if (!response.ok()) fail(response, what);
  return parse_github_release(parse_body(response, subject_, what));
}

std::optional<GithubRelease> GithubApi::release(long long id) {
  const std::string what = "cannot read release " + std::to_string(id);
  http::Response response = call("GET", repo_url("/releases/" + std::to_string(id)));
  if (response.status == 404) return std::nullopt;
  if (!response.ok()) fail(response, what);
  return parse_github_release(parse_body(response, subject_, what));
}

std::vector<GithubRelease> GithubApi::releases() {
  const std::string what = "cannot list the releases";
  std::vector<GithubRelease> out;
  std::string url = repo_url("/releases?per_page=100");
  for (int page = 0; !url.empty() && page < 1000; ++page) {
    http::Response response = call("GET", url);
    if (!response.ok()) fail(response, what);
    const json doc = parse_body(response, subject_, what);
    if (!doc.is_array())
      throw Error(ExitStatus::remote, subject_, what + ": GitHub answered something else than a list");
    for (const auto& item : doc) out.push_back(parse_github_release(item));
    url = next_page(response);
  }
  return out;
}

std::optional<GithubRelease> GithubApi::create_release(const json& body) {
  const std::string what = "cannot create release " + body.value("tag_name", std::string());
  http::Response response = call("POST", repo_url("/releases"), &body);
  if (already_exists(response)) return std::nullopt;
  if (!response.ok()) fail(response, what);
  return parse_github_release(parse_body(response, subject_, what));
}

GithubRelease GithubApi::update_release(long long id, const json& body) {
  const std::string what = "cannot update release " + std::to_string(id);
  http::Response response = call("PATCH", repo_url("/releases/" + std::to_string(id)), &body);
  if (!response.ok()) fail(response, what);
  return parse_github_release(parse_body(response, subject_, what));
}

std::optional<GithubRelease> GithubApi::publish_release(long long id) {
  const std::string what = "cannot publish release " + std::to_string(id);
  // It does not become the repository's "Latest" release.
  const json body = {{"draft", false}, {"make_latest", "false"}};
  http::Response response = call("PATCH", repo_url("/releases/" + std::to_string(id)), &body);
  if (already_exists(response)) return std::nullopt;
  if (!response.ok()) fail(response, what);
  return parse_github_release(parse_body(response, subject_, what));
}

void GithubApi::delete_release(long long id) {
  const std::string what = "cannot delete release " + std::to_string(id);
  http::Response response = call("DELETE", repo_url("/releases/" + std::to_string(id)));
  if (!response.ok() && response.status != 404) fail(response, what);
}

std::vector<GithubAsset> GithubApi::assets(long long release_id) {
  const std::string what = "cannot list the assets of release " + std::to_string(release_id);
  std::vector<GithubAsset> out;
  std::string url = repo_url("/releases/" + std::to_string(release_id) + "/assets");
  for (int page = 0; !url.empty() && page < 100; ++page) {
    http::Response response = call("GET", url);
    if (!response.ok()) fail(response, what);
    const json doc = parse_body(response, subject_, what);
    if (!doc.is_array())
      throw Error(ExitStatus::remote, subject_, what + ": GitHub answered something else than a list");
    for (const auto& item : doc) out.push_back(parse_github_asset(item));
    url = next_page(response);
  }
  return out;
}

GithubApi::Upload GithubApi::upload_asset(const GithubRelease& release, const std::string& name,
                                          const std::string& label, http::BodySource& body,
                                          const std::string& content_type) {
  const std::string what = "cannot upload " + name + " to release " + release.tag;
  std::string url = release.upload_url.substr(0, release.upload_url.find('{'));
  if (url.empty()) throw Error(ExitStatus::remote, subject_, what + ": the release has no upload_url");
  url += "?name=" + forge::url_encode(name);
  if (!label.empty()) url += "&label=" + forge::url_encode(label);
  http::Request request;
  request.method = "POST";
  request.url = url;
  request.source = &body;
  request.headers = {{"Accept", "application/vnd.github.v3+json"}, {"Content-Type", content_type}};
  if (!token_.empty()) request.headers.emplace_back("Authorization", "token " + token_);
  http::Response response = send(request);
  Upload upload;
  upload.attempts = response.attempts;
  if (already_exists(response)) return upload;
  if (!response.ok()) fail(response, what);
  upload.asset = parse_github_asset(parse_body(response, subject_, what));
  return upload;
}

bool GithubApi::delete_asset(long long id) {
  const std::string what = "cannot delete asset " + std::to_string(id);
  http::Response response = call("DELETE", repo_url("/releases/assets/" + std::to_string(id)));
  if (response.status == 404) return false;
  if (!response.ok()) fail(response, what);
  return true;
}

bool GithubApi::download_asset(long long id, http::BodySink& sink) {
  const std::string what = "cannot download asset " + std::to_string(id);
  http::Request request;
  request.method = "GET";
  request.url = repo_url("/releases/assets/" + std::to_string(id));
  request.headers = {{"Accept", "application/octet-stream"}, {"X-GitHub-Api-Version", "2022-11-28"}};
  if (!token_.empty()) request.headers.emplace_back("Authorization", "token " + token_);
  request.sink = &sink;
  http::Response response = send(request);
  if (response.status == 302 || response.status == 301 || response.status == 307) {
    const std::string location = response.header("location").value_or("");
    if (location.empty()) throw Error(ExitStatus::remote, subject_, what + ": a redirect without a Location");
    add_url_query_secrets(location);  // the signature and token in it are never printed
    http::Request follow;
    follow.method = "GET";
    follow.url = location;
    follow.subject = subject_;
    follow.sink = &sink;
    // The storage host's URL is signed: the token never goes there.
    response = client_.send(follow);
    if (!response.ok() && response.status != 404) {  // the storage host's: the token is not at fault
      throw Error(ExitStatus::remote, subject_,
                  what + ": GitHub's storage host answered " + forge::status_text(response) + "; run again");
    }
  }
  if (response.status == 404) return false;
  if (!response.ok()) fail(response, what);
  return true;
}

}  // namespace lean
