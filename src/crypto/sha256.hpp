#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lean {

// Incremental SHA-256 over OpenSSL's EVP interface, so large files hash while they stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest as 32 raw bytes; the object can not be updated afterwards.
  std::string finish_raw();
  // The digest as 64 lower-case hex digits.
  std::string finish_hex();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(std::string_view data);
// SHA-256 of a file's bytes, read in fixed-size blocks; throws an input error naming it.
std::string sha256_file_hex(const std::string& path);

// HMAC-SHA256, raw 32 bytes (AWS Signature V4 chains these).
std::string hmac_sha256_raw(std::string_view key, std::string_view message);

std::string to_hex(std::string_view bytes);

}  // namespace lean
