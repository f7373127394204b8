#pragma once

#include <string>

namespace lean {

// The URL metrics are pushed to: the given one when it names a group
// (.../metrics/job/NAME...), else that base with /metrics/job/ml-drift appended.
std::string pushgateway_group_url(const std::string& url);

// PUTs Prometheus text to the Pushgateway group (src/http: retries transient failures),
// replacing the group's metrics. An unreachable gateway or an HTTP error status throws a
// remote error (exit 4) naming the URL.
void push_to_gateway(const std::string& url, const std::string& metrics_text, const std::string& ca_bundle = "");

}  // namespace lean
