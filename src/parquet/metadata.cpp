#include "parquet/metadata.hpp"

#include <vector>

#include "parquet/thrift_compact.hpp"

namespace lean::parquet {
namespace {

using Field = ThriftReader::Field;

struct SchemaElement {
  std::optional<int> type;
  int type_length = 0;
  int repetition = 0;  // REQUIRED 0, OPTIONAL 1, REPEATED 2
  std::string name;
  int num_children = 0;
  std::optional<int> converted;
  int scale = 0;
  // The logical type: the union's field id, and what its struct says.
  int logical = 0;
  int logical_unit_scale = 0;  // TIME/TIMESTAMP: 3, 6, 9
  int logical_scale = 0;       // DECIMAL
  int logical_bits = 0;        // INTEGER
  bool logical_signed = true;
};

int time_unit(ThriftReader& in) {  // union TimeUnit { 1: MILLIS, 2: MICROS, 3: NANOS }
  int scale = 0;
  in.read_struct([&](const Field& f) {
    if (f.id >= 1 && f.id <= 3) scale = 3 * f.id;
    in.skip(f.type);
  });
  return scale;
}

void read_logical_type(ThriftReader& in, SchemaElement& e) {
  in.read_struct([&](const Field& outer) {
    if (outer.type != ThriftReader::kStruct) return in.skip(outer.type);
    e.logical = outer.id;
    in.read_struct([&](const Field& f) {
      if (outer.id == 5 && f.id == 1 && f.type == ThriftReader::kI32) e.logical_scale = in.read_i32();  // DECIMAL scale
      else if ((outer.id == 7 || outer.id == 8) && f.id == 2 && f.type == ThriftReader::kStruct)
        e.logical_unit_scale = time_unit(in);
      else if (outer.id == 10 && f.id == 1 && f.type == ThriftReader::kByte) e.logical_bits = in.read_byte();
      else if (outer.id == 10 && f.id == 2 && (f.type == ThriftReader::kTrue || f.type == ThriftReader::kFalse))
        e.logical_signed = in.read_bool(f);
      else in.skip(f.type);
    });
  });
}

SchemaElement read_schema_element(ThriftReader& in) {
  SchemaElement e;
  in.read_struct([&](const Field& f) {
    switch (f.id) {
      case 1: e.type = in.read_i32(); break;
      case 2: e.type_length = in.read_i32(); break;
      case 3: e.repetition = in.read_i32(); break;
      case 4: e.name = std::string(in.read_binary()); break;
      case 5: e.num_children = in.read_i32(); break;
      case 6: e.converted = in.read_i32(); break;
      case 7: e.scale = in.read_i32(); break;
      case 10:
        if (f.type == ThriftReader::kStruct) read_logical_type(in, e);
        else in.skip(f.type);
        break;
      default: in.skip(f.type);
    }
  });
  return e;
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

const char* logical_name(int id) {
  switch (id) {
    case 2: return "MAP";
    case 3: return "LIST";
    case 11: return "UNKNOWN";
    case 15: return "FLOAT16";
    case 16: return "VARIANT";
    case 17: return "GEOMETRY";
    case 18: return "GEOGRAPHY";
    default: return "an unknown logical type";
  }
}

// A field the reader does not read, thrown by to_column: not a corrupt file.
struct Unsupported {
  std::string reason;
};

ColumnSchema to_column(const SchemaElement& e) {
  ColumnSchema column;
  column.name = e.name;
  if (e.repetition == 2)
    throw Unsupported{"column " + quoted(e.name) + " is repeated (a list): only flat schemas are supported"};
  column.optional = e.repetition == 1;
  if (!e.type || *e.type < 0 || *e.type > 7) fail("column " + quoted(e.name) + " has no valid physical type");
  column.physical = static_cast<PhysicalType>(*e.type);
  column.type_length = e.type_length;
  if (column.physical == PhysicalType::fixed_len_byte_array && (e.type_length <= 0 || e.type_length > (1 << 20))) {
    fail("column " + quoted(e.name) + " has an invalid FIXED_LEN_BYTE_ARRAY length " + std::to_string(e.type_length));
  }
  const int converted = e.converted.value_or(-1);
  const int logical = e.logical;
  auto unsupported = [&](const std::string& what) {
    throw Unsupported{"column " + quoted(e.name) + " has type " + what + ", which is not supported"};
  };
  if (logical != 0 && logical != 1 && logical != 4 && logical != 5 && logical != 6 && logical != 7 && logical != 8 &&
      logical != 10 && logical != 12 && logical != 13 && logical != 14) {
    unsupported(logical_name(logical));
  }
  const bool is_decimal = logical == 5 || converted == 5;
  switch (column.physical) {
    case PhysicalType::boolean: column.kind = ValueKind::boolean; break;
    case PhysicalType::float32:
    case PhysicalType::float64: column.kind = ValueKind::real; break;
    case PhysicalType::int96:
      column.kind = ValueKind::timestamp;
      column.scale = 9;
      break;
    case PhysicalType::int32:
    case PhysicalType::int64:
      column.kind = ValueKind::integer;
      if (is_decimal) {
        column.kind = ValueKind::decimal;
        column.scale = logical == 5 ? e.logical_scale : e.scale;
      } else if (logical == 6 || converted == 6) {
        column.kind = ValueKind::date;
      } else if (logical == 7 || converted == 7 || converted == 8) {
        column.kind = ValueKind::time;
        column.scale = logical == 7 ? e.logical_unit_scale : (converted == 7 ? 3 : 6);
      } else if (logical == 8 || converted == 9 || converted == 10) {
        column.kind = ValueKind::timestamp;
        column.scale = logical == 8 ? e.logical_unit_scale : (converted == 9 ? 3 : 6);
      } else if ((logical == 10 && !e.logical_signed) || (converted >= 11 && converted <= 14)) {
        column.kind = ValueKind::unsigned_integer;
      }
      break;
    case PhysicalType::byte_array:
    case PhysicalType::fixed_len_byte_array:
      column.kind = is_decimal ? ValueKind::decimal : ValueKind::text;
      if (is_decimal) column.scale = logical == 5 ? e.logical_scale : e.scale;
      if (is_decimal && column.physical == PhysicalType::fixed_len_byte_array && e.type_length > 16) {
        unsupported("DECIMAL wider than 16 bytes");
      }
      break;
  }
  if ((column.kind == ValueKind::time || column.kind == ValueKind::timestamp) && column.scale == 0) {
    fail("column " + quoted(e.name) + " has a time unit Parquet does not define");
  }
  if (column.kind == ValueKind::decimal && (column.scale < 0 || column.scale > 38)) {
    fail("column " + quoted(e.name) + " has an invalid DECIMAL scale " + std::to_string(column.scale));
  }
  return column;
}

ColumnChunkMeta read_column_meta(ThriftReader& in, ColumnChunkMeta chunk) {
  chunk.has_meta_data = true;
  in.read_struct([&](const Field& f) {
    switch (f.id) {
      case 1: {
        const int type = in.read_i32();
        if (type < 0 || type > 7) fail("corrupt metadata: physical type " + std::to_string(type));
        chunk.physical = static_cast<PhysicalType>(type);
        break;
      }
      case 4: {
        const int codec = in.read_i32();
        if (codec < 0 || codec > 7) fail("unknown compression codec " + std::to_string(codec));
        chunk.codec = static_cast<Codec>(codec);
        break;
      }
      case 5: chunk.num_values = in.read_i64(); break;
      case 7: chunk.total_compressed_size = in.read_i64(); break;
      case 9: chunk.data_page_offset = in.read_i64(); break;
      case 11: chunk.dictionary_page_offset = in.read_i64(); break;
      default: in.skip(f.type);
    }
  });
  return chunk;
}

ColumnChunkMeta read_column_chunk(ThriftReader& in) {
  ColumnChunkMeta chunk;
  in.read_struct([&](const Field& f) {
    if (f.id == 1 && f.type == ThriftReader::kBinary) chunk.file_path = std::string(in.read_binary());
    else if (f.id == 3 && f.type == ThriftReader::kStruct) chunk = read_column_meta(in, chunk);
    else in.skip(f.type);
  });
  return chunk;
}

RowGroupMeta read_row_group(ThriftReader& in) {
  RowGroupMeta group;
  in.read_struct([&](const Field& f) {
    if (f.id == 1 && f.type == ThriftReader::kList) {
      in.read_list([&](std::uint8_t type) {
        if (type != ThriftReader::kStruct) fail("corrupt metadata: a column chunk is not a struct");
        group.columns.push_back(read_column_chunk(in));
      });
    } else if (f.id == 3) {
      group.num_rows = in.read_i64();
    } else {
      in.skip(f.type);
    }
  });
  return group;
}

}  // namespace

void require_readable(const ColumnSchema& column) {
  if (!column.unsupported.empty()) fail(column.unsupported);
}

FileMeta decode_file_meta(std::span<const std::uint8_t> footer) {
  ThriftReader in(footer);
  std::vector<SchemaElement> schema;
  FileMeta meta;
  bool have_schema = false;
  in.read_struct([&](const Field& f) {
    if (f.id == 2 && f.type == ThriftReader::kList) {
      have_schema = true;
      in.read_list([&](std::uint8_t type) {
        if (type != ThriftReader::kStruct) fail("corrupt metadata: a schema element is not a struct");
        schema.push_back(read_schema_element(in));
      });
    } else if (f.id == 3) {
      meta.num_rows = in.read_i64();
    } else if (f.id == 4 && f.type == ThriftReader::kList) {
      in.read_list([&](std::uint8_t type) {
        if (type != ThriftReader::kStruct) fail("corrupt metadata: a row group is not a struct");
        meta.row_groups.push_back(read_row_group(in));
      });
    } else {
      in.skip(f.type);
    }
  });
  if (!have_schema || schema.empty()) fail("corrupt metadata: no schema");
  // The schema is the tree in depth-first order: the root, then each field followed by its
  // children. Each of the root's fields is a column; a group's leaves are column chunks too.
  std::size_t next = 1;
  // A group's subtree, skipped: returns its leaves. Iterative, as a crafted footer may nest
  // as deep as it has elements.
  const auto skip_subtree = [&]() {
    std::size_t leaves = 0;
    std::vector<std::int64_t> pending{1};  // fields still to read at each open level
    while (!pending.empty()) {
      if (pending.back() == 0) {
        pending.pop_back();
        continue;
      }
      --pending.back();
      if (next >= schema.size()) fail("corrupt metadata: the schema's groups claim more fields than it has");
      const SchemaElement& e = schema[next++];
      if (e.num_children > 0) pending.push_back(e.num_children);
      else ++leaves;
    }
    return leaves;
  };
  const SchemaElement& root = schema.front();
  if (root.num_children < 0) fail("corrupt metadata: the schema's root does not list its columns");
  for (int field = 0; field < root.num_children; ++field) {
    if (next >= schema.size()) fail("corrupt metadata: the schema's root does not list its columns");
    const SchemaElement& e = schema[next];
    ColumnSchema column;
    if (e.num_children > 0) {
      column.name = e.name;
      column.unsupported = "column " + quoted(e.name) + " is nested (a group of " + std::to_string(e.num_children) +
                           " fields): only flat schemas are supported";
      column.chunk = meta.leaves;
      meta.leaves += skip_subtree();
    } else {
      try {
        column = to_column(e);
      } catch (const Unsupported& unsupported) {
        column = ColumnSchema{};
        column.name = e.name;
        column.unsupported = unsupported.reason;
      }
      column.chunk = meta.leaves++;
      ++next;
    }
    meta.columns.push_back(std::move(column));
  }
  if (next != schema.size()) fail("corrupt metadata: the schema's root does not list its columns");
  if (meta.num_rows < 0) fail("corrupt metadata: a negative row count");
  for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
    const RowGroupMeta& group = meta.row_groups[g];
    if (group.num_rows < 0) fail("corrupt metadata: row group " + std::to_string(g) + " has a negative row count");
    if (group.columns.size() != meta.leaves) {
      fail("corrupt metadata: row group " + std::to_string(g) + " has " + std::to_string(group.columns.size()) +
           " column chunks for " + std::to_string(meta.leaves) + " columns");
    }
  }
  return meta;
}

PageHeader decode_page_header(std::span<const std::uint8_t> bytes) {
  ThriftReader in(bytes);
  PageHeader page;
  bool have_type = false;
  auto encoding = [&](std::int32_t value) {
    if (value < 0 || value > 9 || value == 1) fail("unknown encoding " + std::to_string(value));
    return static_cast<Encoding>(value);
  };
  in.read_struct([&](const Field& f) {
    switch (f.id) {
      case 1: {
        const int type = in.read_i32();
        if (type < 0 || type > 3) fail("corrupt page header: page type " + std::to_string(type));
        page.type = static_cast<PageType>(type);
        have_type = true;
        break;
      }
      case 2: page.uncompressed_size = in.read_i32(); break;
      case 3: page.compressed_size = in.read_i32(); break;
      case 5:  // DataPageHeader
        if (f.type != ThriftReader::kStruct) return in.skip(f.type);
        in.read_struct([&](const Field& d) {
          if (d.id == 1) page.num_values = in.read_i32();
          else if (d.id == 2) page.encoding = encoding(in.read_i32());
          else if (d.id == 3) page.definition_encoding = encoding(in.read_i32());
          else in.skip(d.type);
        });
        break;
      case 7:  // DictionaryPageHeader
        if (f.type != ThriftReader::kStruct) return in.skip(f.type);
        in.read_struct([&](const Field& d) {
          if (d.id == 1) page.num_values = in.read_i32();
          else if (d.id == 2) page.encoding = encoding(in.read_i32());
          else in.skip(d.type);
        });
        break;
      case 8:  // DataPageHeaderV2
        if (f.type != ThriftReader::kStruct) return in.skip(f.type);
        in.read_struct([&](const Field& d) {
          switch (d.id) {
            case 1: page.num_values = in.read_i32(); break;
            case 2: page.num_nulls = in.read_i32(); break;
            case 4: page.encoding = encoding(in.read_i32()); break;
            case 5: page.definition_bytes = in.read_i32(); break;
            case 6: page.repetition_bytes = in.read_i32(); break;
            case 7: page.values_compressed = in.read_bool(d); break;
            default: in.skip(d.type);
          }
        });
        break;
      default: in.skip(f.type);
    }
  });
  if (!have_type) fail("corrupt page header: no page type");
  if (page.uncompressed_size < 0 || page.compressed_size < 0 || page.num_values < 0 || page.num_nulls < 0 ||
      page.definition_bytes < 0 || page.repetition_bytes < 0) {
    fail("corrupt page header: a negative size");
  }
  page.header_size = in.position();
  return page;
}

const char* codec_name(Codec codec) {
  switch (codec) {
    case Codec::uncompressed: return "UNCOMPRESSED";
    case Codec::snappy: return "SNAPPY";
    case Codec::gzip: return "GZIP";
    case Codec::lzo: return "LZO";
    case Codec::brotli: return "BROTLI";
    case Codec::lz4: return "LZ4";
    case Codec::zstd: return "ZSTD";
    case Codec::lz4_raw: return "LZ4_RAW";
  }
  return "?";
}

const char* encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::plain: return "PLAIN";
    case Encoding::plain_dictionary: return "PLAIN_DICTIONARY";
    case Encoding::rle: return "RLE";
    case Encoding::bit_packed: return "BIT_PACKED";
    case Encoding::delta_binary_packed: return "DELTA_BINARY_PACKED";
    case Encoding::delta_length_byte_array: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::delta_byte_array: return "DELTA_BYTE_ARRAY";
    case Encoding::rle_dictionary: return "RLE_DICTIONARY";
    case Encoding::byte_stream_split: return "BYTE_STREAM_SPLIT";
  }
  return "?";
}

}  // namespace lean::parquet
