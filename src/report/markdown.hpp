#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lean {

// A GitHub-flavoured markdown table; cells are escaped so a "|" in a name keeps the layout.
// Columns of numbers are right-aligned, text columns (and the first column) left-aligned.
class MarkdownTable {
 public:
  explicit MarkdownTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// The table layer: a cell (already markdown) on one line, its "|" escaped. render() applies
// it to every cell; text from outside goes through markdown_text() or markdown_code() first.
std::string escape_markdown_cell(const std::string& text);

// Text from outside (registry content, metric, column and file names, server messages) as
// markdown: redacted (core/redact.hpp), made printable (core/printable.hpp: line breaks,
// ESC, bidi controls as escapes) and every character markdown reads as markup
// backslash-escaped, so it shows as the text it is: no table cell break, code span, link,
// image, HTML tag, entity, emphasis or math. The one markdown rule of every renderer.
std::string markdown_text(std::string_view text);

// The same text as an inline code span: a fence longer than any run of backticks in it.
std::string markdown_code(std::string_view text);

// An http(s) URL from outside as an autolink (<https://...>) when it holds only characters
// of a URL; anything else as markdown_text().
std::string markdown_url(std::string_view text);

}  // namespace lean
