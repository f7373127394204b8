#include "core/signals.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>

namespace lean {
namespace {

constexpr int kSlots = 64;
constexpr std::size_t kPathMax = 4096;
enum SlotState : int { kFree = 0, kFilling = 1, kReady = 2, kReadyDirectory = 3 };

// Everything the handler touches is lock-free and preallocated (async-signal-safe).
std::atomic<int> g_signal{0};
std::atomic<int> g_scopes{0};
std::atomic<int> g_slot_state[kSlots];
char g_slot_path[kSlots][kPathMax];
char g_message[256];  // "ml-x: error: interrupted by SIG"
std::size_t g_message_length = 0;

const char* signal_name(int signal) { return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal"; }

void write_stderr(const char* text, std::size_t length) {
  while (length > 0) {
    ssize_t n = ::write(STDERR_FILENO, text, length);
    if (n <= 0) return;
    text += n;
    length -= static_cast<std::size_t>(n);
  }
}

// The files of a folder, then the folder: raw system calls only (async-signal-safe).
void remove_flat_directory(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buffer[4096];
    for (;;) {
      const long n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
      if (n <= 0) break;
      for (long offset = 0; offset < n;) {
        struct Entry {
          std::uint64_t inode;
          std::int64_t next;
          unsigned short length;
          unsigned char type;
          char name[1];
        };
        const auto* entry = reinterpret_cast<const Entry*>(buffer + offset);
        const bool dots =
            entry->name[0] == '.' && (entry->name[1] == '\0' || (entry->name[1] == '.' && entry->name[2] == '\0'));
        if (!dots) ::unlinkat(fd, entry->name, 0);
        offset += entry->length;
      }
    }
    ::close(fd);
  }
  ::rmdir(path);
}

void on_signal(int signal) {
  // Inside a scope, the first signal is recorded and the work unwinds on its own.
  int expected = 0;
  if (g_scopes.load() > 0 && g_signal.compare_exchange_strong(expected, signal)) return;
  for (int i = 0; i < kSlots; ++i) {
    const int state = g_slot_state[i].load();
    if (state == kReady) ::unlink(g_slot_path[i]);
    if (state == kReadyDirectory) remove_flat_directory(g_slot_path[i]);
  }
  write_stderr(g_message, g_message_length);
  const char* name = signal_name(signal);
  write_stderr(name, std::strlen(name));
  write_stderr("\n", 1);
  ::_exit(128 + signal);
}

}  // namespace

void install_signal_handlers(const std::string& tool) {
  const std::string prefix = tool + ": error: interrupted by ";
  g_message_length = std::min(prefix.size(), sizeof g_message);
  std::memcpy(g_message, prefix.data(), g_message_length);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

int interrupt_signal() { return g_signal.load(); }

Interrupted::Interrupted(int signal) : signal_(signal), what_(std::string("interrupted by ") + signal_name(signal)) {}

void throw_if_interrupted() {
  if (int signal = g_signal.load()) throw Interrupted(signal);
}

InterruptScope::InterruptScope() { g_scopes.fetch_add(1); }
InterruptScope::~InterruptScope() { g_scopes.fetch_sub(1); }

TempFileGuard::TempFileGuard(const std::string& path, bool directory) {
  if (path.size() >= kPathMax) return;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slot_state[i].compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(g_slot_path[i], path.c_str(), path.size() + 1);
    g_slot_state[i].store(directory ? kReadyDirectory : kReady);
    slot_ = i;
    return;
  }
}

TempFileGuard::~TempFileGuard() {
  if (slot_ >= 0) g_slot_state[slot_].store(kFree);
}

SignalsHeldBack::SignalsHeldBack() {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &block, &previous_);
}

SignalsHeldBack::~SignalsHeldBack() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

void clear_interrupt_for_tests() { g_signal.store(0); }

}  // namespace lean
