#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/sigv4.hpp"
#include "http/http_client.hpp"
#include "http/progress.hpp"
#include "storage/s3_endpoint.hpp"
#include "storage/storage.hpp"

namespace lean {

struct S3Options {
  // "http://127.0.0.1:9000" (MinIO, R2, Ceph, s3rver). Empty: $AWS_ENDPOINT_URL_S3, then
  // $AWS_ENDPOINT_URL, else AWS itself (https://s3.REGION.amazonaws.com).
  std::string endpoint_url;
  // Empty: $AWS_REGION, then $AWS_DEFAULT_REGION, else us-east-1.
  std::string region;
  // Empty: $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and $AWS_SESSION_TOKEN, else the
  // profile $AWS_PROFILE (or "default") of the shared credentials file.
  std::optional<sigv4::Credentials> credentials;

  enum class Addressing {
    automatic,     // path-style on a custom endpoint, virtual-hosted on AWS when the bucket allows
    path,          // http://endpoint/BUCKET/KEY
    virtual_host,  // http://BUCKET.endpoint/KEY
  };
  Addressing addressing = Addressing::automatic;

  // Files larger than this go up in parts (S3 multipart upload), several in flight at once.
  std::uint64_t multipart_threshold = 64ull << 20;
  // Size of one part; also the largest file sent from memory with a signed payload.
  // Grows when a file would need more than S3's 10,000 parts.
  std::uint64_t part_size = 8ull << 20;
  // Parts in flight at once (each holds one part in memory).
  int concurrency = 4;

  // Conditional writes (If-None-Match: * / If-Match): probed on the first conditional
  // write ("automatic"), or stated when the store is known.
  enum class ConditionalWrites { automatic, enforced, unsupported };
  ConditionalWrites conditional_writes = ConditionalWrites::automatic;

  // A progress display on stderr for transfers of at least `progress_min_bytes`.
  bool progress = true;
  std::uint64_t progress_min_bytes = http::kProgressMinBytes;

  // Timeouts, retries and the CA bundle ($AWS_CA_BUNDLE when empty).
  http::ClientOptions http;
};

// The registry on S3-compatible object storage, signed with SigV4. See docs/ml-release.md ("S3 and
// S3-compatible storage") for what is atomic where.
std::unique_ptr<Storage> open_s3_storage(const std::string& url, const S3Options& options = {});

// Read-only access to the objects of one bucket, for data inputs (src/input): the registry's
// client (credential chain, endpoint, SigV4, retries, error wording), and never a write, so a
// read-only key is enough. Thread-safe: each call takes a connection of its own.
class S3ObjectReader {
 public:
  virtual ~S3ObjectReader() = default;
  struct Object {
    std::uint64_t size = 0;
    std::string etag;
  };
  // A HEAD: the object's size and ETag. A missing object or bucket is an input error (exit
  // 3), access denied exit 4 with S3's error code, each naming s3://BUCKET/KEY.
  virtual Object head(const std::string& key) = 0;
  // Bytes [offset, offset + length) of the object as the HEAD that gave `seen` saw it (an
  // explicit range, never a suffix range: s3rver answers those with the first bytes). An
  // object replaced in between (another ETag, or a Content-Range total other than the HEAD's
  // size) is exit 4 "changed while reading".
  virtual std::string read_range(const std::string& key, const Object& seen, std::uint64_t offset,
                                 std::uint64_t length) = 0;
  // The keys under `prefix` (a "folder" ends with '/'), sorted.
  virtual std::vector<std::string> list_keys(const std::string& prefix) = 0;
};
std::unique_ptr<S3ObjectReader> open_s3_reader(const std::string& bucket, const S3Options& options = {});

}  // namespace lean
