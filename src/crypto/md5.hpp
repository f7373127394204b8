#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace lean {

// Incremental MD5 over OpenSSL's EVP interface: only to compare with the ETag S3 returns for
// a single PUT (never for integrity of our own: that is SHA-256).
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void reset();
  void update(const void* data, std::size_t size);
  // The digest as 32 lower-case hex digits.
  std::string finish_hex();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace lean
