#include "core/url.hpp"
#include "crypto/sigv4.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include "crypto/sha256.hpp"

namespace lean::sigv4 {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the value and folds every run of white space (also line folds) into one space.
std::string trim_all(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Header names, lower-cased, with their values in the order given, then sorted by name.
std::map<std::string, std::vector<std::string>> canonical_header_map(const Request& request) {
  std::map<std::string, std::vector<std::string>> headers;
  for (const auto& [name, value] : request.headers) headers[lower(trim_all(name))].push_back(trim_all(value));
  return headers;
}

std::string signed_header_list(const std::map<std::string, std::vector<std::string>>& headers) {
  std::string out;
  for (const auto& [name, values] : headers) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

}  // namespace

std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string canonical_uri(const Request& request) {
  return request.path.empty() ? "/" : percent_encode(request.path, true);
}

std::string canonical_query(const Request& request) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(request.query.size());
  for (const auto& [key, value] : request.query)
    encoded.emplace_back(percent_encode(key, false), percent_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out += '&';
    out += key + "=" + value;
  }
  return out;
}

std::string canonical_request(const Request& request) {
  auto headers = canonical_header_map(request);
  std::string out = request.method + "\n" + canonical_uri(request) + "\n" + canonical_query(request) + "\n";
  for (const auto& [name, values] : headers) {
    out += name + ":";
    for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
    out += "\n";
  }
  out += "\n" + signed_header_list(headers) + "\n" + request.payload_hash;
  return out;
}

std::string string_to_sign(const std::string& canonical, const std::string& amz_date, const Scope& scope) {
  return "AWS4-HMAC-SHA256\n" + amz_date + "\n" + amz_date.substr(0, 8) + "/" + scope.region + "/" + scope.service +
         "/aws4_request\n" + sha256_hex(canonical);
}

std::string signing_key(const std::string& secret, const std::string& date, const Scope& scope) {
  std::string key = hmac_sha256_raw("AWS4" + secret, date);
  key = hmac_sha256_raw(key, scope.region);
  key = hmac_sha256_raw(key, scope.service);
  return hmac_sha256_raw(key, "aws4_request");
}

std::string signature(const Credentials& credentials, const std::string& amz_date, const Scope& scope,
                      const std::string& to_sign) {
  return to_hex(hmac_sha256_raw(signing_key(credentials.secret_access_key, amz_date.substr(0, 8), scope), to_sign));
}

std::string amz_date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[17];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

void sign(Request& request, const Credentials& credentials, const Scope& scope, const std::string& date) {
  // A request signed again (a retry) drops the previous signature's headers first.
  std::erase_if(request.headers, [](const auto& header) {
    auto name = lower(header.first);
    return name == "authorization" || name == "x-amz-date" || name == "x-amz-security-token";
  });
  request.headers.emplace_back("X-Amz-Date", date);
  if (!credentials.session_token.empty())
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  const std::string canonical = canonical_request(request);
  const std::string to_sign = string_to_sign(canonical, date, scope);
  const std::string signed_headers = signed_header_list(canonical_header_map(request));
  request.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
                                                    date.substr(0, 8) + "/" + scope.region + "/" + scope.service +
                                                    "/aws4_request, SignedHeaders=" + signed_headers +
                                                    ", Signature=" + signature(credentials, date, scope, to_sign));
}

}  // namespace lean::sigv4
