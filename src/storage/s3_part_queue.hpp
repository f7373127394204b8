#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lean::s3 {

// Sends one part of a multipart upload: its number (from 1) and bytes. Called on one
// uploading thread, which it may keep a connection for.
using PartUploader = std::function<void(int number, std::string_view bytes)>;

// Sends the local file `path` (of `size` bytes) in parts of `part_size` bytes, the last one
// shorter. This thread reads the file once, in order, calling `on_read` with each part's bytes
// (the file's SHA-256 goes on the way); `uploaders` threads send the parts, each with the
// uploader `make_uploader` makes on that thread. One part buffer per uploader is the memory
// bound (reading a part from the page cache takes milliseconds, so an extra read-ahead buffer
// would cost memory for no speed). The first failure, of the reader or of an uploader, stops
// every thread and is rethrown once all have ended; a file no longer `size` bytes long is an
// input error, "changed while it was uploaded".
void send_in_parts(const std::string& path, std::uint64_t size, std::uint64_t part_size, int uploaders,
                   const std::function<PartUploader()>& make_uploader,
                   const std::function<void(std::string_view)>& on_read);

}  // namespace lean::s3
