#include "parquet/codecs.hpp"

#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <cstring>
#include <memory>
#include <string>

#include "parquet/thrift_compact.hpp"

namespace lean::parquet {
namespace {

[[noreturn]] void wrong_size(Codec codec, const std::string& got, std::size_t expected) {
  fail(std::string(codec_name(codec)) + " page decompresses to " + got + ", its header says " +
       std::to_string(expected) + " bytes");
}

void gunzip(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) fail("GZIP: cannot start zlib");  // gzip or zlib header
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int status = Z_OK;
  while (status == Z_OK) {
    status = inflate(&z, Z_FINISH);
    if (status == Z_STREAM_END && z.avail_in > 0 && z.avail_out > 0) status = inflateReset(&z);  // another member
    if (status == Z_BUF_ERROR && z.avail_out == 0) {
      std::uint8_t extra;  // any byte more means the page is larger than its header says
      z.next_out = &extra;
      z.avail_out = 1;
      if (inflate(&z, Z_FINISH) != Z_BUF_ERROR || z.avail_out == 0)
        wrong_size(Codec::gzip, "more than that", out.size());
      break;
    }
  }
  if (status != Z_STREAM_END && status != Z_BUF_ERROR)
    fail(std::string("GZIP data is corrupt (") + (z.msg ? z.msg : "zlib") + ")");
  if (z.total_out != out.size()) wrong_size(Codec::gzip, std::to_string(z.total_out) + " bytes", out.size());
}

// Hadoop's LZ4 framing (what old parquet-mr wrote as LZ4): blocks of a 4-byte big-endian
// decompressed size, a 4-byte compressed size and the raw LZ4 block. False if the bytes
// are not in that framing.
bool hadoop_lz4(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  auto big_endian = [](const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
  };
  std::size_t at = 0, written = 0;
  while (at < in.size()) {
    if (in.size() - at < 8) return false;
    const std::uint32_t size = big_endian(in.data() + at), compressed = big_endian(in.data() + at + 4);
    at += 8;
    if (compressed > in.size() - at || size > out.size() - written) return false;
    const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data() + at),
                                        reinterpret_cast<char*>(out.data() + written), static_cast<int>(compressed),
                                        static_cast<int>(size));
    if (got < 0 || static_cast<std::uint32_t>(got) != size) return false;
    at += compressed;
    written += size;
  }
  return written == out.size();
}

bool lz4_frame(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  LZ4F_dctx* context = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&context, LZ4F_VERSION))) return false;
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> guard(context, LZ4F_freeDecompressionContext);
  std::size_t in_size = in.size(), out_size = out.size();
  const std::size_t status = LZ4F_decompress(context, out.data(), &out_size, in.data(), &in_size, nullptr);
  return !LZ4F_isError(status) && status == 0 && in_size == in.size() && out_size == out.size();
}

void lz4_raw(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, Codec codec) {
  if (in.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) fail("LZ4 page too large");
  const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                      static_cast<int>(in.size()), static_cast<int>(out.size()));
  if (got < 0) fail(std::string(codec_name(codec)) + " data is corrupt or decompresses to more than its header says");
  if (static_cast<std::size_t>(got) != out.size()) wrong_size(codec, std::to_string(got) + " bytes", out.size());
}

}  // namespace

void decompress(Codec codec, std::span<const std::uint8_t> in, std::size_t expected, std::vector<std::uint8_t>& out) {
  out.resize(expected);
  switch (codec) {
    case Codec::uncompressed:
      if (in.size() != expected) wrong_size(codec, std::to_string(in.size()) + " bytes", expected);
      if (expected > 0) std::memcpy(out.data(), in.data(), expected);
      return;
    case Codec::snappy: {
      std::size_t size = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(in.data()), in.size(), &size) != SNAPPY_OK) {
        fail("SNAPPY data is corrupt");
      }
      if (size != expected) wrong_size(codec, std::to_string(size) + " bytes", expected);
      std::size_t got = expected;
      if (snappy_uncompress(reinterpret_cast<const char*>(in.data()), in.size(), reinterpret_cast<char*>(out.data()),
                            &got) != SNAPPY_OK ||
          got != expected) {
        fail("SNAPPY data is corrupt");
      }
      return;
    }
    case Codec::gzip: gunzip(in, out); return;
    case Codec::zstd: {
      const std::size_t got = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
      if (ZSTD_isError(got)) {
        if (ZSTD_getErrorCode(got) == ZSTD_error_dstSize_tooSmall) wrong_size(codec, "more than that", expected);
        fail(std::string("ZSTD data is corrupt (") + ZSTD_getErrorName(got) + ")");
      }
      if (got != expected) wrong_size(codec, std::to_string(got) + " bytes", expected);
      return;
    }
    case Codec::lz4_raw: lz4_raw(in, out, codec); return;
    case Codec::lz4:  // as Arrow reads it: Hadoop's framing, else an LZ4 frame, else a raw block
      if (hadoop_lz4(in, out) || lz4_frame(in, out)) return;
      lz4_raw(in, out, codec);
      return;
    case Codec::brotli: {
      std::size_t got = expected;
      const auto status = BrotliDecoderDecompress(in.size(), in.data(), &got, out.data());
      if (status != BROTLI_DECODER_RESULT_SUCCESS)
        fail("BROTLI data is corrupt or decompresses to more than its header says");
      if (got != expected) wrong_size(codec, std::to_string(got) + " bytes", expected);
      return;
    }
    case Codec::lzo: break;
  }
  fail(std::string("compression codec ") + codec_name(codec) + " is not supported");
}

}  // namespace lean::parquet
