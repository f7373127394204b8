#include "parquet/metadata.hpp"

#include <string>
#include <vector>

#include "parquet/thrift_compact.hpp"
#include "test_util.hpp"

using namespace lean::parquet;

namespace {

// A small Thrift compact writer for footers (fields in increasing id order, deltas <= 15).
struct Writer {
  std::vector<std::uint8_t> out;
  std::vector<int> last{0};
  void header(int id, int type) {
    out.push_back(static_cast<std::uint8_t>((id - last.back()) << 4 | type));
    last.back() = id;
  }
  void varint(std::uint64_t n) {
    for (; n >= 0x80; n >>= 7) out.push_back(static_cast<std::uint8_t>(n | 0x80));
    out.push_back(static_cast<std::uint8_t>(n));
  }
  void i32(int id, std::int64_t v) {
    header(id, ThriftReader::kI32);
    varint(static_cast<std::uint64_t>((v << 1) ^ (v >> 63)));
  }
  void i64(int id, std::int64_t v) {
    header(id, ThriftReader::kI64);
    varint(static_cast<std::uint64_t>((v << 1) ^ (v >> 63)));
  }
  void binary(int id, const std::string& s) {
    header(id, ThriftReader::kBinary);
    varint(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  void begin(int id) {
    header(id, ThriftReader::kStruct);
    last.push_back(0);
  }
  void begin_element() { last.push_back(0); }
  void end() {
    out.push_back(0);
    last.pop_back();
  }
  void list(int id, int size, int type) {
    header(id, ThriftReader::kList);
    out.push_back(static_cast<std::uint8_t>(size << 4 | type));
  }
};

struct Leaf {
  int physical;
  int converted = -1;
  int logical = 0;  // LogicalType union id
  int unit = 0;     // TIME/TIMESTAMP: 1 millis, 2 micros, 3 nanos
  int scale = 0;
  bool is_signed = true;  // INTEGER
};

std::vector<ColumnSchema> columns_of(const std::vector<Leaf>& leaves) {
  Writer w;
  w.list(2, static_cast<int>(leaves.size()) + 1, ThriftReader::kStruct);
  w.begin_element();
  w.binary(4, "schema");
  w.i32(5, static_cast<std::int64_t>(leaves.size()));
  w.end();
  for (const Leaf& leaf : leaves) {
    w.begin_element();
    w.i32(1, leaf.physical);
    if (leaf.physical == 7) w.i32(2, 16);
    w.i32(3, 1);
    w.binary(4, "c");
    if (leaf.converted >= 0) w.i32(6, leaf.converted);
    if (leaf.converted == 5) w.i32(7, leaf.scale);
    if (leaf.logical) {
      w.begin(10);
      w.begin(leaf.logical);
      if (leaf.logical == 5) w.i32(1, leaf.scale);
      if (leaf.logical == 7 || leaf.logical == 8) {
        w.header(1, ThriftReader::kTrue);
        w.begin(2);
        w.begin(leaf.unit);
        w.end();
        w.end();
      }
      if (leaf.logical == 10) {
        w.header(1, ThriftReader::kByte);
        w.out.push_back(32);
        w.header(2, leaf.is_signed ? ThriftReader::kTrue : ThriftReader::kFalse);
      }
      w.end();
      w.end();
    }
    w.end();
  }
  w.i64(3, 0);
  w.end();
  return decode_file_meta(w.out).columns;
}

ColumnSchema one(const Leaf& leaf) { return columns_of({leaf}).at(0); }

}  // namespace

TEST_CASE("logical and converted types map to how values are read") {
  CHECK(one({1}).kind == ValueKind::integer);
  CHECK(one({2, 14}).kind == ValueKind::unsigned_integer);  // UINT_64
  CHECK(one({1, 15}).kind == ValueKind::integer);           // INT_8
  CHECK(one({1, -1, 10, 0, 0, false}).kind == ValueKind::unsigned_integer);
  CHECK(one({1, 6}).kind == ValueKind::date);
  const ColumnSchema time_millis = one({1, 7});
  CHECK((time_millis.kind == ValueKind::time && time_millis.scale == 3));
  const ColumnSchema micros = one({2, 10});  // TIMESTAMP_MICROS
  CHECK((micros.kind == ValueKind::timestamp && micros.scale == 6));
  const ColumnSchema nanos = one({2, -1, 8, 3});
  CHECK((nanos.kind == ValueKind::timestamp && nanos.scale == 9));
  const ColumnSchema time_nanos = one({2, -1, 7, 3});
  CHECK((time_nanos.kind == ValueKind::time && time_nanos.scale == 9));
  const ColumnSchema int96 = one({3});
  CHECK((int96.kind == ValueKind::timestamp && int96.scale == 9));
  const ColumnSchema decimal = one({7, 5, 0, 0, 4});
  CHECK((decimal.kind == ValueKind::decimal && decimal.scale == 4));
  const ColumnSchema logical_decimal = one({2, -1, 5, 0, 2});
  CHECK((logical_decimal.kind == ValueKind::decimal && logical_decimal.scale == 2));
  CHECK(one({6, 0}).kind == ValueKind::text);      // UTF8
  CHECK(one({6, -1, 4}).kind == ValueKind::text);  // ENUM
  CHECK(one({0}).kind == ValueKind::boolean);
  CHECK(one({5}).kind == ValueKind::real);
  CHECK(one({6}).optional);
}

TEST_CASE("a type the reader does not support marks the column, and reading it is the error") {
  auto reason_of = [](const Leaf& leaf) { return one(leaf).unsupported; };
  CHECK(reason_of({7, -1, 15}) == "column \"c\" has type FLOAT16, which is not supported");
  CHECK(reason_of({6, -1, 3}) == "column \"c\" has type LIST, which is not supported");
  CHECK(reason_of({1}).empty());
  ColumnSchema column = one({7, -1, 15});
  CHECK_THROWS_WITH_AS(require_readable(column), "column \"c\" has type FLOAT16, which is not supported", FormatError);
  column.unsupported.clear();
  CHECK_NOTHROW(require_readable(column));
}

TEST_CASE("a nested field is one column marked unsupported, and the leaves after it keep their chunks") {
  // schema { address { city, zip }, x }: three column chunks, two columns.
  Writer w;
  w.list(2, 5, ThriftReader::kStruct);
  auto element = [&](const char* name, int children, int physical) {
    w.begin_element();
    if (physical >= 0) w.i32(1, physical);
    w.i32(3, 1);
    w.binary(4, name);
    if (children > 0) w.i32(5, children);
    w.end();
  };
  element("schema", 2, -1);
  element("address", 2, -1);
  element("city", 0, 6);
  element("zip", 0, 1);
  element("x", 0, 5);
  w.i64(3, 0);
  w.end();
  const FileMeta meta = decode_file_meta(w.out);
  REQUIRE(meta.columns.size() == 2);
  CHECK(meta.leaves == 3);
  CHECK(meta.columns[0].name == "address");
  CHECK(meta.columns[0].unsupported ==
        "column \"address\" is nested (a group of 2 fields): only flat schemas are supported");
  CHECK(meta.columns[1].name == "x");
  CHECK(meta.columns[1].unsupported.empty());
  CHECK(meta.columns[1].chunk == 2);
}
