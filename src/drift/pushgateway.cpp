#include "drift/pushgateway.hpp"

#include <curl/curl.h>

#include <memory>

#include "core/error.hpp"

// A direct libcurl PUT: the shared HTTP client (src/http) is not on main yet; this is the
// one request ml-drift makes.

namespace lean {
namespace {

constexpr long kConnectTimeoutSeconds = 10;
constexpr long kTimeoutSeconds = 30;
constexpr std::size_t kErrorBodyChars = 200;

std::size_t collect(char* data, std::size_t size, std::size_t count, void* body) {
  auto* text = static_cast<std::string*>(body);
  if (text->size() < kErrorBodyChars) text->append(data, std::min(size * count, kErrorBodyChars - text->size()));
  return size * count;
}

[[noreturn]] void fail(const std::string& url, const std::string& message) {
  throw Error(ExitStatus::remote, url, message);
}

}  // namespace

std::string pushgateway_group_url(const std::string& url) {
  if (url.find("/metrics/job/") != std::string::npos) return url;
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/metrics/job/ml-drift";
}

void push_to_gateway(const std::string& url, const std::string& metrics_text) {
  const std::string target = pushgateway_group_url(url);
  if (target.rfind("http://", 0) != 0 && target.rfind("https://", 0) != 0) {
    throw_usage("--pushgateway needs an http:// or https:// URL, not \"" + url + "\"");
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) fail(target, "cannot start an HTTP request");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, "Content-Type: text/plain; version=0.0.4; charset=utf-8"), curl_slist_free_all);
  std::string body;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, target.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, metrics_text.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(metrics_text.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, kTimeoutSeconds);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode code = curl_easy_perform(h);
  // curl_easy_strerror, not the error buffer: the buffer adds timings, and error lines must be stable.
  if (code != CURLE_OK) fail(target, std::string("push failed: ") + curl_easy_strerror(code));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) {
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    for (char& c : body) c = (c == '\n' || c == '\r') ? ' ' : c;
    fail(target, "push refused: HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + body));
  }
}

}  // namespace lean
