#include "parquet/thrift_compact.hpp"

#include <string>
#include <vector>

#include "parquet/parquet_test_util.hpp"
#include "test_util.hpp"

using namespace lean::parquet;
using lean::parquet::test::bytes;

TEST_CASE("thrift compact: fields by delta and by explicit id, zigzag integers, strings, bools, lists") {
  // 1: i32 -3, 2: i64 300, 3: binary "ab", 4: true, 20 (long form): i32 7, 21: list<i32> [1, -1], stop.
  const auto data =
      bytes({0x15, 0x05, 0x16, 0xD8, 0x04, 0x18, 0x02, 'a', 'b', 0x11, 0x05, 0x28, 0x0E, 0x19, 0x25, 0x02, 0x01, 0x00});
  ThriftReader in(data);
  std::int32_t small = 0, id20 = 0;
  std::int64_t large = 0;
  std::string text;
  bool flag = false;
  std::vector<std::int32_t> list;
  in.read_struct([&](const ThriftReader::Field& f) {
    switch (f.id) {
      case 1: small = in.read_i32(); break;
      case 2: large = in.read_i64(); break;
      case 3: text = std::string(in.read_binary()); break;
      case 4: flag = in.read_bool(f); break;
      case 20: id20 = in.read_i32(); break;
      case 21: in.read_list([&](std::uint8_t) { list.push_back(in.read_i32()); }); break;
      default: FAIL("unexpected field " << f.id);
    }
  });
  CHECK(small == -3);
  CHECK(large == 300);
  CHECK(text == "ab");
  CHECK(flag);
  CHECK(id20 == 7);
  CHECK(list == std::vector<std::int32_t>{1, -1});
  CHECK(in.position() == data.size());
}

TEST_CASE("thrift compact: unknown fields of every type are skipped") {
  // 1: byte, 2: double, 3: map<i32,binary>{1:"x"}, 4: struct{1: i32}, 5: list<bool>[true,false], 6: i32 9.
  const auto data = bytes({0x13, 0x7F, 0x17, 0,    0,    0,    0,    0,    0,    0xF0, 0x3F, 0x1B, 0x01, 0x58,
                           0x02, 0x01, 'x',  0x1C, 0x15, 0x02, 0x00, 0x19, 0x21, 0x01, 0x02, 0x15, 0x12, 0x00});
  ThriftReader in(data);
  std::int32_t last = 0;
  in.read_struct([&](const ThriftReader::Field& f) {
    if (f.id == 6) last = in.read_i32();
    else in.skip(f.type);
  });
  CHECK(last == 9);
}

TEST_CASE("thrift compact: corrupt input is a FormatError, never a read past the end or a deep recursion") {
  auto fails_with = [](std::vector<std::uint8_t> data, const std::string& message) {
    ThriftReader in(data);
    try {
      in.read_struct([&](const ThriftReader::Field& f) { in.skip(f.type); });
      FAIL("no error");
    } catch (const FormatError& error) {
      CHECK(std::string(error.what()) == message);
    }
  };
  fails_with(bytes({0x15}), "corrupt Thrift: ends early");
  fails_with(bytes({0x18, 0x7F, 'a'}), "corrupt Thrift: a string longer than the bytes left");
  fails_with(bytes({0x19, 0xF5, 0xFF, 0xFF, 0x03}), "corrupt Thrift: a list longer than the bytes left");
  fails_with(bytes({0x1D}), "corrupt Thrift: unknown field type 13");
  fails_with(bytes({0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}),
             "corrupt Thrift: a varint longer than 10 bytes");
  std::vector<std::uint8_t> deep(100, 0x1C);  // struct in struct in struct ...
  fails_with(deep, "corrupt Thrift: nested deeper than 32");
}
