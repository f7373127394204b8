#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "parquet/metadata.hpp"

namespace lean::parquet {

// The decoded values of one page (or of a dictionary), in the form their physical type
// gives: integers (BOOLEAN as 0/1, INT32, INT64, INT96 as nanoseconds since the epoch,
// unsigned types zero-extended), reals (FLOAT, DOUBLE), texts (BYTE_ARRAY,
// FIXED_LEN_BYTE_ARRAY), or indices into the column chunk's dictionary.
struct Values {
  enum class Form { integers, reals, texts, indices };
  Form form = Form::integers;
  std::vector<std::int64_t> integers;
  std::vector<double> reals;
  std::vector<char> text_bytes;             // every text, back to back, then 8 zero bytes
  std::vector<std::uint64_t> text_offsets;  // text i is [offsets[i], offsets[i + 1])
  std::vector<std::uint32_t> indices;

  std::size_t size() const;
  std::string_view text(std::size_t i) const {
    return {text_bytes.data() + text_offsets[i], static_cast<std::size_t>(text_offsets[i + 1] - text_offsets[i])};
  }
  void clear(Form new_form);
};

// Decodes `count` values of `column` stored with `encoding` (PLAIN, RLE for booleans,
// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT;
// dictionary indices with PLAIN_DICTIONARY or RLE_DICTIONARY, checked against
// `dictionary_size`). Throws FormatError for data that ends early or is inconsistent.
void decode_values(const ColumnSchema& column, Encoding encoding, std::span<const std::uint8_t> data, std::size_t count,
                   std::size_t dictionary_size, Values& out);

// The RLE / bit-packed hybrid levels of `count` values, `bit_width` bits each: returns how
// many equal `max_level`; a level above it is an error.
std::size_t count_max_levels(std::span<const std::uint8_t> data, int bit_width, std::size_t count, int max_level);

// The same levels one by one: present[i] is 1 when value i of the page is there (its level
// is max_level), 0 when it is null; for readers that need the rows, not only the counts.
void read_max_levels(std::span<const std::uint8_t> data, int bit_width, std::size_t count, int max_level,
                     std::vector<std::uint8_t>& present);

// The most text bytes one page may decode to (DELTA_BYTE_ARRAY shares prefixes, so its
// output can be far larger than its input).
inline constexpr std::uint64_t kMaxPageTextBytes = std::uint64_t{256} << 20;

}  // namespace lean::parquet
