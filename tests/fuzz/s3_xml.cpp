// The XML bodies of S3 answers (ListObjectsV2, multipart, errors) and ETag headers, as any
// S3-compatible store (or a proxy in between) may send them.
#include "fuzz_util.hpp"
#include "storage/s3_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  for (const char* tag : {"Key", "Contents", "NextContinuationToken", "IsTruncated", "UploadId", "ETag", "Code"}) {
    (void)lean::s3::xml_values(input, tag);
    (void)lean::s3::xml_value(input, tag);
  }
  const auto error = lean::s3::parse_error(input);
  (void)error;
  (void)lean::s3::etag_is_md5(input);
  (void)lean::s3::unquote_etag(input);
  (void)lean::s3::xml_escape(input);
  // What is escaped reads back as itself.
  const std::string wrapped = "<Key>" + lean::s3::xml_escape(input) + "</Key>";
  if (auto back = lean::s3::xml_value(wrapped, "Key"); !back || *back != input) {
    if (input.find('\0') == std::string::npos) lean::fuzz::finding("xml_escape does not read back");
  }
  return 0;
}
