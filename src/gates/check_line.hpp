#pragma once

#include <string>

#include "report/outcome.hpp"

namespace lean {

// A check's console line, as both gates print it: "PASS  message", "FAIL  message" or
// "SKIP  message", the message escaped for a terminal.
std::string check_line(const Check& check);

}  // namespace lean
