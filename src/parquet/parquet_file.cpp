#include "parquet/parquet_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "input/s3_input.hpp"
#include "parquet/codecs.hpp"
#include "parquet/thrift_compact.hpp"

namespace lean::parquet {
namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
constexpr std::size_t kFirstHeaderWindow = 64 << 10;
constexpr std::size_t kMaxHeaderBytes = 16 << 20;  // page statistics can hold long strings

std::uint32_t little_endian32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

bool is_truncated_thrift(const FormatError& error) { return std::strstr(error.what(), "ends early") != nullptr; }

}  // namespace

bool has_parquet_magic(const std::string& path) {
  if (input::is_s3_url(path)) {
    const auto object = input::S3Object::open(path);
    if (object->size() < 4) return false;
    std::vector<std::uint8_t> head, tail;
    object->read_at(0, 4, head);
    object->read_at(object->size() - 4, 4, tail);
    return std::memcmp(head.data(), kMagic, 4) == 0 || std::memcmp(tail.data(), kMagic, 4) == 0;
  }
  struct stat before {};
  // Only a regular file is looked into: opening a pipe would take its writer from the reader.
  if (::stat(path.c_str(), &before) != 0 || !S_ISREG(before.st_mode)) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char head[4] = {}, tail[4] = {};
  struct stat info {};
  bool found = false;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size >= 4) {
    found = (::pread(fd, head, 4, 0) == 4 && std::memcmp(head, kMagic, 4) == 0) ||
            (::pread(fd, tail, 4, info.st_size - 4) == 4 && std::memcmp(tail, kMagic, 4) == 0);
  }
  ::close(fd);
  return found;
}

ParquetFile::ParquetFile(std::string path) : path_(std::move(path)) {
  if (input::is_s3_url(path_)) {
    remote_ = input::S3Object::open(path_);
    size_ = remote_->size();
  } else {
    file_.fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (file_.fd < 0) throw_input(path_, std::string("cannot open: ") + std::strerror(errno));
    struct stat info {};
    if (::fstat(file_.fd, &info) != 0) throw_input(path_, std::string("cannot read: ") + std::strerror(errno));
    size_ = static_cast<std::uint64_t>(info.st_size);
  }
  if (size_ < 12)
    throw_input(path_, "not a complete Parquet file: " + std::to_string(size_) +
                           " bytes, too short for its magic bytes and footer");
  std::vector<std::uint8_t> bytes;
  read_at(0, 4, bytes);
  if (std::memcmp(bytes.data(), kMagic, 4) != 0)
    throw_input(path_, "not a Parquet file: it does not start with the magic bytes PAR1");
  read_at(size_ - 8, 8, bytes);
  if (std::memcmp(bytes.data() + 4, kMagic, 4) != 0) {
    throw_input(path_, "not a complete Parquet file: it does not end with the magic bytes PAR1");
  }
  const std::uint32_t footer = little_endian32(bytes.data());
  if (footer > size_ - 12) {
    throw_input(path_, "the footer length " + std::to_string(footer) + " points outside the file (" +
                           std::to_string(size_) + " bytes)");
  }
  data_end_ = size_ - 8 - footer;
  read_at(data_end_, footer, bytes);
  try {
    meta_ = decode_file_meta(bytes);
  } catch (const FormatError& error) {
    throw_input(path_, std::string("footer: ") + error.what());
  }
}

ParquetFile::Descriptor::~Descriptor() {
  if (fd >= 0) ::close(fd);
}

void ParquetFile::read_at(std::uint64_t offset, std::size_t size, std::vector<std::uint8_t>& out) const {
  if (remote_) return remote_->read_at(offset, size, out);
  out.resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(file_.fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw_input(path_, std::string("cannot read: ") + (n < 0 ? std::strerror(errno) : "the file got shorter"));
    done += static_cast<std::size_t>(n);
  }
}

void ParquetFile::read_column(std::size_t group, std::size_t column,
                              const std::function<void(const PageValues&)>& on_page, bool with_rows) const {
  try {
    read_chunk(group, column, on_page, with_rows);
  } catch (const FormatError& error) {
    throw_input(path_, "row group " + std::to_string(group) + ", column \"" + meta_.columns[column].name +
                           "\": " + error.what());
  }
}

void ParquetFile::read_chunk(std::size_t group, std::size_t column,
                             const std::function<void(const PageValues&)>& on_page, bool with_rows) const {
  const ColumnSchema& schema = meta_.columns[column];
  require_readable(schema);
  const RowGroupMeta& row_group = meta_.row_groups[group];
  const ColumnChunkMeta& chunk = row_group.columns[schema.chunk];
  if (!chunk.file_path.empty()) fail("the column chunk is in another file, which is not supported");
  if (!chunk.has_meta_data) fail("the column chunk has no metadata");
  if (chunk.physical != schema.physical) fail("the column chunk's physical type differs from the schema's");
  std::uint64_t start = static_cast<std::uint64_t>(chunk.data_page_offset);
  if (chunk.dictionary_page_offset && *chunk.dictionary_page_offset > 0 &&
      *chunk.dictionary_page_offset < chunk.data_page_offset) {
    start = static_cast<std::uint64_t>(*chunk.dictionary_page_offset);
  }
  const auto length = static_cast<std::uint64_t>(chunk.total_compressed_size);
  if (chunk.data_page_offset < 4 || chunk.total_compressed_size < 0 || start < 4 || start > data_end_ ||
      length > data_end_ - start) {
    fail("the column chunk (" + std::to_string(chunk.total_compressed_size) + " bytes at byte " +
         std::to_string(chunk.data_page_offset) + ") lies outside the file's data (bytes 4 to " +
         std::to_string(data_end_) + ")");
  }
  const std::uint64_t end = start + length;
  if (remote_) remote_->load_window(start, length);  // one ranged GET for the whole chunk
  const auto rows = static_cast<std::uint64_t>(row_group.num_rows);

  // Kept from chunk to chunk on each thread: fresh memory costs page faults.
  thread_local Values dictionary, values;
  thread_local std::vector<std::uint8_t> raw, page, header_bytes, present_rows;
  dictionary.clear(Values::Form::integers);
  bool have_dictionary = false;
  std::uint64_t seen = 0;  // values so far, nulls included
  for (std::uint64_t at = start; at < end && seen < rows;) {
    const std::string where = "page at byte " + std::to_string(at);
    // The header: a window of the chunk, widened while the header does not fit in it.
    PageHeader header;
    for (std::size_t window = kFirstHeaderWindow;; window *= 2) {
      const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(window, end - at));
      read_at(at, size, header_bytes);
      try {
        header = decode_page_header(header_bytes);
        break;
      } catch (const FormatError& error) {
        if (!is_truncated_thrift(error) || size == end - at || window >= kMaxHeaderBytes) {
          fail(where + ": corrupt page header: " + error.what());
        }
      }
    }
    at += header.header_size;
    if (static_cast<std::uint64_t>(header.compressed_size) > end - at) fail(where + " is larger than its column chunk");
    if (static_cast<std::uint32_t>(header.uncompressed_size) > kMaxPageBytes) {
      fail(where + " declares " + std::to_string(header.uncompressed_size) + " bytes (the limit is " +
           std::to_string(kMaxPageBytes >> 20) + " MiB)");
    }
    if (static_cast<std::uint32_t>(header.num_values) > kMaxPageValues) {
      fail(where + " declares " + std::to_string(header.num_values) + " values (the limit is " +
           std::to_string(kMaxPageValues) + ")");
    }
    read_at(at, static_cast<std::size_t>(header.compressed_size), raw);
    at += static_cast<std::uint64_t>(header.compressed_size);
    const auto count = static_cast<std::size_t>(header.num_values);
    try {
      if (header.type == PageType::dictionary) {
        if (have_dictionary) fail("a second dictionary page");
        if (header.encoding != Encoding::plain && header.encoding != Encoding::plain_dictionary) {
          fail(std::string("a dictionary page encoded as ") + encoding_name(header.encoding));
        }
        decompress(chunk.codec, raw, static_cast<std::size_t>(header.uncompressed_size), page);
        decode_values(schema, Encoding::plain, page, count, 0, dictionary);
        have_dictionary = true;
        continue;
      }
      if (header.type == PageType::index) continue;
      std::span<const std::uint8_t> value_bytes;
      std::size_t present = count;
      if (header.type == PageType::data) {
        decompress(chunk.codec, raw, static_cast<std::size_t>(header.uncompressed_size), page);
        std::span<const std::uint8_t> rest(page);
        if (schema.optional) {
          if (header.definition_encoding != Encoding::rle) {
            fail(std::string("definition levels encoded as ") + encoding_name(header.definition_encoding) +
                 " (only RLE is supported)");
          }
          if (rest.size() < 4) fail("the definition levels end early");
          const std::uint32_t size = little_endian32(rest.data());
          if (size > rest.size() - 4) fail("the definition levels end early");
          present = count_max_levels(rest.subspan(4, size), 1, count, 1);
          if (with_rows && present < count) read_max_levels(rest.subspan(4, size), 1, count, 1, present_rows);
          rest = rest.subspan(4 + size);
        }
        value_bytes = rest;
      } else {  // data page v2: levels first, never compressed
        const auto levels =
            static_cast<std::uint64_t>(header.definition_bytes) + static_cast<std::uint64_t>(header.repetition_bytes);
        if (levels > raw.size() || levels > static_cast<std::uint64_t>(header.uncompressed_size))
          fail("the levels are larger than the page");
        if (header.repetition_bytes > 0) fail("repetition levels in a flat column");
        if (schema.optional)
          present =
              count_max_levels(std::span(raw).first(static_cast<std::size_t>(header.definition_bytes)), 1, count, 1);
        if (with_rows && present < count) {
          read_max_levels(std::span(raw).first(static_cast<std::size_t>(header.definition_bytes)), 1, count, 1,
                          present_rows);
        }
        const std::span<const std::uint8_t> stored = std::span(raw).subspan(static_cast<std::size_t>(levels));
        const auto expected = static_cast<std::size_t>(static_cast<std::uint64_t>(header.uncompressed_size) - levels);
        decompress(header.values_compressed ? chunk.codec : Codec::uncompressed, stored, expected, page);
        value_bytes = page;
      }
      const bool indexed = header.encoding == Encoding::plain_dictionary || header.encoding == Encoding::rle_dictionary;
      if (indexed && !have_dictionary) fail("a dictionary-encoded page without a dictionary page");
      decode_values(schema, header.encoding, value_bytes, present, dictionary.size(), values);
      seen += count;
      on_page(PageValues{count - present, values, have_dictionary ? &dictionary : nullptr,
                         with_rows && present < count ? &present_rows : nullptr});
    } catch (const FormatError& error) {
      if (std::strncmp(error.what(), "page at byte", 12) == 0) throw;
      fail(where + ": " + error.what());
    }
  }
  if (seen != rows) {
    fail("the column chunk holds " + std::to_string(seen) + " values, the row group has " + std::to_string(rows) +
         " rows");
  }
}

}  // namespace lean::parquet
