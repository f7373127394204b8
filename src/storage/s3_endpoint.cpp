#include "storage/s3_endpoint.hpp"

#include <cctype>

#include "core/error.hpp"
#include "core/url.hpp"
#include "http/http_client.hpp"

namespace lean {

S3Location parse_s3_url(const std::string& url) {
  if (!has_scheme(url, "s3")) throw_usage("'" + url + "' is not an s3://BUCKET/PREFIX URL");
  std::string rest = url.substr(5);
  auto slash = rest.find('/');
  S3Location location;
  location.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) location.prefix = rest.substr(slash + 1);
  while (!location.prefix.empty() && location.prefix.back() == '/') location.prefix.pop_back();
  while (!location.prefix.empty() && location.prefix.front() == '/') location.prefix.erase(0, 1);
  if (location.bucket.empty()) throw_usage("'" + url + "' names no bucket: use s3://BUCKET/PREFIX");
  if (location.bucket.find('@') != std::string::npos) {
    // Never repeat it: the part before '@' is likely a key and secret (redact() hides the subject).
    throw_usage("'" + url +
                "': an s3:// URL holds no credentials (user-info before '@'); give them in the environment "
                "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or a profile");
  }
  for (char c : location.bucket) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '?' || c == '#' || c == ':') {
      throw_usage("'" + url + "': '" + location.bucket + "' is not a valid bucket name");
    }
  }
  return location;
}

namespace s3 {

Endpoint parse_endpoint(const std::string& url, const std::string& region) {
  Endpoint e;
  if (url.empty()) {
    e.scheme = "https";
    e.host = "s3." + region + ".amazonaws.com";
    return e;
  }
  e.custom = true;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw_usage("endpoint URL '" + url + "' needs http:// or https://");
  e.scheme = url.substr(0, scheme_end);
  for (char& c : e.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (e.scheme != "http" && e.scheme != "https") {
    throw_usage("endpoint URL '" + http::redact_url(url) + "' needs http:// or https://");
  }
  std::string rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  e.host = rest.substr(0, slash);
  if (e.host.find('@') != std::string::npos) throw_usage("endpoint URL must not hold credentials");
  if (slash != std::string::npos) {
    e.base_path = rest.substr(slash);
    while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
  }
  // The Host header leaves out the scheme's default port, as HTTP clients do.
  const std::string default_port = e.scheme == "https" ? ":443" : ":80";
  if (e.host.size() > default_port.size() &&
      e.host.compare(e.host.size() - default_port.size(), default_port.size(), default_port) == 0) {
    e.host.resize(e.host.size() - default_port.size());
  }
  if (e.host.empty()) throw_usage("endpoint URL '" + url + "' has no host");
  return e;
}

bool dns_compatible_bucket(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

}  // namespace s3

}  // namespace lean
