#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lean {

// Every credential this process holds, removed from a text before it is written anywhere
// (stderr, stdout, reports, CI outputs): a server may echo a request's headers in an error
// body, and a user may put a password in a URL. Removed are
//  - the values of the environment variables a tool takes credentials from (GITHUB_TOKEN,
//    GH_TOKEN, GITLAB_TOKEN, CI_JOB_TOKEN, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, ...),
//  - every value registered with add_secret() (the HTTP client registers each credential
//    header it sends and each SigV4 signature),
//  - the user-info of any URL ("https://user:PASS@host" -> "https://***@host"; also after a
//    mistyped scheme, "http:/user:PASS@host" -> "http:/***@host") and the value after any
//    "Signature=".
// Each becomes "***".
std::string redact(std::string_view text);

// Values shorter than this are not removed as substrings: a password "pw" would turn every
// "pw" of unrelated text ("upward") into "***" and guard nothing (six characters of a
// credential can be guessed anyway). Where such a value is known to appear it is still
// never printed: a URL's user-info is masked whole, whatever its length.
inline constexpr std::size_t kMinSecretLength = 6;

// A credential value to remove from everything written from now on (kMinSecretLength
// characters or more; shorter values are ignored).
void add_secret(std::string_view value);

// The user-info of a URL a request goes to, registered as add_secret() does: raw, its
// password, and the base64 of the Basic header libcurl makes of it (a server may echo that).
void add_url_credentials(std::string_view url);
// A signed URL (a storage host's redirect): its query and each parameter's value are secrets.
void add_url_query_secrets(std::string_view url);

// The one step every text from outside passes before it is printed on a line: redacted,
// then made printable (core/printable.hpp).
std::string safe_line(std::string_view text);

}  // namespace lean
