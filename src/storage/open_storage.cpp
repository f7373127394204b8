#include "storage/open_storage.hpp"

#include <cctype>
#include <cstdlib>

#include "core/error.hpp"
#include "storage/github_storage.hpp"
#include "storage/gitlab_storage.hpp"
#include "storage/local_storage.hpp"
#include "storage/s3_storage.hpp"

namespace lean {
namespace {

// "s3" for "s3://b/p"; empty for a plain path (a scheme is letters, digits, + - . then "://").
std::string scheme_of(const std::string& url) {
  const std::size_t colon = url.find("://");
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(url[0]))) return "";
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = url[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
  }
  std::string scheme = url.substr(0, colon);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& text, const std::string& url) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const bool complete = i + 2 < text.size();
    const int high = complete ? hex_value(text[i + 1]) : -1;
    const int low = complete ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) throw_usage("invalid registry URL \"" + url + "\": a '%' must start a %XX escape");
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace

std::string default_registry_url() {
  const char* env = std::getenv("ML_REGISTRY");
  return env && *env ? env : "./.ml-registry";
}

std::string local_path_of(const std::string& url) {
  if (scheme_of(url) != "file") return url;
  std::string rest = url.substr(7);  // after "file://"
  // file:///path has an empty host; "localhost" is the only other host that names this machine.
  if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
  if (rest.empty() || rest[0] != '/') {
    throw_usage("invalid registry URL \"" + url + "\": use file:///ABSOLUTE/PATH (or a plain path)");
  }
  return percent_decode(rest, url);
}

std::unique_ptr<Storage> open_storage(const std::string& url, const RegistryOptions& options) {
  if (url.empty()) throw_usage("the registry URL is empty: give --registry URL or set ML_REGISTRY");
  const std::string scheme = scheme_of(url);
  if (scheme.empty() || scheme == "file") return std::make_unique<LocalStorage>(local_path_of(url), url);
  if (scheme == "s3") {
    S3Options s3;
    s3.endpoint_url = options.endpoint_url;
    s3.region = options.region;
    s3.progress = options.progress;
    s3.http.ca_bundle = options.ca_bundle;
    return open_s3_storage(url, s3);
  }
  if (scheme == "github") {
    GithubOptions github;
    github.api_url = options.api_url;
    github.tag_format = options.tag_format;
    github.progress = options.progress;
    github.http.ca_bundle = options.ca_bundle;
    return open_github_storage(url, github);
  }
  if (scheme == "gitlab") {
    GitlabOptions gitlab;
    gitlab.api_url = options.api_url;
    gitlab.tag_format = options.tag_format;
    gitlab.create_release = options.gitlab_release;
    gitlab.progress = options.progress;
    gitlab.http.ca_bundle = options.ca_bundle;
    return open_gitlab_storage(url, gitlab);
  }
  throw_usage("unsupported registry URL \"" + url +
              "\": use a folder, file:///PATH, s3://BUCKET/PREFIX, github://OWNER/REPO or gitlab://GROUP/PROJECT");
}

}  // namespace lean
