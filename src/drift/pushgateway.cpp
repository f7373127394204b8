#include "drift/pushgateway.hpp"

#include "core/error.hpp"
#include "core/url.hpp"
#include "http/http_client.hpp"

namespace lean {

std::string pushgateway_group_url(const std::string& url) {
  if (url.find("/metrics/job/") != std::string::npos) return url;
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/metrics/job/ml-drift";
}

void push_to_gateway(const std::string& url, const std::string& metrics_text, const std::string& ca_bundle) {
  const std::string target = pushgateway_group_url(with_lowercase_scheme(url));
  if (!is_http_url(target)) {
    throw_usage("--pushgateway needs an http:// or https:// URL, not \"" + url + "\"");
  }
  // PUT replaces the group's metrics, so a column that is no longer checked disappears.
  http::ClientOptions options;
  options.ca_bundle = ca_bundle;
  http::send_text("PUT", target, metrics_text, "text/plain; version=0.0.4; charset=utf-8", {}, options);
}

}  // namespace lean
