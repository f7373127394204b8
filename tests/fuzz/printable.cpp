// Untrusted text on its way to a terminal: printable() and safe_line() must leave no
// control character, no C1 control and no byte that is not UTF-8 in what they return, and
// printable_lines() only its line feeds and tabs besides.
#include "core/printable.hpp"
#include "core/redact.hpp"
#include "fuzz_util.hpp"

namespace {

// Whether `text` is UTF-8 without C0 controls (but `allowed`), DEL or C1 controls.
bool clean(const std::string& text, std::string_view allowed) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 || c == 0x7F) && allowed.find(static_cast<char>(c)) == std::string_view::npos) return false;
      ++i;
      continue;
    }
    std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (length == 0 || c > 0xF4 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) return false;  // C1
    i += length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  if (!clean(lean::printable(input), "")) lean::fuzz::finding("printable() left a control or invalid UTF-8");
  if (!clean(lean::printable_lines(input), "\n\t")) lean::fuzz::finding("printable_lines() left a control");
  if (!clean(lean::safe_line(input), "")) lean::fuzz::finding("safe_line() left a control or invalid UTF-8");
  return 0;
}
