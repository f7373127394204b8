#include "csv/sniff.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace lean {
namespace {

constexpr std::size_t kSniffBytes = 4096;

bool starts_with(std::string_view head, std::string_view magic) { return head.substr(0, magic.size()) == magic; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// '{' or '[' then a JSON value: what no CSV header starts with.
bool looks_like_json(std::string_view head) {
  std::size_t i = 0;
  while (i < head.size() && is_space(head[i])) ++i;
  if (i == head.size()) return false;
  if (head[i] == '{') return true;
  if (head[i] != '[') return false;
  for (++i; i < head.size() && is_space(head[i]); ++i) {
  }
  if (i == head.size()) return true;
  const char c = head[i];
  return c == '{' || c == '[' || c == '"' || c == ']' || c == '-' || (c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::string> non_csv_kind(const std::string& path) {
  // Only a regular file is read twice. A pipe or FIFO (<(zcat ...)) is not even opened: its
  // bytes would be gone, and an open alone lets its writer run into a closed pipe.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[kSniffBytes];
  ssize_t got;
  do {
    got = ::read(fd, buffer, sizeof buffer);
  } while (got < 0 && errno == EINTR);
  ::close(fd);
  if (got <= 0) return std::nullopt;
  std::string_view head(buffer, static_cast<std::size_t>(got));
  if (starts_with(head, "PAR1")) return "a Parquet file";
  if (starts_with(head, "PK\x03\x04")) return "a ZIP archive (an .xlsx workbook?)";
  if (starts_with(head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return "an OLE2 document (an .xls workbook?)";
  if (starts_with(head,
                  "\x7F"
                  "ELF"))
    return "an executable (ELF)";
  if (starts_with(head, "\x1F\x8B")) return std::nullopt;  // gzip: the reader decompresses it
  if (starts_with(head, "\xFF\xFE") || starts_with(head, "\xFE\xFF")) return "UTF-16 text (save it as UTF-8)";
  if (starts_with(head, "\xEF\xBB\xBF")) head.remove_prefix(3);
  if (head.find('\0') != std::string_view::npos) return "a binary file (it holds NUL bytes)";
  if (looks_like_json(head)) return "a JSON file";
  return std::nullopt;
}

}  // namespace lean
