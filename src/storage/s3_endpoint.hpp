#pragma once

#include <string>

namespace lean {

// The parts of "s3://BUCKET/PREFIX"; throws a usage error naming the URL when malformed.
struct S3Location {
  std::string bucket;
  std::string prefix;  // without leading or trailing "/"; may be empty
};
S3Location parse_s3_url(const std::string& url);

namespace s3 {

// Where requests go: AWS itself, or a custom endpoint (MinIO, R2, Ceph, s3rver).
struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // "127.0.0.1:9000", as the Host header carries it
  std::string base_path;  // "" or "/under"
  bool custom = false;
};

// An endpoint URL ("http://127.0.0.1:9000/under"); empty: AWS in `region`. A URL without
// http(s)://, with credentials or without a host is a usage error.
Endpoint parse_endpoint(const std::string& url, const std::string& region);

// Whether a bucket name can be a host name label (virtual-hosted addressing).
bool dns_compatible_bucket(const std::string& bucket);

}  // namespace s3

}  // namespace lean
