#include "parquet/thrift_compact.hpp"

namespace lean::parquet {

void fail(const std::string& message) { throw FormatError(message); }

namespace {
std::int64_t unzigzag(std::uint64_t n) { return static_cast<std::int64_t>(n >> 1) ^ -static_cast<std::int64_t>(n & 1); }
}  // namespace

std::uint8_t ThriftReader::byte() {
  if (at_ >= bytes_.size()) fail("corrupt Thrift: ends early");
  return bytes_[at_++];
}

std::uint64_t ThriftReader::varint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const std::uint8_t b = byte();
    value |= std::uint64_t{b & 0x7Fu} << shift;
    if (!(b & 0x80)) return value;
  }
  fail("corrupt Thrift: a varint longer than 10 bytes");
}

void ThriftReader::enter() {
  if (++depth_ > kMaxDepth) fail("corrupt Thrift: nested deeper than " + std::to_string(kMaxDepth));
}

ThriftReader::Field ThriftReader::next_field(std::int16_t last) {
  const std::uint8_t header = byte();
  Field field;
  field.type = header & 0x0F;
  if (field.type == kStop) return field;
  const int delta = header >> 4;
  if (delta != 0) {
    field.id = static_cast<std::int16_t>(last + delta);
  } else {
    field.id = static_cast<std::int16_t>(unzigzag(varint()));
  }
  if (field.type > kStruct) fail("corrupt Thrift: unknown field type " + std::to_string(field.type));
  return field;
}

std::pair<std::uint32_t, std::uint8_t> ThriftReader::list_header() {
  const std::uint8_t header = byte();
  std::uint64_t size = header >> 4;
  if (size == 15) size = varint();
  const std::uint8_t type = header & 0x0F;
  // Every element takes at least one byte (or is a bool in one byte): a size beyond the
  // bytes left is corrupt, caught before any loop or allocation.
  if (size > bytes_.size() - at_) fail("corrupt Thrift: a list longer than the bytes left");
  if (type > kStruct || type == kStop) fail("corrupt Thrift: unknown element type " + std::to_string(type));
  return {static_cast<std::uint32_t>(size), type};
}

bool ThriftReader::read_bool(const Field& field) {
  if (field.type == kTrue) return true;
  if (field.type == kFalse) return false;
  fail("corrupt Thrift: field " + std::to_string(field.id) + " is not a bool");
}

std::int32_t ThriftReader::read_i32() {
  const std::int64_t value = unzigzag(varint());
  if (value < INT32_MIN || value > INT32_MAX) fail("corrupt Thrift: an i32 out of range");
  return static_cast<std::int32_t>(value);
}

std::int8_t ThriftReader::read_byte() { return static_cast<std::int8_t>(byte()); }

std::int64_t ThriftReader::read_i64() { return unzigzag(varint()); }

std::string_view ThriftReader::read_binary() {
  const std::uint64_t size = varint();
  if (size > bytes_.size() - at_) fail("corrupt Thrift: a string longer than the bytes left");
  const auto* start = reinterpret_cast<const char*>(bytes_.data() + at_);
  at_ += size;
  return {start, static_cast<std::size_t>(size)};
}

void ThriftReader::skip(std::uint8_t type) {
  switch (type) {
    case kTrue:
    case kFalse: return;  // in a struct field the value is in the type; elements use skip_element
    case kByte: byte(); return;
    case kI16:
    case kI32:
    case kI64: varint(); return;
    case kDouble:
      for (int i = 0; i < 8; ++i) byte();
      return;
    case kBinary: read_binary(); return;
    case kList:
    case kSet:
      read_list([&](std::uint8_t element) {
        if (element == kTrue || element == kFalse) byte();  // a bool element is one byte
        else skip(element);
      });
      return;
    case kMap: {
      enter();
      const std::uint64_t size = varint();
      if (size > bytes_.size() - at_) fail("corrupt Thrift: a map longer than the bytes left");
      if (size > 0) {
        const std::uint8_t types = byte();
        for (std::uint64_t i = 0; i < size; ++i) {
          for (const std::uint8_t t :
               {static_cast<std::uint8_t>(types >> 4), static_cast<std::uint8_t>(types & 0x0F)}) {
            if (t == kTrue || t == kFalse) byte();
            else if (t == kStop || t > kStruct) fail("corrupt Thrift: unknown map type");
            else skip(t);
          }
        }
      }
      --depth_;
      return;
    }
    case kStruct: read_struct([&](const Field& field) { skip(field.type); }); return;
    default: fail("corrupt Thrift: unknown type " + std::to_string(type));
  }
}

}  // namespace lean::parquet
