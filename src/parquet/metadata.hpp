#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lean::parquet {

// The parts of Parquet's footer (parquet-format, src/main/thrift/parquet.thrift) a reader
// of flat tables needs; enum values are the specification's.
enum class PhysicalType {
  boolean = 0,
  int32 = 1,
  int64 = 2,
  int96 = 3,
  float32 = 4,
  float64 = 5,
  byte_array = 6,
  fixed_len_byte_array = 7
};
enum class Codec { uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4_raw = 7 };
enum class Encoding {
  plain = 0,
  plain_dictionary = 2,
  rle = 3,
  bit_packed = 4,
  delta_binary_packed = 5,
  delta_length_byte_array = 6,
  delta_byte_array = 7,
  rle_dictionary = 8,
  byte_stream_split = 9
};
enum class PageType { data = 0, index = 1, dictionary = 2, data_v2 = 3 };

// How a column's stored values read as numbers or text (logical or converted types).
enum class ValueKind {
  integer,           // INT32/INT64 as signed (INT_8..INT_64, or no annotation)
  unsigned_integer,  // UINT_8..UINT_64 / INTEGER(signed=false)
  decimal,           // unscaled integer / 10^scale (INT32, INT64, FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY)
  real,              // FLOAT, DOUBLE
  boolean,           // text "true"/"false"
  text,              // BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY: STRING, ENUM, JSON, or plain bytes
  date,              // days since 1970-01-01
  time,              // seconds since midnight (stored in ms, us or ns)
  timestamp,         // seconds since 1970-01-01T00:00:00 (stored in ms, us or ns; INT96 in ns)
};

struct ColumnSchema {
  std::string name;
  PhysicalType physical = PhysicalType::int32;
  ValueKind kind = ValueKind::integer;
  int type_length = 0;    // FIXED_LEN_BYTE_ARRAY
  int scale = 0;          // decimal: digits after the point; time/timestamp: 3, 6 or 9 (the unit)
  bool optional = false;  // max definition level 1 (0 when required)
  // Why the reader cannot read the column (a nested group, a repeated field, a type it does
  // not support), empty when it can: such a column is still part of the file, so a user can
  // --exclude it, and only reading it is an error (parquet::require_readable).
  std::string unsupported;
  std::size_t chunk = 0;  // the index of its column chunk in each row group (of its first, if nested)
};

// Throws FormatError with the column's `unsupported` reason, if it has one.
void require_readable(const ColumnSchema& column);

struct ColumnChunkMeta {
  PhysicalType physical = PhysicalType::int32;
  Codec codec = Codec::uncompressed;
  std::int64_t num_values = 0;
  std::int64_t total_compressed_size = 0;
  std::int64_t data_page_offset = 0;
  std::optional<std::int64_t> dictionary_page_offset;
  std::string file_path;  // set when the chunk lives in another file (unsupported)
  bool has_meta_data = false;
};

struct RowGroupMeta {
  std::int64_t num_rows = 0;
  std::vector<ColumnChunkMeta> columns;  // in schema order
};

struct FileMeta {
  std::vector<ColumnSchema> columns;  // the root's fields, in schema order
  std::size_t leaves = 0;             // column chunks per row group (a nested field has several)
  std::int64_t num_rows = 0;
  std::vector<RowGroupMeta> row_groups;
};

// Decodes the footer's FileMetaData. Throws FormatError for corrupt Thrift, an inconsistent
// schema tree, and a row group whose column chunks do not match the schema; a column it
// cannot read is marked `unsupported` instead.
FileMeta decode_file_meta(std::span<const std::uint8_t> footer);

struct PageHeader {
  PageType type = PageType::data;
  std::int32_t uncompressed_size = 0;
  std::int32_t compressed_size = 0;
  std::int32_t num_values = 0;
  Encoding encoding = Encoding::plain;
  Encoding definition_encoding = Encoding::rle;
  // Data page v2: levels stored before the values, uncompressed.
  std::int32_t num_nulls = 0;
  std::int32_t definition_bytes = 0;
  std::int32_t repetition_bytes = 0;
  bool values_compressed = true;
  std::size_t header_size = 0;  // bytes of the header itself
};

// Decodes the page header at the start of `bytes`.
PageHeader decode_page_header(std::span<const std::uint8_t> bytes);

const char* codec_name(Codec codec);
const char* encoding_name(Encoding encoding);

}  // namespace lean::parquet
