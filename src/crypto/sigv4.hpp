#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lean::sigv4 {

// AWS Signature Version 4, header signing, written over OpenSSL's HMAC-SHA256 because
// libcurl's CURLOPT_AWS_SIGV4 (Debian's 7.88) signs multipart query strings and streamed
// bodies wrongly, and no packaged C++ library does it without the whole AWS SDK.
// Follows the S3 rules: the path is not normalized and each segment is encoded once.

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none
};

// The request as it will go on the wire, with its path and query *decoded*: the signer
// encodes them, and the URL must be built with `canonical_uri()` / `canonical_query()`
// so that what is sent is exactly what was signed.
struct Request {
  std::string method;
  std::string path = "/";                                    // "/bucket/dir/my key.bin"
  std::vector<std::pair<std::string, std::string>> query;    // {"uploadId", "a/b"}, {"uploads", ""}
  std::vector<std::pair<std::string, std::string>> headers;  // every header signed; must hold "host"
  std::string payload_hash;                                  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct Scope {
  std::string region;   // "us-east-1"
  std::string service;  // "s3"
};

// The inverse, for parsing ("%2F" -> "/"); "+" stays "+".
std::string uri_decode(std::string_view text);

std::string canonical_uri(const Request& request);
std::string canonical_query(const Request& request);
std::string canonical_request(const Request& request);
std::string string_to_sign(const std::string& canonical, const std::string& amz_date, const Scope& scope);
std::string signing_key(const std::string& secret, const std::string& date, const Scope& scope);  // raw bytes
// The lower-case hex signature.
std::string signature(const Credentials& credentials, const std::string& amz_date, const Scope& scope,
                      const std::string& string_to_sign);

// "20150830T123600Z".
std::string amz_date(std::chrono::system_clock::time_point when);

// Signs in place: adds X-Amz-Date, X-Amz-Security-Token (with a session token) and
// Authorization, signing every header of the request.
void sign(Request& request, const Credentials& credentials, const Scope& scope, const std::string& amz_date);

}  // namespace lean::sigv4
