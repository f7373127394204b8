#pragma once

// What S3 answers besides the bytes of an object: XML documents (listings, multipart
// uploads, errors), ETags and Content-Range headers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lean::s3 {

// The text of every <tag>...</tag> in an XML document, entities decoded. S3 answers are
// small, flat and machine-written: this reads them without an XML library.
std::vector<std::string> xml_values(std::string_view xml, std::string_view tag);
std::optional<std::string> xml_value(std::string_view xml, std::string_view tag);
std::string xml_escape(std::string_view text);

// "AccessDenied" and "Access Denied" from an S3 <Error> body; empty when there is none.
struct ErrorInfo {
  std::string code;
  std::string message;
};
ErrorInfo parse_error(std::string_view body);

// Whether a returned ETag is a plain MD5 of the bytes (single PUT, no KMS) we can compare with.
bool etag_is_md5(std::string_view etag);
std::string unquote_etag(std::string_view etag);

// A Content-Range header ("bytes FIRST-LAST/TOTAL", TOTAL "*" when unknown).
struct ContentRange {
  std::uint64_t first = 0, last = 0;
  std::optional<std::uint64_t> total;
};
std::optional<ContentRange> parse_content_range(std::string_view header);

}  // namespace lean::s3
