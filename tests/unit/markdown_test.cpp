#include "report/markdown.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("a table right-aligns its columns of numbers only, and escapes pipes") {
  MarkdownTable table({"Metric", "Value"});
  table.add_row({"a|b", "1"});
  CHECK(table.render() == "| Metric | Value |\n| --- | ---: |\n| a\\|b | 1 |\n");
  MarkdownTable mixed({"Column", "Type", "Statistic", "Change", "Size", "Result"});
  mixed.add_row({"`age`", "numeric", "0.2044", "+0.05 (+5.88%)", "1.5 MiB", "❌ drift"});
  mixed.add_row({"`city`", "categorical", "—", "-3", "12 B", "✅ no drift"});
  CHECK(mixed.render().find("| --- | --- | ---: | ---: | ---: | --- |\n") != std::string::npos);
}

TEST_CASE("markdown tables left-align text columns") {
  MarkdownTable table({"Metric", "Baseline", "Change", "Verdict"});
  table.add_row({"`accuracy`", "0.85", "+0.05 (+5.88%)", "✅ better"});
  table.add_row({"`f1`", "—", "-0.01", "❌ regressed"});
  CHECK(table.render() ==
        "| Metric | Baseline | Change | Verdict |\n| --- | ---: | ---: | --- |\n"
        "| `accuracy` | 0.85 | +0.05 (+5.88%) | ✅ better |\n| `f1` | — | -0.01 | ❌ regressed |\n");
}

TEST_CASE("cells stay on one line, their control characters shown as escapes") {
  CHECK(escape_markdown_cell("a\nb") == "a\\nb");
  CHECK(escape_markdown_cell("x\x1b[31m|y") == "x\\e[31m\\|y");
}
