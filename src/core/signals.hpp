#pragma once

#include <signal.h>

#include <exception>
#include <string>

namespace lean {

// Interrupts (docs/hardening.md). SIGINT and SIGTERM end a tool with exit 130 or 143 and
// leave no partial file at a final path:
//
// - by default the handler removes the temporary files being written (TempFileGuard) and
//   ends the process at once: a report is either complete at its path or not there;
// - inside an InterruptScope (an HTTP transfer) the signal is only recorded: the transfer
//   stops at its next progress check and throws Interrupted, so the code above it can
//   clean up (abort a multipart upload) on its way out. A second signal ends at once.
//
// SIGPIPE is ignored: a closed stdout is a write error, not a crash.
void install_signal_handlers(const std::string& tool);

// 0, or the signal recorded inside an InterruptScope.
int interrupt_signal();

// What unwinds a tool after a recorded signal; run_tool turns it into exit 128 + signal
// without writing any output file.
class Interrupted : public std::exception {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }
  int exit_code() const { return 128 + signal_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  int signal_;
  std::string what_;
};

// Throws Interrupted when a signal was recorded.
void throw_if_interrupted();

// While one lives (on any thread), a signal is recorded instead of ending the process.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

// A temporary file (or a flat folder of files: a fetch's staging folder) the signal handler
// removes if a signal ends the process while it exists. Holds up to 64 paths at once
// (beyond that, a path is not guarded).
class TempFileGuard {
 public:
  explicit TempFileGuard(const std::string& path, bool directory = false);
  ~TempFileGuard();
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;

 private:
  int slot_ = -1;
};

// Holds SIGINT and SIGTERM back on this thread while it lives; one that arrives meanwhile is
// handled when it ends. Spans creating a temporary file and guarding it, so no signal can
// fall between the two and leave the file behind.
class SignalsHeldBack {
 public:
  SignalsHeldBack();
  ~SignalsHeldBack();
  SignalsHeldBack(const SignalsHeldBack&) = delete;
  SignalsHeldBack& operator=(const SignalsHeldBack&) = delete;

 private:
  sigset_t previous_;
};

// For tests: forgets a recorded signal.
void clear_interrupt_for_tests();

}  // namespace lean
