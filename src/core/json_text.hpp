#pragma once

#include <string>

namespace lean {

// A text field of a document read from outside, empty when it is absent or not text
// (value() and get() would throw the JSON library's exception on a wrong type).
template <class Json>
std::string text_of(const Json& doc, const char* key) {
  if (!doc.is_object()) return {};
  const auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->template get<std::string>() : std::string();
}

}  // namespace lean
