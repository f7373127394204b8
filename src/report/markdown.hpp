#pragma once

#include <string>
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

std::string escape_markdown_cell(const std::string& text);

}  // namespace lean
