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

// A cell that starts with a number as the tables show one: "0.86", "-3", "+1.25%",
// "1.2e-07", "+0.05 (+5.88%)", "1.5 MiB", or "—" (none). Only columns of these are
// right-aligned: right-aligned text reads badly.
bool numeric_cell(const std::string& cell) {
  if (cell.empty() || cell == "—") return true;
  std::string text = cell.substr(0, cell.find(' '));
  if (!text.empty() && text.back() == '%') text.pop_back();
  if (!text.empty() && text.front() == '+') text.erase(0, 1);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace

std::string MarkdownTable::render() const {
  auto line = [](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (const auto& cell : cells) out += " " + escape_markdown_cell(cell) + " |";
    return out + "\n";
  };
  std::string out = line(header_) + "|";
  for (std::size_t i = 0; i < header_.size(); ++i) {
    bool numeric = i > 0;
    for (const auto& row : rows_) numeric = numeric && (i >= row.size() || numeric_cell(row[i]));
    out += numeric ? " ---: |" : " --- |";
  }
  out += "\n";
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace lean
