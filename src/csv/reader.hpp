#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lean {

namespace input {
class FedStream;
}

// The delimiter a file's name implies: tab for .tsv and .tab (also gzipped), else comma.
char default_delimiter(const std::string& path);

// Streaming RFC 4180 reader: quoted fields with delimiters, doubled quotes and line breaks
// inside, CRLF, LF or CR line ends, a UTF-8 byte-order mark, an optional final line break.
// Gzip input is recognised by its magic bytes and decompressed on the fly. Only a window
// of the file is in memory at a time. Blank lines are skipped.
// Malformed input throws an input error naming 'file:line'.
class CsvReader {
 public:
  CsvReader(std::string path, char delimiter);
  // CSV text (not gzip) a thread produces, e.g. a Parquet table rendered as CSV; `name` is
  // what errors name.
  CsvReader(std::string name, char delimiter, std::unique_ptr<input::FedStream> stream);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Every field returned is followed by at least this many readable bytes (of unspecified
  // content), so cell parsers may load whole words.
  static constexpr std::size_t kFieldPadding = 64;

  // The next record's fields, valid until the next call; empty at the end of the input
  // (a record has at least one field).
  std::span<const std::string_view> next();
  // The same, copied into `fields`; false at the end of the input.
  bool next(std::vector<std::string_view>& fields);
  // The line on which the last record returned starts (1-based).
  std::uint64_t line() const { return record_line_; }
  const std::string& path() const { return path_; }
  // The bytes of the input up to the end of the last record returned, and the input's size
  // when it is a plain file (not gzip, not a stream): enough to estimate the rows to come.
  std::uint64_t bytes_consumed() const { return bytes_before_window_ + begin_; }
  std::optional<std::uint64_t> file_bytes() const { return file_bytes_; }

  // For a caller that splits plain records itself: the unread input up to and including the
  // window's last line feed (reading more first when it holds none), or at the end of the
  // input a last line without one; empty at the end. The bytes are followed by kFieldPadding
  // readable bytes, a line feed first when the view does not end with one. nullopt when a
  // line does not fit the window. next() and line() do not follow these bytes: a caller
  // that gives up opens the file again.
  std::optional<std::string_view> next_lines();
  // The line the next bytes start on (1-based).
  std::uint64_t next_line() const { return next_line_; }

 private:
  enum class Scan { record, blank, need_more };
  Scan scan_record();  // into fields_
  bool refill();
  void after_read(std::size_t got);
  [[noreturn]] void fail(std::uint64_t line, const std::string& message) const;

  struct Source;
  std::string path_;
  char delimiter_;
  std::unique_ptr<Source> source_;
  std::vector<char> buffer_;               // the window, then kFieldPadding bytes
  std::size_t window_ = 0;                 // the window's size: buffer_.size() - kFieldPadding
  std::size_t begin_ = 0, end_ = 0;        // unread bytes are buffer_[begin_, end_)
  std::uint64_t bytes_before_window_ = 0;  // of the input, moved out of the window
  std::optional<std::uint64_t> file_bytes_;
  std::vector<std::string_view> fields_;  // the last record's fields, then room for more
  std::size_t field_count_ = 0;
  // Where the last record's scan stopped: the 64-byte block and its field-end bits not yet
  // taken (see scan_record).
  static constexpr std::size_t kNoBlock = ~std::size_t{0};
  std::size_t bits_block_ = kNoBlock;
  std::uint64_t bits_ = 0;
  bool eof_ = false;
  bool first_read_ = true;
  std::uint64_t next_line_ = 1;  // the line at buffer_[begin_]
  std::uint64_t record_line_ = 0;
};

}  // namespace lean
