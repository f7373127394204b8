#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "parquet/decoding.hpp"
#include "parquet/metadata.hpp"

namespace lean::input {
class S3Object;
}

namespace lean::parquet {

// The most a page may declare: its decompressed bytes and its values (nulls included).
// Pages of real writers hold about a megabyte; the limits keep a hostile header from
// reserving unbounded memory (docs/hardening.md).
inline constexpr std::uint32_t kMaxPageBytes = 256u << 20;
inline constexpr std::uint32_t kMaxPageValues = 32u << 20;

// One data page: how many of its values are null, and the others.
struct PageValues {
  std::uint64_t nulls = 0;
  const Values& values;
  const Values* dictionary = nullptr;  // when values.form is indices
  // With read_column(..., with_rows): 1 per row of the page holding a value, 0 per null
  // (nullptr when the page has no null).
  const std::vector<std::uint8_t>* present = nullptr;
};

// True when the file begins or ends with Parquet's magic bytes "PAR1" (so a Parquet file
// with a damaged end or start is still read as Parquet, and its error says what is wrong).
// An s3:// object is looked into too (a missing one is its error, exit 3).
bool has_parquet_magic(const std::string& path);

// A Parquet file on disk or in S3 (s3://BUCKET/KEY: the footer from the object's last bytes,
// then each column chunk with one ranged GET on the thread that decodes it), read page by page: the footer when opened,
// then only the column chunks asked for, each a page at a time (at most one page of a column in memory). Safe to read
// different columns from different threads. Every error is an input error (exit 3) naming the file, and for a column
// chunk also the row group and the column.
//
// Hand-written against the Parquet format specification (parquet-format's parquet.thrift
// and Encodings.md): Apache Arrow's C++ library, the reference reader, is not packaged in
// Debian 12, and the toolkit links only Debian's libraries (docs/developing.md).
class ParquetFile {
 public:
  explicit ParquetFile(std::string path);
  ParquetFile(const ParquetFile&) = delete;
  ParquetFile& operator=(const ParquetFile&) = delete;

  const std::string& path() const { return path_; }
  const FileMeta& meta() const { return meta_; }
  // Calls on_page for every data page of column `column` in row group `group`.
  // `with_rows`: also where the nulls are (PageValues::present), for row-wise readers.
  void read_column(std::size_t group, std::size_t column, const std::function<void(const PageValues&)>& on_page,
                   bool with_rows = false) const;

 private:
  void read_chunk(std::size_t group, std::size_t column, const std::function<void(const PageValues&)>& on_page,
                  bool with_rows) const;
  void read_at(std::uint64_t offset, std::size_t size, std::vector<std::uint8_t>& out) const;

  // Closed by its own destructor, so a constructor that throws (a bad footer) leaks no descriptor.
  struct Descriptor {
    int fd = -1;
    Descriptor() = default;
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor();
  };

  std::string path_;
  Descriptor file_;
  std::shared_ptr<const input::S3Object> remote_;  // for s3:// (then file_ stays closed)
  std::uint64_t size_ = 0;
  std::uint64_t data_end_ = 0;  // where the footer starts
  FileMeta meta_;
};

}  // namespace lean::parquet
