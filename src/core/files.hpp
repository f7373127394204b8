#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/limits.hpp"

namespace lean {

// strerror(err) as a string: the reason part of every "cannot open: ..." message.
std::string errno_text(int err);

// Whole file as bytes; throws an input error naming the file when it cannot be read, or
// when it is larger than `max_bytes` (checked before reading, and while reading a pipe).
std::string read_text_file(const std::string& path, std::uint64_t max_bytes = limits::kJsonFileBytes);

// The standard stream (STDOUT_FILENO or STDERR_FILENO) that `path` names, if any:
// `--report /dev/stdout` (or /dev/fd/1, or the very file stdout is redirected to) when the
// stream is a file or a pipe, not a terminal or a device.
std::optional<int> standard_stream(const std::string& path);

// Whether `path` leads, through its symbolic links, to a file descriptor's link
// (/proc/self/fd/N, /dev/fd/N: `/dev/stdout` does): such a path is written through, never
// renamed over, and is an error when that descriptor is closed.
bool names_a_descriptor(const std::string& path);
inline constexpr const char* kClosedDescriptor = "cannot open: it names a file descriptor that is not open";

// Writes `content` to a temporary file beside `path`, flushes it to disk and renames it
// over `path`, so readers see the old file or the new one, never a partial one.
// Throws an input error naming the file on failure.
void write_file_atomically(const std::string& path, const std::string& content);

// Appends to a file that other steps also append to (GitHub's summary and output files).
void append_to_file(const std::string& path, const std::string& content);

}  // namespace lean
