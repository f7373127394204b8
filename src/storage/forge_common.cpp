#include "storage/forge_common.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"
#include "storage/layout.hpp"

namespace lean::forge {
namespace {

bool plain_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

KeyRef parse_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = key.find('/', start);
    parts.push_back(key.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (const auto& part : parts) {
    if (part.empty()) throw Error(ExitStatus::usage, key, "is not a valid registry key");
  }
  KeyRef ref;
  ref.model = parts[0];
  if (parts.size() == 4 && parts[1] == "versions") {
    ref.version = parts[2];
    ref.name = parts[3];
    ref.kind = ref.name == kManifestName ? KeyRef::Kind::manifest : KeyRef::Kind::version_file;
    return ref;
  }
  if (parts.size() == 5 && parts[1] == "versions") {  // a file in a publish attempt's folder
    ref.version = parts[2];
    ref.name = parts[3] + "/" + parts[4];
    return ref;
  }
  if (parts.size() == 3 && parts[1] == "channels" && parts[2].size() > 5 &&
      parts[2].compare(parts[2].size() - 5, 5, ".json") == 0) {
    ref.kind = KeyRef::Kind::channel;
    ref.name = parts[2].substr(0, parts[2].size() - 5);
    return ref;
  }
  if (parts.size() == 3 && parts[1] == "audit") {
    ref.kind = KeyRef::Kind::audit;
    ref.name = parts[2];
    return ref;
  }
  throw Error(ExitStatus::usage, key, "is not a key of the registry layout");
}

std::string generation_name(const std::string& channel, long long generation, const std::string& suffix) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%010lld", generation);
  return channel + "." + digits + (suffix.empty() ? "" : "-" + suffix) + ".json";
}

std::optional<std::pair<std::string, long long>> parse_generation(const std::string& name, GenerationNames style) {
  if (name.size() < 7 || name.compare(name.size() - 5, 5, ".json") != 0) return std::nullopt;
  const std::string stem = name.substr(0, name.size() - 5);
  const std::size_t dot = stem.rfind('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  std::string digits = stem.substr(dot + 1);
  if (style == GenerationNames::suffixed) {
    const std::size_t dash = digits.find('-');
    if (dash == std::string::npos) return std::nullopt;
    digits.resize(dash);
  }
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::make_pair(stem.substr(0, dot), std::stoll(digits));
}

bool stores_key(const KeyRef& ref, const std::string& stored_name, const std::optional<std::string>& file_name,
                GenerationNames style) {
  switch (ref.kind) {
    case KeyRef::Kind::version_file: return file_name == ref.name;
    case KeyRef::Kind::manifest: return stored_name == kManifestName;
    case KeyRef::Kind::channel: {
      const auto generation = parse_generation(stored_name, style);
      return generation && generation->first == ref.name;
    }
    case KeyRef::Kind::audit: return stored_name == ref.name;
  }
  return false;
}

std::string api_url(const std::string& option, const char* variable, const char* fallback, const char* shape) {
  std::string url = option.empty() ? environment_variable(variable) : option;
  if (url.empty()) url = fallback;
  url = with_lowercase_scheme(url);
  if (!is_http_url(url)) {
    throw_usage("invalid --api-url \"" + http::redact_url(url) + "\": use " + shape);
  }
  return url;
}

std::vector<std::string> keys_under(std::vector<std::string> keys, const std::string& prefix) {
  std::vector<std::string> out;
  for (auto& key : keys) {
    if (key.rfind(prefix, 0) == 0) out.push_back(std::move(key));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

long long id_of(const nlohmann::json& doc, const char* key) {
  return doc.is_object() && doc.contains(key) && doc[key].is_number_integer() ? doc[key].get<long long>() : 0;
}

std::string encode_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : name) {
    if (plain_name_char(c)) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '+';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::optional<std::string> decode_name(std::string_view stored) {
  std::string out;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const char c = stored[i];
    if (plain_name_char(c)) {
      out += c;
      continue;
    }
    if (c != '+' || i + 2 >= stored.size()) return std::nullopt;
    const int high = hex_digit(stored[i + 1]), low = hex_digit(stored[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  // Only the one spelling encode_name makes: "a+2Eb" is not ours ("a.b" is), or two stored
  // names would stand for one file (found by fuzzing).
  if (encode_name(out) != stored) return std::nullopt;
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::string error_detail(const http::Response& response) {
  std::string detail;
  try {
    const auto doc = nlohmann::json::parse(response.body);
    if (doc.is_object() && doc.contains("message")) {
      detail = doc["message"].is_string() ? doc["message"].get<std::string>() : doc["message"].dump();
    } else if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
      detail = doc["error"].get<std::string>();
    }
  } catch (const nlohmann::json::exception&) {
    detail = response.body.substr(0, response.body.find('\n'));
  }
  detail = redact(detail);  // before it is shortened: a cut credential would no longer match
  while (!detail.empty() && (detail.back() == '\r' || detail.back() == ' ' || detail.back() == '.')) detail.pop_back();
  if (detail.size() > 200) detail = detail.substr(0, 200) + "...";
  return detail;
}

std::string status_text(const http::Response& response) {
  const std::string detail = error_detail(response);
  return "HTTP " + std::to_string(response.status) + (detail.empty() ? "" : ": " + detail);
}

}  // namespace lean::forge
