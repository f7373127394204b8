#include "core/error.hpp"

namespace lean {

std::string Error::describe() const {
  if (subject_.empty()) return what();
  return "'" + subject_ + "': " + what();
}

void throw_usage(const std::string& message) { throw Error(ExitStatus::usage, "", message); }

void throw_config(const std::string& file, const std::string& message) {
  throw Error(ExitStatus::usage, file, message);
}

void throw_input(const std::string& file, const std::string& message) {
  throw Error(ExitStatus::input_data, file, message);
}

}  // namespace lean
