#include "csv/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "input/s3_input.hpp"

namespace lean {
namespace {

// Small enough that the text read stays in the L2 cache until the tokenizer gets to it.
constexpr std::size_t kInitialWindow = std::size_t{256} << 10;
constexpr unsigned kZlibBuffer = 1u << 18;

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Bit i set when block[i] is the delimiter, '\n' or '\r': the bytes that can end an
// unquoted field. Reads 64 bytes, which the window's padding allows at its end.
std::uint64_t field_end_bits(const char* block, char delimiter) {
  std::uint64_t bits = 0;
#if defined(__SSE2__)
  const __m128i delimiters = _mm_set1_epi8(delimiter), line_feeds = _mm_set1_epi8('\n'), returns = _mm_set1_epi8('\r');
  for (int i = 0; i < 64; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + i));
    const __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(bytes, delimiters),
                                      _mm_or_si128(_mm_cmpeq_epi8(bytes, line_feeds), _mm_cmpeq_epi8(bytes, returns)));
    bits |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(hits))} << i;
  }
#else
  for (int i = 0; i < 64; ++i) {
    if (block[i] == delimiter || block[i] == '\n' || block[i] == '\r') bits |= std::uint64_t{1} << i;
  }
#endif
  return bits;
}

}  // namespace

char default_delimiter(const std::string& path) {
  for (auto suffix : {".tsv", ".tab", ".tsv.gz", ".tab.gz"}) {
    if (ends_with(path, suffix)) return '\t';
  }
  return ',';
}

// Plain files are read with read(2) straight into the window; gzip files through zlib. An
// s3:// object comes through a socket its stream fills (input/s3_input.hpp).
struct CsvReader::Source {
  int fd = -1;
  gzFile file = nullptr;
  std::unique_ptr<input::FedStream> remote;
  std::vector<std::size_t> unescape;  // the fields of the record being scanned that hold ""
  // At the end of the bytes: a remote stream says whether they all came (or throws why not).
  void at_end() {
    if (remote) remote->finish();
  }
  ~Source() {
    if (file) gzclose(file);
    else if (fd >= 0) ::close(fd);
  }
};

CsvReader::CsvReader(std::string path, char delimiter)
    : path_(std::move(path)), delimiter_(delimiter), source_(std::make_unique<Source>()) {
  window_ = kInitialWindow;
  buffer_.resize(window_ + kFieldPadding);
  if (input::is_s3_url(path_)) {
    auto stream = std::make_unique<input::S3Stream>(path_);
    const bool gzip = stream->starts_with_gzip();
    source_->remote = std::move(stream);
    source_->fd = source_->remote->release_fd();
    if (gzip) {
      source_->file = gzdopen(source_->fd, "rb");
      if (!source_->file) throw_input(path_, "cannot open: out of memory");
      gzbuffer(source_->file, kZlibBuffer);
    }
    return;
  }
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
  } else if (S_ISREG(info.st_mode)) {
    file_bytes_ = static_cast<std::uint64_t>(info.st_size);
  }
}

CsvReader::CsvReader(std::string name, char delimiter, std::unique_ptr<input::FedStream> stream)
    : path_(std::move(name)), delimiter_(delimiter), source_(std::make_unique<Source>()) {
  window_ = kInitialWindow;
  buffer_.resize(window_ + kFieldPadding);
  source_->remote = std::move(stream);
  source_->fd = source_->remote->release_fd();
}

CsvReader::~CsvReader() = default;

void CsvReader::fail(std::uint64_t line, const std::string& message) const {
  throw_input(path_ + ":" + std::to_string(line), message);
}

bool CsvReader::refill() {
  bits_block_ = kNoBlock;  // the bytes move or grow
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    bytes_before_window_ += begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == window_) {  // one record longer than the window
    if (end_ >= limits::kCsvRecordBytes) {
      fail(next_line_, "a row longer than " + describe_bytes_limit(limits::kCsvRecordBytes) +
                           " (the limit; see docs/hardening.md)");
    }
    window_ *= 2;
    buffer_.resize(window_ + kFieldPadding);
  }
  const auto wanted = static_cast<unsigned>(std::min<std::size_t>(window_ - end_, 1u << 30));
  if (!source_->file) {
    ssize_t got;
    do {
      got = ::read(source_->fd, buffer_.data() + end_, wanted);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) source_->at_end();
    if (got < 0) throw_input(path_, std::string("cannot read: ") + std::strerror(errno));
    after_read(static_cast<std::size_t>(got));
    return got > 0;
  }
  const int got = gzread(source_->file, buffer_.data() + end_, wanted);
  int code = Z_OK;
  const char* message = gzerror(source_->file, &code);
  if (got <= 0 || (code != Z_OK && code != Z_STREAM_END)) source_->at_end();
  if (got < 0 || (code != Z_OK && code != Z_STREAM_END)) {
    if (code == Z_ERRNO) throw_input(path_, std::string("cannot read: ") + std::strerror(errno));
    if (code == Z_BUF_ERROR) throw_input(path_, "truncated gzip data: unexpected end of file");
    // zlib names the stream "<fd:3>: " before its reason: the error line names the file instead.
    std::string reason = message;
    if (const std::size_t colon = reason.find(": "); reason.rfind("<fd:", 0) == 0 && colon != std::string::npos)
      reason.erase(0, colon + 2);
    throw_input(path_, "corrupt gzip data: " + reason);
  }
  after_read(static_cast<std::size_t>(got));
  return got > 0;
}

void CsvReader::after_read(std::size_t got) {
  if (got == 0) eof_ = true;
  end_ += got;
  buffer_[end_] = '\n';  // a sentinel: the scan may look at the byte past the end unchecked
  if (first_read_ && (end_ >= 3 || eof_)) {
    first_read_ = false;
    if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) begin_ = 3;
  }
}

CsvReader::Scan CsvReader::scan_record() {
  char* const buf = buffer_.data();
  const std::size_t end = end_;  // locals: stores of fields could alias members
  const bool eof = eof_;
  const char delimiter = delimiter_;
  std::size_t pos = begin_;
  std::uint64_t line = next_line_;
  auto& unescape = source_->unescape;
  unescape.clear();
  if (first_read_ || pos == end) return Scan::need_more;

  // The fields go to fields_, used up to its size and doubled when full.
  std::string_view* out = fields_.data();
  std::string_view* out_end = out + fields_.size();
  auto emit = [&](const char* text, std::size_t size) __attribute__((always_inline)) {  // inline: once a field
    if (out == out_end) [[unlikely]] {
      const auto used = static_cast<std::size_t>(out - fields_.data());
      fields_.resize(std::max<std::size_t>(16, 2 * fields_.size()));
      out = fields_.data() + used;
      out_end = fields_.data() + fields_.size();
    }
    if (size > limits::kCsvFieldBytes) [[unlikely]] {
      fail(next_line_, "a field longer than " + describe_bytes_limit(limits::kCsvFieldBytes) +
                           " (the limit; see docs/hardening.md)");
    }
    *out++ = std::string_view(text, size);
  };
  // The field ends at or after pos, in order: each 64-byte block's bit mask is computed
  // once (and kept for the next record), its bits taken lowest first.
  std::size_t block = bits_block_;
  std::uint64_t bits = bits_;
  auto skip_to = [&](std::size_t at) {
    if (const std::size_t at_block = at & ~std::size_t{63}; at_block != block) {
      block = at_block;
      bits = field_end_bits(buf + block, delimiter);
    }
    bits &= ~std::uint64_t{0} << (at - block);
  };
  auto next_end = [&] {
    while (bits == 0) [[unlikely]] {
        block += 64;  // the sentinel at `end` stops this
        bits = field_end_bits(buf + block, delimiter);
      }
    const std::size_t at = block + static_cast<std::size_t>(std::countr_zero(bits));
    bits &= bits - 1;
    return at;
  };
  skip_to(pos);

  if (buf[pos] == '\n' || buf[pos] == '\r') {
    if (buf[pos] == '\r' && pos + 1 == end && !eof) return Scan::need_more;
    pos += (buf[pos] == '\r' && pos + 1 < end && buf[pos + 1] == '\n') ? 2 : 1;
    begin_ = pos;
    next_line_ = line + 1;
    bits_block_ = block;
    bits_ = bits;
    return Scan::blank;
  }
  for (;;) {
    if (buf[pos] == '"') {
      const std::size_t start = ++pos;
      bool doubled = false;
      std::size_t close;
      for (;;) {
        const void* found = std::memchr(buf + pos, '"', end - pos);
        const std::size_t upto = found ? static_cast<std::size_t>(static_cast<const char*>(found) - buf) : end;
        for (std::size_t i = pos; i < upto; ++i) {
          if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 == upto || buf[i + 1] != '\n'))) ++line;
        }
        if (!found) {
          if (!eof) return Scan::need_more;
          fail(next_line_, "unterminated quoted field");
        }
        if (upto + 1 == end && !eof) return Scan::need_more;  // "" or the closing quote?
        if (upto + 1 < end && buf[upto + 1] == '"') {
          doubled = true;
          pos = upto + 2;
          continue;
        }
        close = upto;
        pos = upto + 1;
        break;
      }
      if (doubled) unescape.push_back(static_cast<std::size_t>(out - fields_.data()));
      emit(buf + start, close - start);
      if (pos == end) {
        if (!eof) return Scan::need_more;
        break;
      }
      const char c = buf[pos];
      if (c == delimiter) {
        skip_to(++pos);  // past the delimiters and line ends inside the quotes
        continue;
      }
      if (c == '\n' || c == '\r') break;
      fail(line, "unexpected text after a closing quote");
    }
    const std::size_t stop = next_end();
    if (stop == end && !eof) return Scan::need_more;
    emit(buf + pos, stop - pos);
    pos = stop;
    if (buf[pos] != delimiter) break;
    ++pos;
  }
  // The line end, if any (a final record may have none).
  if (pos < end) {
    if (buf[pos] == '\r') {
      if (pos + 1 == end && !eof) return Scan::need_more;
      ++pos;
      if (pos < end && buf[pos] == '\n') ++pos;
    } else {
      ++pos;
    }
    ++line;
  }
  record_line_ = next_line_;
  next_line_ = line;
  begin_ = pos;
  bits_block_ = block;
  bits_ = bits;
  field_count_ = static_cast<std::size_t>(out - fields_.data());
  if (field_count_ > limits::kCsvColumns) [[unlikely]] {
    fail(record_line_,
         "a row of more than " + std::to_string(limits::kCsvColumns) + " fields (the limit; see docs/hardening.md)");
  }
  for (std::size_t index : unescape) {  // "" -> ", compacted in place now that the record is complete
    char* text = const_cast<char*>(fields_[index].data());
    std::size_t kept = 0;
    for (std::size_t i = 0; i < fields_[index].size(); ++i, ++kept) {
      text[kept] = text[i];
      if (text[i] == '"') ++i;
    }
    fields_[index] = std::string_view(text, kept);
  }
  return Scan::record;
}

std::span<const std::string_view> CsvReader::next() {
  for (;;) {
    switch (scan_record()) {
      case Scan::record: return {fields_.data(), field_count_};
      case Scan::blank: continue;
      case Scan::need_more:
        if (eof_ && begin_ == end_) return {};
        refill();
    }
  }
}

std::optional<std::string_view> CsvReader::next_lines() {
  for (;;) {
    if (begin_ < end_ && !first_read_) {
      const char* base = buffer_.data();
      const void* last_feed = ::memrchr(base + begin_, '\n', end_ - begin_);
      if (last_feed || eof_) {
        const std::size_t stop =
            last_feed ? static_cast<std::size_t>(static_cast<const char*>(last_feed) - base) + 1 : end_;
        const std::string_view lines(base + begin_, stop - begin_);
        begin_ = stop;
        bits_block_ = kNoBlock;
        return lines;
      }
      if (begin_ == 0 && end_ == window_) return std::nullopt;  // no line feed in a full window
    } else if (eof_) {
      return std::string_view();
    }
    refill();
  }
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  const std::span<const std::string_view> record = next();
  fields.assign(record.begin(), record.end());
  return !record.empty();
}

}  // namespace lean
