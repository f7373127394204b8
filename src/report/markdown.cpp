#include "report/markdown.hpp"

#include "core/printable.hpp"

namespace lean {

std::string escape_markdown_cell(const std::string& text) {
  std::string out;
  for (char c : printable(text)) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

std::string MarkdownTable::render() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const auto& cell : cells) out += " " + escape_markdown_cell(cell) + " |";
    return out + "\n";
  };
  std::string out = line(header_) + "|";
  for (std::size_t i = 0; i < header_.size(); ++i) out += i == 0 ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace lean
