#include "core/url.hpp"

#include <cctype>

namespace lean {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// The length of the scheme before "://" (RFC 3986: a letter, then letters, digits, + - .), or 0.
std::size_t scheme_length(std::string_view url) {
  const std::size_t end = url.find("://");
  if (end == std::string_view::npos || end == 0 || !std::isalpha(static_cast<unsigned char>(url[0]))) return 0;
  for (std::size_t i = 1; i < end; ++i) {
    const char c = url[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return 0;
  }
  return end;
}

}  // namespace

bool has_scheme(std::string_view url, std::string_view scheme) {
  if (url.size() < scheme.size() + 3 || url.substr(scheme.size(), 3) != "://") return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (lower(url[i]) != scheme[i]) return false;
  }
  return true;
}

std::string with_lowercase_scheme(std::string_view url) {
  std::string out(url);
  const std::size_t length = scheme_length(url);
  for (std::size_t i = 0; i < length; ++i) out[i] = lower(out[i]);
  return out;
}

bool is_http_url(std::string_view url) { return has_scheme(url, "http") || has_scheme(url, "https"); }

std::string percent_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace lean
