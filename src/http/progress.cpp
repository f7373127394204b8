#include "http/progress.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/redact.hpp"

namespace lean::http {

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", bytes, kUnits[unit]);
  }
  return text;
}

std::unique_ptr<Progress> start_progress(std::string label, std::uint64_t total, bool enabled,
                                         std::uint64_t min_bytes) {
  if (!enabled || total < min_bytes) return nullptr;
  return std::make_unique<Progress>(std::move(label), total);
}

Progress::Progress(std::string label, std::uint64_t total, std::FILE* out, std::optional<bool> tty)
    : label_(safe_line(label)),  // a file name from a manifest: escaped like every printed text
      total_(total),
      out_(out),
      tty_(tty.value_or(::isatty(::fileno(out)) == 1)),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  std::lock_guard lock(mutex_);
  // An interrupted transfer ends its bar's line so the error that follows starts cleanly.
  if (tty_ && !finished_ && last_draw_ != std::chrono::steady_clock::time_point{}) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

void Progress::advance(std::int64_t delta) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  done_ = std::max<std::int64_t>(0, done_ + delta);
  draw_locked(false);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  done_ = static_cast<std::int64_t>(total_);
  draw_locked(true);
  finished_ = true;
}

void Progress::draw_locked(bool final) {
  const double fraction = total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
  const auto now = std::chrono::steady_clock::now();
  if (!tty_) {
    // One line per 10% step reached; steps skipped at once print once.
    const int decile = static_cast<int>(fraction * 10.0 + 1e-9);
    if (decile <= last_decile_) return;
    last_decile_ = decile;
    std::fprintf(out_, "%s: %d%% (%s of %s)\n", label_.c_str(), decile * 10,
                 format_bytes(static_cast<double>(done_)).c_str(), format_bytes(static_cast<double>(total_)).c_str());
    std::fflush(out_);
    return;
  }
  if (!final && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0.0;
  std::fprintf(out_, "\r%s [%s] %3d%% %s/%s %s/s\x1b[K", label_.c_str(), bar.c_str(), static_cast<int>(fraction * 100),
               format_bytes(static_cast<double>(done_)).c_str(), format_bytes(static_cast<double>(total_)).c_str(),
               format_bytes(rate).c_str());
  if (final) std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace lean::http
