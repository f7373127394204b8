#include "gates/check_line.hpp"

#include "core/printable.hpp"

namespace lean {

std::string check_line(const Check& check) {
  return std::string(check.skipped ? "SKIP  " : check.passed ? "PASS  " : "FAIL  ") + printable(check.message) + "\n";
}

}  // namespace lean
