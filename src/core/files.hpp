#pragma once

#include <string>

namespace lean {

// Whole file as bytes; throws an input error naming the file when it cannot be read.
std::string read_text_file(const std::string& path);

// Writes `content` to a temporary file beside `path`, flushes it to disk and renames it
// over `path`, so readers see the old file or the new one, never a partial one.
// Throws an input error naming the file on failure.
void write_file_atomically(const std::string& path, const std::string& content);

// Appends to a file that other steps also append to (GitHub's summary and output files).
void append_to_file(const std::string& path, const std::string& content);

}  // namespace lean
