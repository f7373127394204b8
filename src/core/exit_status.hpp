#pragma once

namespace lean {

// The exit codes every tool shares; users script against them (docs/conventions.md).
enum class ExitStatus : int {
  pass = 0,         // gate open
  gate_failed = 1,  // threshold not met, candidate not better, drift detected
  usage = 2,        // unknown flag, malformed expression, policy or configuration
  input_data = 3,   // file missing or unreadable, malformed data, metric missing
  remote = 4,       // network or remote service error
  integrity = 5,    // checksum mismatch, conflicting version
};

inline int to_int(ExitStatus s) { return static_cast<int>(s); }

}  // namespace lean
