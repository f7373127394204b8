#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/exit_status.hpp"

namespace lean {

// One pass/fail check of a gate: a JUnit testcase, a markdown row, an annotation.
struct Check {
  std::string name;  // "accuracy >= 0.85"
  bool passed = false;
  std::string message;               // why it failed (or what it measured), one line
  bool skipped = false;              // not evaluated (a missing metric, no baseline): JUnit <skipped/>
  bool message_when_passed = false;  // JUnit: a passed check's message as its <system-out>
};

// What a tool run produced, before it is rendered into the report formats.
struct Outcome {
  ExitStatus status = ExitStatus::pass;
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();  // the tool's own report fields
  std::vector<Check> checks;
  std::string headline;                                     // one line: "2 of 3 checks passed"
  std::string markdown_body;                                // the table(s) under the markdown headline
  std::string console;                                      // what stdout shows a person (unless --quiet)
  std::vector<std::pair<std::string, std::string>> dotenv;  // extra KEY=value pairs
  std::string error;                                        // the error line's text when status >= usage
};

// "pass", "fail" or "error", from the exit status.
const char* status_word(ExitStatus status);

}  // namespace lean
