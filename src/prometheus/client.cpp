#include "prometheus/client.hpp"

#include <cstdio>

#include "core/base64.hpp"
#include "core/environment.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"

namespace lean::prometheus {

std::string seconds_parameter(double seconds) {
  // Plain decimal seconds, never an exponent: "1.795e+09" arrives as "1.795e 09" in a form.
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

Credentials Credentials::from_env() {
  Credentials c{environment_variable("PROMETHEUS_TOKEN"), environment_variable("PROMETHEUS_USER"),
                environment_variable("PROMETHEUS_PASSWORD")};
  if (!c.token.empty() && (!c.user.empty() || !c.password.empty())) {
    throw_usage("set PROMETHEUS_TOKEN or PROMETHEUS_USER and PROMETHEUS_PASSWORD, not both");
  }
  if (c.user.empty() != c.password.empty()) {
    throw_usage("basic auth needs both PROMETHEUS_USER and PROMETHEUS_PASSWORD");
  }
  // Redacted from everything the process writes from now on (core/redact.hpp), in every form
  // a server may echo: raw, the Basic header's base64 and the token as a form sends it.
  for (const auto& secret : c.secrets()) add_secret(secret);
  return c;
}

std::vector<std::string> Credentials::secrets() const {
  std::vector<std::string> out;
  for (const auto* secret : {&token, &password}) {
    if (!secret->empty()) out.push_back(*secret);
  }
  if (!password.empty()) out.push_back(base64_encode(user + ":" + password));
  if (!token.empty()) out.push_back(percent_encode(token));
  return out;
}

std::string sanitize(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    // A short value is not removed as a substring (core/redact.hpp): "pw" would mask every
    // "pw" in the server's words and guard nothing.
    if (secret.size() < kMinSecretLength) continue;
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return safe_line(text);  // and escaped as every error line is (core/printable.hpp)
}

Client::Client(const std::string& url, Credentials credentials, http::ClientOptions options)
    : base_(with_lowercase_scheme(url)), credentials_(std::move(credentials)), http_(std::move(options)) {
  if (!is_http_url(base_)) {
    throw_usage("--prometheus needs an http:// or https:// URL, not \"" + sanitize(http::redact_url(url), {}) + "\"");
  }
  // Credentials in the URL would reach the report, logs and process listings: refused, and the
  // URL is not repeated in the message.
  const std::size_t authority = base_.find("://") + 3;
  const std::size_t authority_end = base_.find_first_of("/?#", authority);
  if (base_.substr(authority, authority_end == std::string::npos ? std::string::npos : authority_end - authority)
          .find('@') != std::string::npos) {
    throw_usage(
        "--prometheus URL carries credentials (USER:PASSWORD@); set PROMETHEUS_USER and PROMETHEUS_PASSWORD "
        "(or PROMETHEUS_TOKEN) instead");
  }
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  shown_url_ = sanitize(http::redact_url(base_), credentials_.secrets());
}

QueryData Client::send(const std::string& path, const std::string& name, const std::string& form) {
  http::Request request;
  request.method = "POST";  // the query in the body: no URL length limit, not in access logs
  request.url = base_ + path;
  request.subject = shown_url_ + path;
  request.body = form;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  if (!credentials_.token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + credentials_.token);
  } else if (!credentials_.user.empty()) {
    request.headers.emplace_back("Authorization",
                                 "Basic " + base64_encode(credentials_.user + ":" + credentials_.password));
  }
  const http::Response response = http_.send(request);
  if (response.status == 401 || response.status == 403) {
    throw Error(ExitStatus::remote, request.subject,
                "query " + name + ": credentials refused (HTTP " + std::to_string(response.status) +
                    "); set PROMETHEUS_TOKEN, or PROMETHEUS_USER and PROMETHEUS_PASSWORD");
  }
  try {
    return decode_query_response(response.status, response.body, request.subject, name);
  } catch (const Error& e) {
    // The server's own words (errorType, error) are shown, made safe to print.
    throw Error(e.status(), e.subject(), sanitize(e.what(), credentials_.secrets()));
  }
}

QueryData Client::instant(const std::string& name, const std::string& promql, double time) {
  return send("/api/v1/query", name, "query=" + percent_encode(promql) + "&time=" + seconds_parameter(time));
}

QueryData Client::range(const std::string& name, const std::string& promql, double start, double end, double step) {
  return send("/api/v1/query_range", name,
              "query=" + percent_encode(promql) + "&start=" + seconds_parameter(start) +
                  "&end=" + seconds_parameter(end) + "&step=" + seconds_parameter(step));
}

}  // namespace lean::prometheus
