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

}  // namespace lean
