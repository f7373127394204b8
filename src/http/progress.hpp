#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace lean::http {

// The progress of one long transfer, on stderr: a live bar redrawn in place on a terminal,
// and at most one line per 10% otherwise, so CI logs stay short. Thread-safe: the parts of
// a multipart upload in flight all advance it. Shows only byte counts and the label (an
// s3:// URL, never a signed URL or a credential).
class Progress {
 public:
  // `tty`: nullopt asks isatty() of `out`.
  Progress(std::string label, std::uint64_t total, std::FILE* out = stderr, std::optional<bool> tty = std::nullopt);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Bytes moved; negative to take back an attempt that is retried.
  void advance(std::int64_t delta);
  // Marks the transfer complete (prints the 100% line when not yet printed).
  void finish();

  bool tty() const { return tty_; }

 private:
  void draw_locked(bool final);

  std::string label_;
  std::uint64_t total_;
  std::FILE* out_;
  bool tty_;
  std::mutex mutex_;
  std::int64_t done_ = 0;
  int last_decile_ = 0;  // the last 10% step printed (non-TTY)
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_{};
};

// Transfers of at least this many bytes show progress, on every remote backend.
inline constexpr std::uint64_t kProgressMinBytes = 32ull << 20;

// A display for a transfer of `total` bytes, or nullptr when progress is not `enabled`
// (--quiet) or the transfer is smaller than `min_bytes`.
std::unique_ptr<Progress> start_progress(std::string label, std::uint64_t total, bool enabled, std::uint64_t min_bytes);

// "1.5 GiB", "12.0 MiB", "512 B": binary units, one decimal.
std::string format_bytes(double bytes);

}  // namespace lean::http
