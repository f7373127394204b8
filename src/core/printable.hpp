#pragma once

#include <string>
#include <string_view>

namespace lean {

// Text from outside (file and column names, server messages, registry content) made safe
// for a terminal and a CI log: every C0 control, DEL, C1 control (U+0080..U+009F) and byte
// that is not UTF-8 becomes a visible escape ("\n", "\r", "\t", "\e", "\x01", "\u009b"), and
// so do the bidirectional formatting characters and line separators ("\u202e", "\u2028"),
// so it can neither forge a line (a "::warning::" workflow command on a line of its own)
// nor move the cursor. Backslashes stay as they are: the escapes are for people, not a
// reversible encoding.
std::string printable(std::string_view text);

// The same for a tool's own multi-line text (the console): its line feeds and tabs are its
// layout and stay; every other control is escaped. Untrusted parts of such text go through
// printable() when they are inserted, so they cannot add a line.
std::string printable_lines(std::string_view text);

// Text from outside in double quotes, for a message: printable(), and each '"' written \"
// so the quotes delimit it: "a\"b", "x\e[2K". For quoting outside text in a message instead
// of a JSON dump, which would show ESC as \u001b where the rest of the line shows \e.
std::string quote_printable(std::string_view text);

// A cell or value quoted for an error message, cut after 40 bytes ("a long value..."): the
// line names it without repeating a whole field. Its quotes are written \" so the quotes
// delimit it; nothing else is escaped: the error line is (run_tool).
std::string quote_truncated(std::string_view text);

// Whether `text` is well-formed UTF-8 (RFC 3629), what the JSON of a report can hold: an
// option value that is not is a usage error before any work starts.
bool is_utf8(std::string_view text);

}  // namespace lean
