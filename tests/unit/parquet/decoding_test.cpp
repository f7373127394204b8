#include "parquet/decoding.hpp"

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "parquet/thrift_compact.hpp"
#include "parquet/parquet_test_util.hpp"
#include "test_util.hpp"

using namespace lean::parquet;
using lean::parquet::test::bytes;
using lean::parquet::test::error_of;

namespace {
void append(std::vector<std::uint8_t>& out, const std::string& text) {
  out.insert(out.end(), text.begin(), text.end());
}

ColumnSchema column(PhysicalType physical, ValueKind kind = ValueKind::integer) {
  ColumnSchema c;
  c.name = "c";
  c.physical = physical;
  c.kind = kind;
  return c;
}

std::vector<std::string> texts(const Values& v) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(v.text(i));
  return out;
}

}  // namespace

TEST_CASE("PLAIN: each physical type") {
  Values v;
  std::vector<std::uint8_t> data(8);
  const std::int32_t ints[2] = {-7, 9};
  std::memcpy(data.data(), ints, 8);
  decode_values(column(PhysicalType::int32), Encoding::plain, data, 2, 0, v);
  CHECK(v.integers == std::vector<std::int64_t>{-7, 9});
  decode_values(column(PhysicalType::int32, ValueKind::unsigned_integer), Encoding::plain, data, 2, 0, v);
  CHECK(v.integers == std::vector<std::int64_t>{4294967289, 9});
  decode_values(column(PhysicalType::boolean, ValueKind::boolean), Encoding::plain, bytes({0b101}), 3, 0, v);
  CHECK(v.integers == std::vector<std::int64_t>{1, 0, 1});
  auto strings = bytes({2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0});
  decode_values(column(PhysicalType::byte_array, ValueKind::text), Encoding::plain, strings, 2, 0, v);
  CHECK(texts(v) == std::vector<std::string>{"hi", ""});
  // INT96: nanoseconds of the day, then the Julian day (2440589 is 1970-01-02).
  std::vector<std::uint8_t> int96(12);
  const std::int64_t nanos = 5;
  const std::uint32_t day = 2440589;
  std::memcpy(int96.data(), &nanos, 8);
  std::memcpy(int96.data() + 8, &day, 4);
  decode_values(column(PhysicalType::int96, ValueKind::timestamp), Encoding::plain, int96, 1, 0, v);
  CHECK(v.integers == std::vector<std::int64_t>{86'400'000'000'005});
  CHECK(error_of([&] { decode_values(column(PhysicalType::int64), Encoding::plain, data, 2, 0, v); }) ==
        "PLAIN values end early");
  CHECK(error_of([&] {
          decode_values(column(PhysicalType::byte_array, ValueKind::text), Encoding::plain, bytes({9, 0, 0, 0, 'a'}), 1,
                        0, v);
        }) == "PLAIN byte arrays ends early");
}

TEST_CASE("DELTA_BINARY_PACKED: the specification's examples") {
  Values v;
  // 1..5: every delta 1, so the miniblocks have bit width 0.
  decode_values(column(PhysicalType::int64), Encoding::delta_binary_packed,
                bytes({0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0}), 5, 0, v);
  CHECK(v.integers == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  // 7 5 3 1 2 3 4 5: deltas -2 -2 -2 1 1 1 1, minimum -2, offsets 0 0 0 3 3 3 3 in 2 bits.
  decode_values(column(PhysicalType::int32), Encoding::delta_binary_packed,
                bytes({0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 2, 0, 0, 0, 0xC0, 0xFF, 0, 0, 0, 0, 0, 0}), 8, 0, v);
  CHECK(v.integers == std::vector<std::int64_t>{7, 5, 3, 1, 2, 3, 4, 5});
  CHECK(error_of([&] {
          decode_values(column(PhysicalType::int32), Encoding::delta_binary_packed,
                        bytes({0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 2, 0, 0, 0, 0xC0}), 8, 0, v);
        }) == "DELTA_BINARY_PACKED miniblock ends early");
  CHECK(error_of([&] {
          decode_values(column(PhysicalType::int32), Encoding::delta_binary_packed, bytes({0x07, 0x04, 0x08, 0x0E}), 8,
                        0, v);
        }) == "DELTA_BINARY_PACKED: an invalid block of 7 values in 4 miniblocks");
}

TEST_CASE("DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY: the specification's examples") {
  Values v;
  auto lengths = bytes({0x80, 0x01, 0x04, 0x04, 0x0A, 0x00, 1, 0, 0, 0, 0x02, 0, 0, 0});
  append(lengths, "HelloWorldFoobarABCDEF");
  decode_values(column(PhysicalType::byte_array, ValueKind::text), Encoding::delta_length_byte_array, lengths, 4, 0, v);
  CHECK(texts(v) == std::vector<std::string>{"Hello", "World", "Foobar", "ABCDEF"});
  // axis, axle, babble, babyhood: prefixes 0 2 0 3, suffixes axis, le, babble, yhood.
  auto shared = bytes({0x80, 0x01, 0x04, 0x04, 0x00, 0x03, 3, 0, 0, 0, 0x44, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                       0x80, 0x01, 0x04, 0x04, 0x08, 0x03, 3, 0, 0, 0, 0x70, 0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  append(shared, "axislebabbleyhood");
  decode_values(column(PhysicalType::byte_array, ValueKind::text), Encoding::delta_byte_array, shared, 4, 0, v);
  CHECK(texts(v) == std::vector<std::string>{"axis", "axle", "babble", "babyhood"});
}

TEST_CASE("BYTE_STREAM_SPLIT: byte k of each value in stream k") {
  Values v;
  decode_values(column(PhysicalType::float32, ValueKind::real), Encoding::byte_stream_split,
                bytes({0, 0, 0, 0, 0x80, 0, 0x3F, 0x40}), 2, 0, v);
  CHECK(v.reals == std::vector<double>{1.0, 2.0});
}

TEST_CASE("dictionary indices: bit-packed and RLE runs, each checked against the dictionary") {
  Values v;
  // Bit width 2: a bit-packed group of 8 (0 1 2 3 0 1 2 3), then 3 repeated 4 times.
  decode_values(column(PhysicalType::int32), Encoding::rle_dictionary, bytes({2, 0x03, 0xE4, 0xE4, 0x08, 0x03}), 12, 4,
                v);
  CHECK(v.indices == std::vector<std::uint32_t>{0, 1, 2, 3, 0, 1, 2, 3, 3, 3, 3, 3});
  CHECK(error_of([&] {
          decode_values(column(PhysicalType::int32), Encoding::rle_dictionary, bytes({2, 0x08, 0x03}), 4, 3, v);
        }) == "dictionary index 3 out of range (the dictionary has 3 values)");
  CHECK(error_of([&] {
          decode_values(column(PhysicalType::int32), Encoding::rle_dictionary, bytes({2, 0x08}), 4, 3, v);
        }) == "RLE data ends early");
}

TEST_CASE("definition levels: counted by run, a level above the maximum is an error") {
  CHECK(count_max_levels(bytes({0x03, 0b10110101, 0x06, 0x01}), 1, 11, 1) == 5 + 3);
  CHECK(error_of([&] { count_max_levels(bytes({0x06, 0x02}), 1, 3, 1); }) == "definition level 2 above the maximum 1");
  CHECK(error_of([&] { count_max_levels(bytes({0x06, 0x01}), 1, 5, 1); }) == "RLE data ends early");
}

TEST_CASE("definition levels one by one: where the nulls are, as the counts say") {
  std::vector<std::uint8_t> present;
  // A bit-packed group of 8 (1 0 1 0 1 1 0 1, low bit first), then three 1s, read as 11 levels.
  read_max_levels(bytes({0x03, 0b10110101, 0x06, 0x01}), 1, 11, 1, present);
  CHECK(present == std::vector<std::uint8_t>{1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1});
  CHECK(error_of([&] {
          read_max_levels(bytes({0x06, 0x02}), 1, 3, 1, present);
        }) == "definition level 2 above the maximum 1");
}

TEST_CASE("an encoding that does not fit the type is an error naming it") {
  Values v;
  CHECK(error_of([&] {
          decode_values(column(PhysicalType::float64, ValueKind::real), Encoding::delta_binary_packed, bytes({0}), 1, 0,
                        v);
        }) == "encoding DELTA_BINARY_PACKED is not valid for this column's type");
}
