#pragma once

#include <string>
#include <vector>

#include "http/http_client.hpp"
#include "prometheus/query.hpp"

namespace lean::prometheus {

// Credentials for the query API, from the environment so they never appear on a command
// line: PROMETHEUS_TOKEN (a bearer token: Grafana Cloud, Mimir behind a gateway) or
// PROMETHEUS_USER and PROMETHEUS_PASSWORD (basic auth: a reverse proxy). Both kinds, or a
// user without a password, is a usage error.
struct Credentials {
  std::string token;
  std::string user, password;
  static Credentials from_env();
  // Every secret value, for redaction.
  std::vector<std::string> secrets() const;
};

// A server of the Prometheus HTTP query API. Requests go through the shared HTTP client:
// its timeouts and retries (5xx, 429, dropped connections), and --ca-bundle.
class Client {
 public:
  // `url`: the API root, e.g. http://prometheus:9090 or https://mimir/prometheus (without
  // /api/v1); an http:// or https:// URL, or a usage error.
  Client(const std::string& url, Credentials credentials, http::ClientOptions options);

  // /api/v1/query at `time` (Unix seconds).
  QueryData instant(const std::string& name, const std::string& promql, double time);
  // /api/v1/query_range over [start, end] every `step` seconds.
  QueryData range(const std::string& name, const std::string& promql, double start, double end, double step);

  // The URL messages and reports show: no credentials, no query string.
  const std::string& shown_url() const { return shown_url_; }

 private:
  QueryData send(const std::string& path, const std::string& name, const std::string& form);

  std::string base_;
  std::string shown_url_;
  Credentials credentials_;
  http::Client http_;
};

// A time or duration as the query API reads it: decimal seconds, at most milliseconds.
std::string seconds_parameter(double seconds);
// `text` with every secret of kMinSecretLength characters or more replaced by "***", then
// redacted and made printable (safe_line): what a server answered is shown in messages, but
// never a credential and never a terminal escape sequence.
std::string sanitize(std::string text, const std::vector<std::string>& secrets);

}  // namespace lean::prometheus
