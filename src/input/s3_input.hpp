#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/limits.hpp"
#include "storage/s3_storage.hpp"

namespace lean::input {

// Data and metrics inputs given as s3://BUCKET/KEY (a Parquet dataset also s3://BUCKET/PREFIX/),
// read through the registry's S3 client (storage/s3_storage.hpp): its credential chain,
// endpoint, SigV4 signing, retries and error wording. Nothing is ever written.

bool is_s3_url(std::string_view text);

// The connection options of every s3:// input of the run (--endpoint-url, --region,
// --ca-bundle); set once, before the first input is opened.
void set_s3_options(const S3Options& options);

// One object, its size and ETag fixed by one HEAD for the whole run (every reader of the
// URL shares it), so a replaced object is "changed while reading" (exit 4) on the next
// range, never a mix of two versions. Ranges are explicit (bytes=A-B) and checked.
class S3Object {
 public:
  // Opened once per URL (HEAD); a missing object or bucket is exit 3, access denied exit 4.
  static std::shared_ptr<const S3Object> open(const std::string& url);
  S3Object(std::string url, std::shared_ptr<S3ObjectReader> reader, std::string key, S3ObjectReader::Object head);

  const std::string& url() const { return url_; }
  std::uint64_t size() const { return head_.size; }
  // Exactly `size` bytes at `offset` (the caller checks the bounds), from the calling
  // thread's window when it holds them, else from the first or last 64 KiB (the magic bytes
  // and the footer: fetched once), else with a ranged GET of their own. Thread-safe.
  void read_at(std::uint64_t offset, std::size_t size, std::vector<std::uint8_t>& out) const;
  // Fetches [offset, offset + length) with one ranged GET into the calling thread's window,
  // which the reads of a Parquet column chunk (page headers, pages) then come from.
  void load_window(std::uint64_t offset, std::uint64_t length) const;
  std::string read_range(std::uint64_t offset, std::uint64_t length) const;
  // The whole object (a metrics file), at most max_bytes: larger is an input error.
  std::string read_all(std::uint64_t max_bytes) const;

 private:
  const std::string& edge(bool tail) const;

  std::string url_;
  std::shared_ptr<S3ObjectReader> reader_;
  std::string key_;
  S3ObjectReader::Object head_;
  mutable std::mutex edges_mutex_;
  mutable std::unique_ptr<std::string> first_, last_;
};

// A whole text input (a metrics file): a local file (core/files.hpp's read_text_file) or an
// s3:// object, at most max_bytes.
std::string read_text_input(const std::string& path, std::uint64_t max_bytes = limits::kJsonFileBytes);

// Whether s3://BUCKET/PREFIX/ names a folder (it ends with '/'): a Parquet dataset.
bool is_s3_folder(std::string_view url);
// The objects under the folder, as s3:// URLs, sorted.
std::vector<std::string> list_s3_folder(const std::string& url);

// An S3 object read front to back through a file descriptor (one end of a socket pair a
// thread of its own fills, block by block with ranged GETs), so the CSV reader reads it as it
// reads a local file, gzip included, without a temporary file and with bounded memory.
class S3Stream {
 public:
  explicit S3Stream(const std::string& url);
  ~S3Stream();
  S3Stream(const S3Stream&) = delete;
  S3Stream& operator=(const S3Stream&) = delete;

  // The reading end; the caller owns it (closes it, e.g. through gzclose) before this is destroyed.
  int release_fd();
  bool starts_with_gzip() const;
  // At the end of the stream: waits for the thread and rethrows its error, so an object
  // cut short by a failed read is that error, never a shorter input.
  void finish();

 private:
  void feed();

  std::shared_ptr<const S3Object> object_;
  std::string first_block_;
  bool gzip_ = false;
  int read_fd_ = -1, write_fd_ = -1;
  std::thread feeder_;
  std::exception_ptr error_;
  bool joined_ = false;
};

}  // namespace lean::input
