#pragma once

#include <cstddef>
#include <string>

namespace lean {

// `digits` random lowercase hex digits, for object names no other writer picks (audit
// events, publish attempts, probe objects, channel generations): distinct, not secret.
std::string random_hex(std::size_t digits);

}  // namespace lean
