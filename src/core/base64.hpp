#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lean {

// Standard base64 (RFC 4648, with padding): Basic credentials, the sketches inside a profile.
std::string base64_encode(std::string_view bytes);
// Empty when the text is not canonical base64 (length, alphabet, padding only at the end).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace lean
