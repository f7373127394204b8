#include "core/printable.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("control characters are shown as escapes, never printed raw") {
  CHECK(printable("a\n::warning title=x::injected\nb") == "a\\n::warning title=x::injected\\nb");
  CHECK(printable("\x1b[2K\rfake") == "\\e[2K\\rfake");
  CHECK(printable(std::string("nul\0here", 8)) == "nul\\x00here");
  CHECK(printable("tab\there\x7f") == "tab\\there\\x7f");
  CHECK(printable("plain text, 1.0 | ok") == "plain text, 1.0 | ok");
}

TEST_CASE("C1 controls and bytes that are not UTF-8 are escaped, other UTF-8 stays") {
  CHECK(printable("\xc2\x9b"
                  "31m") == "\\u009b31m");    // CSI as a C1 control
  CHECK(printable("\xc2\x85") == "\\u0085");  // NEL
  CHECK(printable("caf\xc3\xa9 \xe2\x9c\x85") == "caf\xc3\xa9 \xe2\x9c\x85");
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");
  CHECK(printable("\xc3") == "\\xc3");                    // truncated sequence
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
}

TEST_CASE("a tool's own layout keeps its line feeds and tabs, everything else is escaped") {
  CHECK(printable_lines("VERSION\tFILES\n1.0\t2\n") == "VERSION\tFILES\n1.0\t2\n");
  CHECK(printable_lines("x\r\x1b]0;title\x07\n") == "x\\r\\e]0;title\\x07\n");
}

TEST_CASE("bidirectional overrides and line separators are escaped like controls") {
  CHECK(printable("model\xe2\x80\xae"
                  "nib.exe") == "model\\u202enib.exe");  // RLO: "Trojan Source"
  CHECK(printable("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad") == "\\u202a\\u202b\\u202c\\u202d");
  CHECK(printable("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u2066x\\u2069");  // LRI ... PDI
  CHECK(printable("\xe2\x80\x8f\xd8\x9c") == "\\u200f\\u061c");        // RLM, ALM
  CHECK(printable("a\xe2\x80\xa8"
                  "b") == "a\\u2028b");  // LINE SEPARATOR
  CHECK(printable_lines("\xe2\x80\xae\n") == "\\u202e\n");
  CHECK(printable("\xe2\x80\x94 \xe2\x82\xac") == "\xe2\x80\x94 \xe2\x82\xac");  // an em dash and the euro stay
}

TEST_CASE("is_utf8 accepts well-formed UTF-8 only") {
  CHECK(is_utf8("plain"));
  CHECK(is_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_utf8("acc\xff"));
  CHECK_FALSE(is_utf8("\xc3"));
  CHECK_FALSE(is_utf8("\xed\xa0\x80"));
  CHECK_FALSE(is_utf8("\xc0\xaf"));
}

TEST_CASE("quote_printable: printable text in double quotes, its own quotes escaped") {
  CHECK(quote_printable("a\"b") == "\"a\\\"b\"");
  CHECK(quote_printable("x\x1b[2K\n") == "\"x\\e[2K\\n\"");
}

TEST_CASE("quote_truncated: a value's quotes escaped, cut after 40 bytes") {
  CHECK(lean::quote_truncated("0.\"5") == "\"0.\\\"5\"");
  CHECK(lean::quote_truncated(std::string(41, 'x')) == "\"" + std::string(40, 'x') + "...\"");
}
