#pragma once

#include <string>
#include <string_view>

namespace lean {

// URL schemes are case-insensitive (RFC 3986, section 3.1): "HTTP://host" and "S3://bucket"
// name what "http://host" and "s3://bucket" do. Every place that takes a URL tests its
// scheme with has_scheme() and keeps the URL with_lowercase_scheme(), so the code after it,
// messages and reports see one spelling.

// Whether `url` starts with `scheme` (lowercase) and "://", the scheme in any case.
bool has_scheme(std::string_view url, std::string_view scheme);

// `url` with the scheme before its "://" lowercased; unchanged when it has none.
std::string with_lowercase_scheme(std::string_view url);

// has_scheme(url, "http") || has_scheme(url, "https").
bool is_http_url(std::string_view url);

// RFC 3986 percent-encoding: every byte but the unreserved characters (letters, digits,
// "-", "_", ".", "~"; and "/" with keep_slash) as %XX, uppercase hex. What SigV4's canonical
// URI and query want, and a form body too. In core, not crypto: ml-validate's Prometheus
// client encodes with it and must not load libcrypto at start-up.
std::string percent_encode(std::string_view text, bool keep_slash = false);

}  // namespace lean
