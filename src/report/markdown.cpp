#include "report/markdown.hpp"

#include <cctype>
#include <cstdlib>

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
