#include "report/markdown.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("a table right-aligns number columns and escapes pipes") {
  MarkdownTable table({"Metric", "Value"});
  table.add_row({"a|b", "1"});
  CHECK(table.render() == "| Metric | Value |\n| --- | ---: |\n| a\\|b | 1 |\n");
}

TEST_CASE("markdown tables left-align text columns") {
  MarkdownTable table({"Metric", "Baseline", "Change", "Verdict"});
  table.add_row({"`accuracy`", "0.85", "+0.05 (+5.88%)", "✅ better"});
  table.add_row({"`f1`", "—", "-0.01", "❌ regressed"});
  CHECK(table.render() ==
        "| Metric | Baseline | Change | Verdict |\n| --- | ---: | ---: | --- |\n"
        "| `accuracy` | 0.85 | +0.05 (+5.88%) | ✅ better |\n| `f1` | — | -0.01 | ❌ regressed |\n");
}

TEST_CASE("cells stay on one line") { CHECK(escape_markdown_cell("a\nb") == "a b"); }
