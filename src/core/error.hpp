#pragma once

#include <stdexcept>
#include <string>

#include "core/exit_status.hpp"

namespace lean {

// The one exception type the tools throw. `subject` is the file (or other thing) the
// message is about; it is printed quoted: "ml-x: error: 'subject': message".
class Error : public std::runtime_error {
 public:
  Error(ExitStatus status, std::string subject, const std::string& message)
      : std::runtime_error(message), status_(status), subject_(std::move(subject)) {}

  ExitStatus status() const { return status_; }
  const std::string& subject() const { return subject_; }
  // The text after "ml-x: error: ".
  std::string describe() const;

 private:
  ExitStatus status_;
  std::string subject_;
};

[[noreturn]] void throw_usage(const std::string& message);
[[noreturn]] void throw_config(const std::string& file, const std::string& message);
[[noreturn]] void throw_input(const std::string& file, const std::string& message);

}  // namespace lean
