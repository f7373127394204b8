#include "storage/s3_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace lean::s3 {

namespace {
std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    auto semi = text.find(';', i);
    if (semi == std::string_view::npos) {
      out += text[i];
      continue;
    }
    std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (!entity.empty() && entity[0] == '#') {
      unsigned long code = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X')
                               ? std::strtoul(std::string(entity.substr(2)).c_str(), nullptr, 16)
                               : std::strtoul(std::string(entity.substr(1)).c_str(), nullptr, 10);
      // UTF-8 encode.
      if (code < 0x80) {
        out += static_cast<char>(code);
      } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      }
    } else {
      out += text.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}
}  // namespace

std::vector<std::string> xml_values(std::string_view xml, std::string_view tag) {
  std::vector<std::string> values;
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    const std::size_t after = pos + open.size();
    if (after >= xml.size() || (xml[after] != '>' && xml[after] != ' ' && xml[after] != '/')) {
      pos = after;
      continue;
    }
    const std::size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos) break;
    if (xml[gt - 1] == '/') {  // <Tag/>
      values.emplace_back();
      pos = gt + 1;
      continue;
    }
    const std::size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    values.push_back(xml_unescape(xml.substr(gt + 1, end - gt - 1)));
    pos = end + close.size();
  }
  return values;
}

std::optional<std::string> xml_value(std::string_view xml, std::string_view tag) {
  auto values = xml_values(xml, tag);
  if (values.empty()) return std::nullopt;
  return values.front();
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

ErrorInfo parse_error(std::string_view body) {
  ErrorInfo info;
  auto start = body.find("<Error>");
  if (start == std::string_view::npos) return info;
  auto error = body.substr(start);
  info.code = xml_value(error, "Code").value_or("");
  info.message = xml_value(error, "Message").value_or("");
  return info;
}

std::string unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

bool etag_is_md5(std::string_view etag) {
  auto bare = unquote_etag(etag);
  return bare.size() == 32 &&
         std::all_of(bare.begin(), bare.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<ContentRange> parse_content_range(std::string_view header) {
  if (!header.starts_with("bytes ")) return std::nullopt;
  header.remove_prefix(6);
  const auto number = [&header](char end, std::uint64_t& out) {
    const auto [next, ec] = std::from_chars(header.data(), header.data() + header.size(), out);
    if (ec != std::errc{} || next == header.data() || next == header.data() + header.size() || *next != end) {
      return false;
    }
    header.remove_prefix(static_cast<std::size_t>(next - header.data()) + 1);
    return true;
  };
  ContentRange range;
  if (!number('-', range.first) || !number('/', range.last) || range.last < range.first) return std::nullopt;
  if (header == "*") return range;
  std::uint64_t total = 0;
  const auto [next, ec] = std::from_chars(header.data(), header.data() + header.size(), total);
  if (ec != std::errc{} || header.empty() || next != header.data() + header.size() || total <= range.last) {
    return std::nullopt;
  }
  range.total = total;
  return range;
}

}  // namespace lean::s3
