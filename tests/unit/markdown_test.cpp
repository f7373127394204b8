#include "report/markdown.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("a table right-aligns every column but the first and escapes pipes") {
  MarkdownTable table({"Metric", "Value"});
  table.add_row({"a|b", "1"});
  CHECK(table.render() == "| Metric | Value |\n| --- | ---: |\n| a\\|b | 1 |\n");
}

TEST_CASE("cells stay on one line, their control characters shown as escapes") {
  CHECK(escape_markdown_cell("a\nb") == "a\\nb");
  CHECK(escape_markdown_cell("x\x1b[31m|y") == "x\\e[31m\\|y");
}
