#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "parquet/metadata.hpp"

namespace lean::parquet {

// Decompresses one page's bytes into `out`, which must come out exactly `expected` bytes
// long (the page header's size): a page decompressing to any other size is a FormatError,
// found without writing past `expected`. UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, LZ4
// (Hadoop's framing, or an LZ4 frame) and BROTLI; LZO is an error naming it.
void decompress(Codec codec, std::span<const std::uint8_t> in, std::size_t expected, std::vector<std::uint8_t>& out);

}  // namespace lean::parquet
