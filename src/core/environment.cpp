#include "core/environment.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/error.hpp"

namespace lean {

std::string environment_variable(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return "";
  const std::string text = value;
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    throw_config(std::string("$") + name, "holds a control character (a trailing line break?); set it without one");
  }
  return text;
}

}  // namespace lean
