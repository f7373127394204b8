// The floor bench/drift.sh measures ml-drift against: both files read with read(2) into a
// reused 1 MiB buffer (one thread each, as ml-drift reads them), then the same with every
// field of every row scanned by std::from_chars, the fastest number parser a few lines can
// write. No column storage, no sort, no statistics: what any exact drift check must pay.
// Prints "read_seconds scan_seconds" (wall, both files at once), the best of three rounds.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

// Every field through from_chars, quoted fields skipped to their closing quote; the sum
// keeps the work from being optimised away.
double scan(const char* p, const char* const end) {
  double sum = 0;
  while (p < end) {
    if (*p == '"') {
      for (++p; p < end && !(*p == '"' && (p + 1 == end || p[1] != '"')); p += *p == '"' ? 2 : 1) {
      }
      ++p;
    } else {
      double value = 0;
      const auto [stop, error] = std::from_chars(p, end, value);
      if (error == std::errc() && value == value) sum += value;
      p = stop;
      while (p < end && *p != ',' && *p != '\n') ++p;
    }
    ++p;  // the delimiter or the line end
  }
  return sum;
}

// Reads the file in 1 MiB pieces; with `parse`, scans the whole lines of each piece and
// carries the partial last line over (the data has no line break inside quotes).
double read_file(const char* path, bool parse) {
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  std::vector<char> buffer(2 * kPiece);
  const int fd = ::open(path, O_RDONLY);
  if (fd < 0) return 0;
  double sum = 0;
  std::size_t carried = 0;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data() + carried, kPiece);
    if (got <= 0) break;
    if (!parse) continue;
    const std::size_t filled = carried + static_cast<std::size_t>(got);
    const char* last = static_cast<const char*>(memrchr(buffer.data(), '\n', filled));
    const std::size_t whole = last ? static_cast<std::size_t>(last - buffer.data()) + 1 : 0;
    sum += scan(buffer.data(), buffer.data() + whole);
    carried = filled - whole;
    std::memmove(buffer.data(), buffer.data() + whole, carried);
  }
  if (parse) sum += scan(buffer.data(), buffer.data() + carried);
  ::close(fd);
  return sum;
}

template <class Work>
double seconds_on_two_threads(Work work) {
  const auto start = std::chrono::steady_clock::now();
  std::thread other([&] { work(1); });
  work(0);
  other.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: drift_floor REFERENCE.csv CURRENT.csv\n");
    return 2;
  }
  double best_read = 1e9, best_scan = 1e9, sums[2] = {};
  for (int round = 0; round < 3; ++round) {
    best_read = std::min(best_read, seconds_on_two_threads([&](int i) { read_file(argv[1 + i], false); }));
    best_scan = std::min(best_scan, seconds_on_two_threads([&](int i) { sums[i] = read_file(argv[1 + i], true); }));
  }
  std::printf("%.3f %.3f\n", best_read, best_scan);
  std::fprintf(stderr, "sums of the numbers: %.6g %.6g\n", sums[0], sums[1]);
  return 0;
}
