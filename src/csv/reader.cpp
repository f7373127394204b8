#include "csv/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/limits.hpp"

namespace lean {
namespace {

constexpr std::size_t kInitialBuffer = std::size_t{1} << 20;
constexpr unsigned kZlibBuffer = 1u << 18;

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Span {
  std::size_t start, length;
  bool doubled_quotes;
};

}  // namespace

char default_delimiter(const std::string& path) {
  for (auto suffix : {".tsv", ".tab", ".tsv.gz", ".tab.gz"}) {
    if (ends_with(path, suffix)) return '\t';
  }
  return ',';
}

// Plain files are read with read(2) straight into the window; gzip files through zlib.
struct CsvReader::Source {
  int fd = -1;
  gzFile file = nullptr;
  std::vector<Span> spans;
  ~Source() {
    if (file) gzclose(file);
    else if (fd >= 0) ::close(fd);
  }
};

CsvReader::CsvReader(std::string path, char delimiter)
    : path_(std::move(path)), delimiter_(delimiter), source_(std::make_unique<Source>()) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_input(path_, std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    throw_input(path_, "is a directory, not a file");
  }
  source_->fd = fd;
  unsigned char magic[2] = {0, 0};
  const bool gzip = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (gzip) {
    source_->file = gzdopen(fd, "rb");
    if (!source_->file) throw_input(path_, "cannot open: out of memory");
    gzbuffer(source_->file, kZlibBuffer);
  }
  buffer_.resize(kInitialBuffer);
  ends_field_.fill(false);
  for (char c : {delimiter_, '\n', '\r'}) ends_field_[static_cast<unsigned char>(c)] = true;
}

CsvReader::~CsvReader() = default;

void CsvReader::fail(std::uint64_t line, const std::string& message) const {
  throw_input(path_ + ":" + std::to_string(line), message);
}

bool CsvReader::refill() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) {  // one record longer than the window
    if (end_ >= limits::kCsvRecordBytes) {
      fail(next_line_, "a row longer than " + describe_bytes_limit(limits::kCsvRecordBytes) +
                           " (the limit; see docs/hardening.md)");
    }
    buffer_.resize(buffer_.size() * 2);
  }
  const auto wanted = static_cast<unsigned>(std::min<std::size_t>(buffer_.size() - end_, 1u << 30));
  if (!source_->file) {
    ssize_t got;
    do {
      got = ::read(source_->fd, buffer_.data() + end_, wanted);
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw_input(path_, std::string("cannot read: ") + std::strerror(errno));
    after_read(static_cast<std::size_t>(got));
    return got > 0;
  }
  const int got = gzread(source_->file, buffer_.data() + end_, wanted);
  int code = Z_OK;
  const char* message = gzerror(source_->file, &code);
  if (got < 0 || (code != Z_OK && code != Z_STREAM_END)) {
    if (code == Z_ERRNO) throw_input(path_, std::string("cannot read: ") + std::strerror(errno));
    if (code == Z_BUF_ERROR) throw_input(path_, "truncated gzip data: unexpected end of file");
    throw_input(path_, std::string("corrupt gzip data: ") + message);
  }
  after_read(static_cast<std::size_t>(got));
  return got > 0;
}

void CsvReader::after_read(std::size_t got) {
  if (got == 0) eof_ = true;
  end_ += got;
  if (first_read_ && (end_ >= 3 || eof_)) {
    first_read_ = false;
    if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) begin_ = 3;
  }
}

CsvReader::Scan CsvReader::scan_record(std::vector<std::string_view>& fields) {
  char* const buf = buffer_.data();
  const char delimiter = delimiter_;
  std::size_t pos = begin_;
  std::uint64_t line = next_line_;
  auto& spans = source_->spans;
  spans.clear();
  if (first_read_) return Scan::need_more;
  if (pos == end_) return Scan::need_more;
  if (buf[pos] == '\n' || buf[pos] == '\r') {
    if (buf[pos] == '\r' && pos + 1 == end_ && !eof_) return Scan::need_more;
    pos += (buf[pos] == '\r' && pos + 1 < end_ && buf[pos + 1] == '\n') ? 2 : 1;
    begin_ = pos;
    next_line_ = line + 1;
    return Scan::blank;
  }
  for (;;) {
    if (pos < end_ && buf[pos] == '"') {
      const std::size_t start = ++pos;
      bool doubled = false;
      std::size_t close;
      for (;;) {
        const void* found = std::memchr(buf + pos, '"', end_ - pos);
        const std::size_t upto = found ? static_cast<std::size_t>(static_cast<const char*>(found) - buf) : end_;
        for (std::size_t i = pos; i < upto; ++i) {
          if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 == upto || buf[i + 1] != '\n'))) ++line;
        }
        if (!found) {
          if (!eof_) return Scan::need_more;
          fail(next_line_, "unterminated quoted field");
        }
        if (upto + 1 == end_ && !eof_) return Scan::need_more;  // "" or the closing quote?
        if (upto + 1 < end_ && buf[upto + 1] == '"') {
          doubled = true;
          pos = upto + 2;
          continue;
        }
        close = upto;
        pos = upto + 1;
        break;
      }
      spans.push_back({start, close - start, doubled});
      if (pos == end_) {
        if (!eof_) return Scan::need_more;
        break;
      }
      const char c = buf[pos];
      if (c == delimiter) {
        ++pos;
        continue;
      }
      if (c == '\n' || c == '\r') break;
      fail(line, "unexpected text after a closing quote");
    }
    const std::size_t start = pos;
    while (pos < end_ && !ends_field_[static_cast<unsigned char>(buf[pos])]) ++pos;
    if (pos == end_ && !eof_) return Scan::need_more;
    spans.push_back({start, pos - start, false});
    if (pos < end_ && buf[pos] == delimiter) {
      ++pos;
      continue;
    }
    break;
  }
  // The line end, if any (a final record may have none).
  if (pos < end_) {
    if (buf[pos] == '\r') {
      if (pos + 1 == end_ && !eof_) return Scan::need_more;
      ++pos;
      if (pos < end_ && buf[pos] == '\n') ++pos;
    } else {
      ++pos;
    }
    ++line;
  }
  record_line_ = next_line_;
  next_line_ = line;
  begin_ = pos;
  if (spans.size() > limits::kCsvColumns) {
    fail(record_line_, "a row of more than " + std::to_string(limits::kCsvColumns) +
                           " fields (the limit; see docs/hardening.md)");
  }
  fields.clear();
  for (const Span& span : spans) {
    if (span.length > limits::kCsvFieldBytes) {
      fail(record_line_, "a field longer than " + describe_bytes_limit(limits::kCsvFieldBytes) +
                             " (the limit; see docs/hardening.md)");
    }
    std::size_t length = span.length;
    if (span.doubled_quotes) {  // "" -> ", compacted in place
      char* text = buf + span.start;
      std::size_t out = 0;
      for (std::size_t i = 0; i < span.length; ++i, ++out) {
        text[out] = text[i];
        if (text[i] == '"') ++i;
      }
      length = out;
    }
    fields.emplace_back(buf + span.start, length);
  }
  return Scan::record;
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  for (;;) {
    switch (scan_record(fields)) {
      case Scan::record: return true;
      case Scan::blank: continue;
      case Scan::need_more:
        if (eof_ && begin_ == end_) return false;
        refill();
    }
  }
}

}  // namespace lean
