// Parquet's encodings (parquet-format, Encodings.md), decoded by hand for the reason
// thrift_compact.hpp gives: no Parquet library is packaged in Debian 12.
#include "parquet/decoding.hpp"

#include <bit>
#include <cstring>
#include <string>

#include "parquet/thrift_compact.hpp"

namespace lean::parquet {
namespace {

// A bounds-checked cursor over a page's bytes.
class Cursor {
 public:
  explicit Cursor(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t left() const { return bytes_.size() - at_; }
  std::size_t position() const { return at_; }
  const std::uint8_t* take(std::size_t n, const char* what) {
    if (n > left()) fail(std::string(what) + " ends early");
    const std::uint8_t* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  std::uint64_t varint(const char* what) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = *take(1, what);
      value |= std::uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) return value;
    }
    fail(std::string(what) + ": a varint longer than 10 bytes");
  }
  std::int64_t zigzag(const char* what) {
    const std::uint64_t n = varint(what);
    return static_cast<std::int64_t>(n >> 1) ^ -static_cast<std::int64_t>(n & 1);
  }
  std::span<const std::uint8_t> rest() const { return bytes_.subspan(at_); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

template <class T>
T load(const std::uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;  // Parquet is little-endian, as every target of the toolkit
}

// `count` values of `width` bits (<= 64), packed least significant bit first, from
// `bytes` bytes (at least count * width bits).
void unpack_bits(const std::uint8_t* data, std::size_t bytes, int width, std::size_t count, std::uint64_t* out) {
  if (width == 0) {
    std::fill(out, out + count, 0);
    return;
  }
  const std::uint64_t mask = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  if (width <= 56) {
    // Byte by byte into an accumulator: never past the bits the values take, so no bounds
    // check per value (runs of dictionary indices are often only a few bytes long).
    std::uint64_t bits = 0;
    int held = 0;
    for (std::size_t i = 0; i < count; ++i) {
      for (; held < width; held += 8) bits |= std::uint64_t{*data++} << held;
      out[i] = bits & mask;
      bits >>= width;
      held -= width;
    }
    return;
  }
  std::size_t bit = 0;
  for (std::size_t i = 0; i < count; ++i, bit += static_cast<std::size_t>(width)) {
    const std::size_t first = bit / 8;
    const int shift = static_cast<int>(bit % 8);
    std::uint64_t word = 0;
    if (first + 8 <= bytes) {
      word = load<std::uint64_t>(data + first);
    } else {
      for (std::size_t k = 0; first + k < bytes && k < 8; ++k) word |= std::uint64_t{data[first + k]} << (8 * k);
    }
    word >>= shift;
    if (shift + width > 64 && first + 8 < bytes) word |= std::uint64_t{data[first + 8]} << (64 - shift);
    out[i] = word & mask;
  }
}

// The RLE / bit-packed hybrid: calls run(value, repeat) for RLE runs and
// packed(values, n) for bit-packed ones, until `count` values.
template <class OnRun, class OnPacked>
void read_hybrid(Cursor& in, int width, std::size_t count, OnRun on_run, OnPacked on_packed) {
  if (width < 0 || width > 32) fail("a bit width of " + std::to_string(width) + " (at most 32)");
  std::vector<std::uint64_t> buffer;
  const std::size_t value_bytes = (static_cast<std::size_t>(width) + 7) / 8;
  for (std::size_t done = 0; done < count;) {
    const std::uint64_t header = in.varint("RLE data");
    if (header & 1) {
      const std::uint64_t groups = header >> 1;
      if (groups == 0 || groups > in.left()) fail("RLE data: a bit-packed run longer than the data");
      const std::size_t values = static_cast<std::size_t>(groups) * 8;
      const std::size_t bytes = static_cast<std::size_t>(groups) * static_cast<std::size_t>(width);
      const std::uint8_t* p = in.take(bytes, "RLE data");
      const std::size_t used = std::min(values, count - done);
      buffer.resize(used);
      unpack_bits(p, bytes, width, used, buffer.data());
      on_packed(buffer.data(), used);
      done += used;
    } else {
      const std::uint64_t repeat = header >> 1;
      if (repeat == 0) fail("RLE data: an empty run");
      const std::uint8_t* p = in.take(value_bytes, "RLE data");
      std::uint64_t value = 0;
      for (std::size_t k = 0; k < value_bytes; ++k) value |= std::uint64_t{p[k]} << (8 * k);
      const std::size_t used = static_cast<std::size_t>(std::min<std::uint64_t>(repeat, count - done));
      on_run(value, used);
      done += used;
    }
  }
}

// DELTA_BINARY_PACKED: `count` integers (wrapping 64-bit arithmetic, as the writer's).
void read_delta_binary(Cursor& in, std::size_t count, std::vector<std::int64_t>& out) {
  const std::uint64_t block_size = in.varint("DELTA_BINARY_PACKED header");
  const std::uint64_t miniblocks = in.varint("DELTA_BINARY_PACKED header");
  const std::uint64_t total = in.varint("DELTA_BINARY_PACKED header");
  std::uint64_t value = static_cast<std::uint64_t>(in.zigzag("DELTA_BINARY_PACKED header"));
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    fail("DELTA_BINARY_PACKED: an invalid block of " + std::to_string(block_size) + " values in " +
         std::to_string(miniblocks) + " miniblocks");
  }
  if (total < count)
    fail("DELTA_BINARY_PACKED: " + std::to_string(total) + " values where " + std::to_string(count) + " are needed");
  const std::size_t per_miniblock = static_cast<std::size_t>(block_size / miniblocks);
  const std::size_t start = out.size();
  out.reserve(start + count);
  if (count == 0) return;
  out.push_back(static_cast<std::int64_t>(value));
  std::vector<std::uint64_t> deltas(per_miniblock);
  while (out.size() - start < count) {
    const std::uint64_t min_delta = static_cast<std::uint64_t>(in.zigzag("DELTA_BINARY_PACKED block"));
    const std::uint8_t* widths = in.take(static_cast<std::size_t>(miniblocks), "DELTA_BINARY_PACKED block");
    for (std::size_t m = 0; m < miniblocks && out.size() - start < count; ++m) {
      const int width = widths[m];
      if (width > 64) fail("DELTA_BINARY_PACKED: a bit width of " + std::to_string(width));
      // The last miniblock may stop after its last value's bits (some writers do not pad it).
      const std::size_t needed = std::min(per_miniblock, count - (out.size() - start));
      const std::size_t full = per_miniblock * static_cast<std::size_t>(width) / 8;
      const std::size_t least = (needed * static_cast<std::size_t>(width) + 7) / 8;
      if (in.left() < least) fail("DELTA_BINARY_PACKED miniblock ends early");
      const std::size_t size = std::min(full, in.left());
      const std::uint8_t* p = in.take(size, "DELTA_BINARY_PACKED miniblock");
      unpack_bits(p, size, width, needed, deltas.data());
      for (std::size_t i = 0; i < needed; ++i) {
        value += min_delta + deltas[i];
        out.push_back(static_cast<std::int64_t>(value));
      }
    }
  }
}

void append_text(Values& out, const std::uint8_t* data, std::size_t size) {
  if (out.text_bytes.size() + size > kMaxPageTextBytes) {
    fail("a page's texts exceed " + std::to_string(kMaxPageTextBytes >> 20) + " MiB");
  }
  out.text_bytes.insert(out.text_bytes.end(), data, data + size);
  out.text_offsets.push_back(out.text_bytes.size());
}

void finish_texts(Values& out) { out.text_bytes.insert(out.text_bytes.end(), 8, '\0'); }

// DELTA_LENGTH_BYTE_ARRAY: the lengths, then the bytes.
void read_delta_length(Cursor& in, std::size_t count, Values& out) {
  std::vector<std::int64_t> lengths;
  read_delta_binary(in, count, lengths);
  for (const std::int64_t length : lengths) {
    if (length < 0) fail("DELTA_LENGTH_BYTE_ARRAY: a negative length");
    append_text(out, in.take(static_cast<std::size_t>(length), "DELTA_LENGTH_BYTE_ARRAY data"),
                static_cast<std::size_t>(length));
  }
}

// DELTA_BYTE_ARRAY: the prefix lengths, then the suffixes as DELTA_LENGTH_BYTE_ARRAY.
void read_delta_byte_array(Cursor& in, std::size_t count, Values& out) {
  std::vector<std::int64_t> prefixes;
  read_delta_binary(in, count, prefixes);
  Values suffixes;
  suffixes.clear(Values::Form::texts);
  read_delta_length(in, count, suffixes);
  std::string previous;
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t prefix = prefixes[i];
    if (prefix < 0 || static_cast<std::uint64_t>(prefix) > previous.size()) {
      fail("DELTA_BYTE_ARRAY: a prefix of " + std::to_string(prefix) + " bytes, the previous value has " +
           std::to_string(previous.size()));
    }
    previous.resize(static_cast<std::size_t>(prefix));
    previous.append(suffixes.text(i));
    append_text(out, reinterpret_cast<const std::uint8_t*>(previous.data()), previous.size());
  }
}

std::size_t physical_width(const ColumnSchema& column) {
  switch (column.physical) {
    case PhysicalType::int32:
    case PhysicalType::float32: return 4;
    case PhysicalType::int64:
    case PhysicalType::float64: return 8;
    case PhysicalType::int96: return 12;
    case PhysicalType::fixed_len_byte_array: return static_cast<std::size_t>(column.type_length);
    default: return 0;
  }
}

std::int64_t int96_nanoseconds(const std::uint8_t* p) {
  // Nanoseconds of the day, then the Julian day number (2440588 is 1970-01-01).
  const auto nanos = load<std::int64_t>(p);
  const auto julian_day = static_cast<std::int64_t>(load<std::uint32_t>(p + 8));
  return (julian_day - 2440588) * 86'400'000'000'000 + nanos;
}

// `count` fixed-width values, one after another (PLAIN) or each byte of a value in its own
// stream (BYTE_STREAM_SPLIT), into `out` by physical type.
void read_fixed(const ColumnSchema& column, const std::uint8_t* data, std::size_t count, bool split, Values& out) {
  const std::size_t width = physical_width(column);
  std::vector<std::uint8_t> gathered;
  if (split) {  // value i's byte k is at k * count + i
    gathered.resize(count * width);
    for (std::size_t k = 0; k < width; ++k) {
      for (std::size_t i = 0; i < count; ++i) gathered[i * width + k] = data[k * count + i];
    }
    data = gathered.data();
  }
  const bool is_unsigned = column.kind == ValueKind::unsigned_integer;
  switch (column.physical) {
    case PhysicalType::int32:
      for (std::size_t i = 0; i < count; ++i) {
        const auto v = load<std::int32_t>(data + 4 * i);
        out.integers.push_back(is_unsigned ? static_cast<std::int64_t>(static_cast<std::uint32_t>(v)) : v);
      }
      break;
    case PhysicalType::int64:
      for (std::size_t i = 0; i < count; ++i) out.integers.push_back(load<std::int64_t>(data + 8 * i));
      break;
    case PhysicalType::int96:
      for (std::size_t i = 0; i < count; ++i) out.integers.push_back(int96_nanoseconds(data + 12 * i));
      break;
    case PhysicalType::float32:
      for (std::size_t i = 0; i < count; ++i) out.reals.push_back(load<float>(data + 4 * i));
      break;
    case PhysicalType::float64: {
      const std::size_t at = out.reals.size();
      out.reals.resize(at + count);
      std::memcpy(out.reals.data() + at, data, count * 8);
      break;
    }
    case PhysicalType::fixed_len_byte_array:
      for (std::size_t i = 0; i < count; ++i) append_text(out, data + width * i, width);
      break;
    default: break;
  }
}

Values::Form form_of(const ColumnSchema& column) {
  switch (column.physical) {
    case PhysicalType::float32:
    case PhysicalType::float64: return Values::Form::reals;
    case PhysicalType::byte_array:
    case PhysicalType::fixed_len_byte_array: return Values::Form::texts;
    default: return Values::Form::integers;
  }
}

}  // namespace

std::size_t Values::size() const {
  switch (form) {
    case Form::integers: return integers.size();
    case Form::reals: return reals.size();
    case Form::texts: return text_offsets.empty() ? 0 : text_offsets.size() - 1;
    case Form::indices: return indices.size();
  }
  return 0;
}

void Values::clear(Form new_form) {
  form = new_form;
  integers.clear();
  reals.clear();
  text_bytes.clear();
  text_offsets.assign(1, 0);
  indices.clear();
}

void decode_values(const ColumnSchema& column, Encoding encoding, std::span<const std::uint8_t> data, std::size_t count,
                   std::size_t dictionary_size, Values& out) {
  Cursor in(data);
  const bool dictionary = encoding == Encoding::plain_dictionary || encoding == Encoding::rle_dictionary;
  out.clear(dictionary ? Values::Form::indices : form_of(column));
  if (dictionary) {
    if (count == 0) return;
    const int width = *in.take(1, "dictionary indices");
    out.indices.reserve(count);
    auto check = [&](std::uint64_t index) {
      if (index >= dictionary_size) {
        fail("dictionary index " + std::to_string(index) + " out of range (the dictionary has " +
             std::to_string(dictionary_size) + (dictionary_size == 1 ? " value)" : " values)"));
      }
    };
    read_hybrid(
        in, width, count,
        [&](std::uint64_t value, std::size_t repeat) {
          check(value);
          out.indices.insert(out.indices.end(), repeat, static_cast<std::uint32_t>(value));
        },
        [&](const std::uint64_t* values, std::size_t n) {
          for (std::size_t i = 0; i < n; ++i) {
            check(values[i]);
            out.indices.push_back(static_cast<std::uint32_t>(values[i]));
          }
        });
    return;
  }
  const auto unsupported = [&] {
    fail(std::string("encoding ") + encoding_name(encoding) + " is not valid for this column's type");
  };
  switch (encoding) {
    case Encoding::plain:
      if (column.physical == PhysicalType::boolean) {
        const std::uint8_t* p = in.take((count + 7) / 8, "PLAIN booleans");
        for (std::size_t i = 0; i < count; ++i) out.integers.push_back((p[i / 8] >> (i % 8)) & 1);
      } else if (column.physical == PhysicalType::byte_array) {
        out.text_offsets.reserve(count + 1);
        for (std::size_t i = 0; i < count; ++i) {
          const std::uint32_t size = load<std::uint32_t>(in.take(4, "PLAIN byte arrays"));
          append_text(out, in.take(size, "PLAIN byte arrays"), size);
        }
      } else {
        const std::size_t width = physical_width(column);
        if (count > in.left() / width) fail("PLAIN values end early");
        read_fixed(column, in.take(count * width, "PLAIN values"), count, false, out);
      }
      break;
    case Encoding::rle: {  // booleans: a 4-byte length, then the hybrid at bit width 1
      if (column.physical != PhysicalType::boolean) unsupported();
      const std::uint32_t size = load<std::uint32_t>(in.take(4, "RLE booleans"));
      Cursor runs(std::span(in.take(size, "RLE booleans"), size));
      read_hybrid(
          runs, 1, count,
          [&](std::uint64_t value, std::size_t repeat) { out.integers.insert(out.integers.end(), repeat, value & 1); },
          [&](const std::uint64_t* values, std::size_t n) {
            out.integers.insert(out.integers.end(), values, values + n);
          });
      break;
    }
    case Encoding::delta_binary_packed:
      if (column.physical != PhysicalType::int32 && column.physical != PhysicalType::int64) unsupported();
      read_delta_binary(in, count, out.integers);
      if (column.physical == PhysicalType::int32) {
        for (auto& v : out.integers) {
          const auto narrow = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
          v = column.kind == ValueKind::unsigned_integer ? static_cast<std::int64_t>(static_cast<std::uint32_t>(narrow))
                                                         : narrow;
        }
      }
      break;
    case Encoding::delta_length_byte_array:
      if (column.physical != PhysicalType::byte_array) unsupported();
      read_delta_length(in, count, out);
      break;
    case Encoding::delta_byte_array:
      if (column.physical != PhysicalType::byte_array && column.physical != PhysicalType::fixed_len_byte_array)
        unsupported();
      read_delta_byte_array(in, count, out);
      break;
    case Encoding::byte_stream_split: {
      const std::size_t width = physical_width(column);
      if (width == 0 || column.physical == PhysicalType::int96) unsupported();
      if (count > in.left() / width) fail("BYTE_STREAM_SPLIT values end early");
      read_fixed(column, in.take(count * width, "BYTE_STREAM_SPLIT values"), count, true, out);
      break;
    }
    default: fail(std::string("encoding ") + encoding_name(encoding) + " is not supported for values");
  }
  if (out.form == Values::Form::texts) finish_texts(out);
}

std::size_t count_max_levels(std::span<const std::uint8_t> data, int bit_width, std::size_t count, int max_level) {
  Cursor in(data);
  std::size_t at_max = 0;
  auto check = [&](std::uint64_t level) {
    if (level > static_cast<std::uint64_t>(max_level)) {
      fail("definition level " + std::to_string(level) + " above the maximum " + std::to_string(max_level));
    }
  };
  read_hybrid(
      in, bit_width, count,
      [&](std::uint64_t level, std::size_t repeat) {
        check(level);
        if (level == static_cast<std::uint64_t>(max_level)) at_max += repeat;
      },
      [&](const std::uint64_t* levels, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
          check(levels[i]);
          at_max += levels[i] == static_cast<std::uint64_t>(max_level);
        }
      });
  return at_max;
}

void read_max_levels(std::span<const std::uint8_t> data, int bit_width, std::size_t count, int max_level,
                     std::vector<std::uint8_t>& present) {
  Cursor in(data);
  present.clear();
  auto level_of = [&](std::uint64_t level) -> std::uint8_t {
    if (level > static_cast<std::uint64_t>(max_level)) {
      fail("definition level " + std::to_string(level) + " above the maximum " + std::to_string(max_level));
    }
    return level == static_cast<std::uint64_t>(max_level);
  };
  read_hybrid(
      in, bit_width, count,
      [&](std::uint64_t level, std::size_t repeat) { present.insert(present.end(), repeat, level_of(level)); },
      [&](const std::uint64_t* levels, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) present.push_back(level_of(levels[i]));
      });
  present.resize(count, 0);
}

}  // namespace lean::parquet
