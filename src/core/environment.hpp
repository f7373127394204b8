#pragma once

#include <string>

namespace lean {

// The value of an environment variable, empty when it is unset. A value that holds a control
// character (a token pasted with its line break) is a configuration error, exit 2: sent as a
// header it would end the header early, inject the rest as headers of its own, and escape
// redaction, which knows the whole value and not the part that went out.
std::string environment_variable(const char* name);

}  // namespace lean
