#include "parquet/codecs.hpp"

#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <functional>
#include <string>

#include "parquet/thrift_compact.hpp"
#include "parquet/parquet_test_util.hpp"
#include "test_util.hpp"

using namespace lean::parquet;
using lean::parquet::test::error_of;

namespace {
const std::string kText = "parquet pages compress well: " + std::string(2000, 'a') + "0123456789";

std::span<const std::uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void round_trips(Codec codec, const std::string& compressed) {
  std::vector<std::uint8_t> out;
  decompress(codec, span_of(compressed), kText.size(), out);
  CHECK(std::string(out.begin(), out.end()) == kText);
  const std::string name = codec_name(codec);
  CHECK(error_of([&] { decompress(codec, span_of(compressed), kText.size() + 1, out); }).find(name) == 0);
  CHECK(error_of([&] { decompress(codec, span_of(compressed), kText.size() - 1, out); }).find(name) == 0);
}
}  // namespace

TEST_CASE("every codec decompresses to exactly the header's size, else an error naming the codec") {
  round_trips(Codec::uncompressed, kText);
  {
    std::string out(snappy_max_compressed_length(kText.size()), '\0');
    std::size_t size = out.size();
    REQUIRE(snappy_compress(kText.data(), kText.size(), out.data(), &size) == SNAPPY_OK);
    round_trips(Codec::snappy, out.substr(0, size));
  }
  {
    uLongf size = compressBound(static_cast<uLong>(kText.size()));
    std::string out(size, '\0');
    REQUIRE(compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(kText.data()),
                     kText.size()) == Z_OK);
    round_trips(Codec::gzip, out.substr(0, size));
  }
  {
    std::string out(ZSTD_compressBound(kText.size()), '\0');
    const std::size_t size = ZSTD_compress(out.data(), out.size(), kText.data(), kText.size(), 3);
    round_trips(Codec::zstd, out.substr(0, size));
  }
  {
    std::string block(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(kText.size()))), '\0');
    const int size = LZ4_compress_default(kText.data(), block.data(), static_cast<int>(kText.size()),
                                          static_cast<int>(block.size()));
    block.resize(static_cast<std::size_t>(size));
    round_trips(Codec::lz4_raw, block);
    // Hadoop's framing: big-endian decompressed and compressed sizes before the block.
    auto big_endian = [](std::size_t n) {
      return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                         static_cast<char>(n)};
    };
    std::vector<std::uint8_t> out;
    const std::string framed = big_endian(kText.size()) + big_endian(block.size()) + block;
    decompress(Codec::lz4, span_of(framed), kText.size(), out);
    CHECK(std::string(out.begin(), out.end()) == kText);
  }
  std::vector<std::uint8_t> out;
  CHECK(error_of([&] { decompress(Codec::lzo, span_of(kText), kText.size(), out); }) ==
        "compression codec LZO is not supported");
  CHECK(error_of([&] { decompress(Codec::snappy, span_of(std::string("\xff\xff\xff\xff\xff\xff")), 10, out); }) ==
        "SNAPPY data is corrupt");
}
