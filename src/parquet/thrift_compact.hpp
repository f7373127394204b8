#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lean::parquet {

// A malformed Parquet file: the message says what is wrong; the file layer adds the file,
// the row group and the column before it reaches a user (as an input error, exit 3).
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& message);

// Reads the Thrift compact protocol (thrift/doc/specs/thrift-compact-protocol.md), the
// encoding of Parquet's footer and page headers. Hand-written: Debian 12 packages no Thrift
// C++ runtime the toolkit could link statically, and Parquet needs only the reading half
// of one protocol. Every read is bounds-checked, nesting is limited, and a length is
// checked against the bytes left before anything is allocated for it.
class ThriftReader {
 public:
  enum Type : std::uint8_t {
    kStop = 0,
    kTrue = 1,
    kFalse = 2,
    kByte = 3,
    kI16 = 4,
    kI32 = 5,
    kI64 = 6,
    kDouble = 7,
    kBinary = 8,
    kList = 9,
    kSet = 10,
    kMap = 11,
    kStruct = 12
  };
  struct Field {
    std::int16_t id = 0;
    std::uint8_t type = kStop;
  };

  explicit ThriftReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  // Reads a struct: calls on_field(Field) for each field, which must consume its value
  // (with the readers below or skip()).
  template <class OnField>
  void read_struct(OnField on_field) {
    enter();
    std::int16_t last = 0;
    for (Field field; (field = next_field(last)).type != kStop;) {
      on_field(field);
      last = field.id;
    }
    --depth_;
  }
  // Reads a list: calls on_element(element_type) `size` times.
  template <class OnElement>
  void read_list(OnElement on_element) {
    enter();
    const auto [size, type] = list_header();
    for (std::uint32_t i = 0; i < size; ++i) on_element(type);
    --depth_;
  }

  bool read_bool(const Field& field);  // a struct field's bool is in its type
  std::int8_t read_byte();
  std::int32_t read_i32();
  std::int64_t read_i64();
  std::string_view read_binary();
  void skip(std::uint8_t type);
  std::size_t position() const { return at_; }

 private:
  Field next_field(std::int16_t last);
  std::pair<std::uint32_t, std::uint8_t> list_header();
  std::uint64_t varint();
  std::uint8_t byte();
  void enter();

  static constexpr int kMaxDepth = 32;
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
  int depth_ = 0;
};

}  // namespace lean::parquet
