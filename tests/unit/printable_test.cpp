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
  CHECK(printable("\xc2\x9b" "31m") == "\\u009b31m");  // CSI as a C1 control
  CHECK(printable("\xc2\x85") == "\\u0085");           // NEL
  CHECK(printable("caf\xc3\xa9 \xe2\x9c\x85") == "caf\xc3\xa9 \xe2\x9c\x85");
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");
  CHECK(printable("\xc3") == "\\xc3");              // truncated sequence
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");     // overlong '/'
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
}

TEST_CASE("a tool's own layout keeps its line feeds and tabs, everything else is escaped") {
  CHECK(printable_lines("VERSION\tFILES\n1.0\t2\n") == "VERSION\tFILES\n1.0\t2\n");
  CHECK(printable_lines("x\r\x1b]0;title\x07\n") == "x\\r\\e]0;title\\x07\n");
}
