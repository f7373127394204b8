#include "storage/ids.hpp"

#include <random>

namespace lean {

std::string random_hex(std::size_t digits) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < digits; ++i) out += kDigits[generator() & 0xf];
  return out;
}

}  // namespace lean
