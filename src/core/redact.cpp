#include "core/redact.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <vector>

#include "core/base64.hpp"
#include "core/format.hpp"
#include "core/printable.hpp"

namespace lean {
namespace {

// The newest registered values are kept: a multipart upload signs thousands of requests,
// and only the latest answers can still be printed.
constexpr std::size_t kMaxRegistered = 4096;

constexpr const char* kCredentialVariables[] = {
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "CI_JOB_JWT",
    "CI_REGISTRY_PASSWORD",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
};

struct Secrets {
  std::mutex mutex;
  std::deque<std::string> values;

  Secrets() {
    for (const char* name : kCredentialVariables) {
      if (const char* value = std::getenv(name)) add(value);
    }
  }
  void add(std::string_view value) {
    if (value.size() < kMinSecretLength) return;
    if (std::find(values.begin(), values.end(), value) != values.end()) return;
    values.emplace_back(value);
    if (values.size() > kMaxRegistered) values.pop_front();
  }
};

Secrets& secrets() {
  static Secrets instance;
  return instance;
}

void replace_all(std::string& text, const std::string& secret) {
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
}

bool ends_authority(char c) {
  return c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' ||
         static_cast<unsigned char>(c) <= 0x20;
}

// "scheme://user:pass@host" -> "scheme://***@host".
void redact_user_info(std::string& text) {
  for (std::size_t at = text.find("://"); at != std::string::npos; at = text.find("://", at + 3)) {
    const std::size_t start = at + 3;
    std::size_t end = start;
    while (end < text.size() && !ends_authority(text[end])) ++end;
    const std::size_t sign = text.rfind('@', end == start ? start : end - 1);
    if (sign == std::string::npos || sign < start || sign >= end) continue;
    text.replace(start, sign - start, "***");
  }
}

// "http:/user:PASS@host", "http//user:PASS@host" (a mistyped scheme) -> ".../***@host": the
// user-info is whatever follows a '/' up to an '@' and holds a ':'.
void redact_user_info_after_slash(std::string& text) {
  for (std::size_t sign = text.find('@'); sign != std::string::npos; sign = text.find('@', sign + 1)) {
    std::size_t start = sign;
    while (start > 0 && !ends_authority(text[start - 1]) && text[start - 1] != '@') --start;
    if (start == 0 || text[start - 1] != '/') continue;
    if (text.find(':', start) >= sign) continue;
    text.replace(start, sign - start, "***");
    sign = start + 3;
  }
}

// "Signature=0123abcd..." (SigV4 header or presigned query) -> "Signature=***".
void redact_signatures(std::string& text) {
  static const std::string key = "Signature=";
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + key.size())) {
    const std::size_t start = at + key.size();
    std::size_t end = start;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > start) text.replace(start, end - start, "***");
  }
}

}  // namespace

void add_secret(std::string_view value) {
  Secrets& all = secrets();
  std::lock_guard lock(all.mutex);
  all.add(value);
}

void add_url_credentials(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return;
  const std::size_t start = scheme + 3;
  std::size_t end = start;
  while (end < url.size() && !ends_authority(url[end])) ++end;
  const std::size_t sign = url.substr(0, end).rfind('@');
  if (sign == std::string_view::npos || sign < start) return;
  const std::string user_info(url.substr(start, sign - start));
  const std::string decoded = percent_decoded(user_info);
  add_secret(user_info);
  add_secret(decoded);
  add_secret(base64_encode(decoded));
  if (const std::size_t colon = user_info.find(':'); colon != std::string::npos)
    add_secret(user_info.substr(colon + 1));
  if (const std::size_t colon = decoded.find(':'); colon != std::string::npos) add_secret(decoded.substr(colon + 1));
}

void add_url_query_secrets(std::string_view url) {
  const std::size_t question = url.find('?');
  if (question == std::string_view::npos) return;
  std::string_view query = url.substr(question + 1);
  query = query.substr(0, query.find('#'));
  add_secret(query);
  for (std::size_t at = 0; at <= query.size();) {
    const std::size_t end = std::min(query.find('&', at), query.size());
    const std::string_view pair = query.substr(at, end - at);
    if (const std::size_t equals = pair.find('='); equals != std::string_view::npos) {
      const std::string_view value = pair.substr(equals + 1);
      add_secret(value);
      add_secret(percent_decoded(std::string(value)));
    }
    at = end + 1;
  }
}

std::string redact(std::string_view input) {
  std::string text(input);
  Secrets& all = secrets();
  {
    std::lock_guard lock(all.mutex);
    std::vector<const std::string*> longest_first;
    for (const auto& value : all.values) longest_first.push_back(&value);
    // A secret that contains another is removed whole.
    std::stable_sort(longest_first.begin(), longest_first.end(),
                     [](const std::string* a, const std::string* b) { return a->size() > b->size(); });
    for (const std::string* value : longest_first) replace_all(text, *value);
  }
  redact_user_info(text);
  redact_user_info_after_slash(text);
  redact_signatures(text);
  return text;
}

std::string safe_line(std::string_view text) { return printable(redact(text)); }

}  // namespace lean
