#include "crypto/md5.hpp"

#include <openssl/evp.h>

#include "crypto/sha256.hpp"

namespace lean {

Md5::Md5() : ctx_(EVP_MD_CTX_new()) { reset(); }

Md5::~Md5() { EVP_MD_CTX_free(ctx_); }

void Md5::reset() { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }

void Md5::update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_, data, size); }

std::string Md5::finish_hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_, digest, &length);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace lean
