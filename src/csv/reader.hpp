#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lean {

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
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next record's fields, valid until the next call; false at the end of the input.
  bool next(std::vector<std::string_view>& fields);
  // The line on which the last record returned starts (1-based).
  std::uint64_t line() const { return record_line_; }
  const std::string& path() const { return path_; }

 private:
  enum class Scan { record, blank, need_more };
  Scan scan_record(std::vector<std::string_view>& fields);
  bool refill();
  void after_read(std::size_t got);
  [[noreturn]] void fail(std::uint64_t line, const std::string& message) const;

  struct Source;
  std::string path_;
  char delimiter_;
  std::array<bool, 256> ends_field_{};  // the delimiter and line-end bytes
  std::unique_ptr<Source> source_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes are buffer_[begin_, end_)
  bool eof_ = false;
  bool first_read_ = true;
  std::uint64_t next_line_ = 1;    // the line at buffer_[begin_]
  std::uint64_t record_line_ = 0;
};

}  // namespace lean
