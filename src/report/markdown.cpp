#include "report/markdown.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/printable.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"

namespace lean {

std::string escape_markdown_cell(const std::string& text) {
  std::string out;
  for (char c : printable(text)) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

std::string markdown_text(std::string_view text) {
  const std::string shown = printable(redact(text));
  std::string out;
  out.reserve(shown.size());
  // CommonMark lets a backslash escape any ASCII punctuation; these are the ones GitHub reads
  // as markup anywhere in a line ("|" is the table's: escape_markdown_cell).
  static constexpr std::string_view kMarkup = "\\`*_[]<>&!~$";
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const char c = shown[i];
    // GitHub also links a bare "https://..." or "www.x" (its autolink extension): an escaped
    // ':' or '.' keeps a hostile address text. A link is made of a URL only on purpose
    // (markdown_url).
    const bool link_start =
        (c == ':' && shown.compare(i + 1, 2, "//") == 0) ||
        (c == '.' && i >= 3 && (shown.compare(i - 3, 3, "www") == 0 || shown.compare(i - 3, 3, "WWW") == 0));
    if (kMarkup.find(c) != std::string_view::npos || link_start) out += '\\';
    out += c;
  }
  // At the start of a line "- ", "+ ", "# " and "1. " begin a list or a heading (a quote's ">"
  // is escaped above); "1.0.0" or "-0.5" does not.
  const auto marker_at = [&](std::size_t i) { return i == out.size() || out[i] == ' ' || out[i] == '\t'; };
  if (!out.empty() && (out[0] == '-' || out[0] == '+' || out[0] == '#') && marker_at(1)) out.insert(0, "\\");
  std::size_t digits = 0;
  while (digits < out.size() && out[digits] >= '0' && out[digits] <= '9') ++digits;
  if (digits > 0 && digits < out.size() && (out[digits] == '.' || out[digits] == ')') && marker_at(digits + 1)) {
    out.insert(digits, "\\");
  }
  return out;
}

std::string markdown_code(std::string_view text) {
  const std::string shown = printable(redact(text));
  if (shown.empty()) return "";
  std::size_t longest = 0, run = 0;
  for (char c : shown) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  // A space inside the fence is stripped, so one against a backtick or a space keeps them.
  const bool pad = shown.front() == '`' || shown.back() == '`' || shown.front() == ' ' || shown.back() == ' ';
  return pad ? fence + " " + shown + " " + fence : fence + shown + fence;
}

std::string markdown_url(std::string_view text) {
  const std::string shown = printable(redact(text));
  // RFC 3986's characters, less the ones an autolink cannot hold ("<", ">", space) and "\\".
  const bool url_only = std::all_of(shown.begin(), shown.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) != std::string_view::npos;
  });
  return is_http_url(shown) && url_only ? "<" + shown + ">" : markdown_text(text);
}

namespace {

// "0.85", "-3", "+0.05 (+5.88%)", ".5", "12 MB": a cell that starts with a number.
bool starts_with_number(const std::string& cell) {
  std::size_t i = 0;
  if (i < cell.size() && (cell[i] == '+' || cell[i] == '-')) ++i;
  if (i < cell.size() && cell[i] == '.') ++i;
  return i < cell.size() && cell[i] >= '0' && cell[i] <= '9';
}

// A placeholder for "no value" says nothing about the column's kind.
bool is_placeholder(const std::string& cell) { return cell.empty() || cell == "—" || cell == "-"; }

}  // namespace

std::string MarkdownTable::render() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const auto& cell : cells) out += " " + escape_markdown_cell(cell) + " |";
    return out + "\n";
  };
  std::string out = line(header_) + "|";
  // Numbers right-aligned so their digits line up; text (names, verdicts, hashes) left.
  for (std::size_t i = 0; i < header_.size(); ++i) {
    bool numeric = i > 0, any = false;
    for (const auto& row : rows_) {
      if (i >= row.size() || is_placeholder(row[i])) continue;
      any = true;
      numeric = numeric && starts_with_number(row[i]);
    }
    out += numeric && any ? " ---: |" : " --- |";
  }
  out += "\n";
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace lean
