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

TEST_CASE("markdown text: every markup character escaped, controls and bidi characters as printable escapes") {
  CHECK(markdown_text("<script>alert(1)</script>") == "\\<script\\>alert(1)\\</script\\>");
  CHECK(markdown_text("[x](javascript:alert(1)) ![i](u)") == "\\[x\\](javascript:alert(1)) \\!\\[i\\](u)");
  CHECK(markdown_text("a`b *c* _d_ ~e~ $f$ &amp; \\") == "a\\`b \\*c\\* \\_d\\_ \\~e\\~ \\$f\\$ \\&amp; \\\\");
  CHECK(markdown_text("line\nbreak\r\x1b[2K\xe2\x80\xae") == "line\\\\nbreak\\\\r\\\\e\\[2K\\\\u202e");
  CHECK(markdown_text("- item") == "\\- item");
  CHECK(markdown_text("# title") == "\\# title");
  CHECK(markdown_text("1. first") == "1\\. first");
  CHECK(markdown_text("1.0.0") == "1.0.0");
  CHECK(markdown_text("-0.5") == "-0.5");
  CHECK(markdown_text("--correction bh") == "--correction bh");
  CHECK(markdown_text("plain text, 1.5 | ok") == "plain text, 1.5 | ok");  // "|" is the table's to escape
  CHECK(markdown_text("see https://evil.example or www.evil.example") ==
        "see https\\://evil.example or www\\.evil.example");
}

TEST_CASE("markdown code: a fence longer than every backtick run, padded where the text touches one") {
  CHECK(markdown_code("accuracy") == "`accuracy`");
  CHECK(markdown_code("a`b") == "``a`b``");
  CHECK(markdown_code("``x") == "``` ``x ```");
  CHECK(markdown_code("x\n<b>") == "`x\\n<b>`");
  CHECK(markdown_code("") == "");
}

TEST_CASE("a URL is an autolink only when it is http(s) and holds only URL characters") {
  CHECK(markdown_url("https://ci.example/run/1_2?a=b&c") == "<https://ci.example/run/1_2?a=b&c>");
  CHECK(markdown_url("HTTPS://ci.example/x") == "<HTTPS://ci.example/x>");
  CHECK(markdown_url("javascript:alert(1)") == "javascript:alert(1)");
  CHECK(markdown_url("https://x/<script>") == "https\\://x/\\<script\\>");
  CHECK(markdown_url("https://x/a b") == "https\\://x/a b");
}

TEST_CASE("in a table a pipe of the text is escaped once, inside code spans too") {
  MarkdownTable table({"Name", "Value"});
  table.add_row({markdown_code("a|b"), markdown_text("c|d")});
  CHECK(table.render() == "| Name | Value |\n| --- | --- |\n| `a\\|b` | c\\|d |\n");
}
