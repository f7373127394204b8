#pragma once

#include <cstdint>
#include <exception>
#include <functional>
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
  // which the reads of a Parquet column chunk (page headers, pages) then come from; above
  // 256 MiB nothing is fetched (each read asks for its own range).
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

// Bytes a thread of its own produces, read through a file descriptor (one end of a socket
// pair the thread writes into), so the CSV reader reads them as it reads a local file, gzip
// included: an S3 object streamed, a Parquet table rendered as CSV text. Memory stays
// bounded: the thread waits while the reader is behind.
class FedStream {
 public:
  // Writes its bytes with `write`, which blocks while the reader is behind and throws
  // nothing: a reader that stopped early ends the stream quietly.
  using Producer = std::function<void(const std::function<bool(std::string_view)>& write)>;
  explicit FedStream(Producer producer);
  virtual ~FedStream();  // virtual: an S3Stream is owned and destroyed as a FedStream
  FedStream(const FedStream&) = delete;
  FedStream& operator=(const FedStream&) = delete;

  // The reading end; the caller owns it (closes it, e.g. through gzclose) before this is destroyed.
  int release_fd();
  // At the end of the stream: waits for the thread and rethrows its error, so bytes cut
  // short by a failure are that error, never a shorter input.
  void finish();

 protected:
  FedStream() = default;
  void start(Producer producer);

 private:
  int read_fd_ = -1, write_fd_ = -1;
  std::thread feeder_;
  std::exception_ptr error_;
  bool joined_ = false;
};

// An S3 object read front to back, in 8 MiB ranges; the first one is read by the
// constructor (a missing or unreadable object is its error at once).
class S3Stream : public FedStream {
 public:
  explicit S3Stream(const std::string& url);
  bool starts_with_gzip() const { return gzip_; }

 private:
  std::shared_ptr<const S3Object> object_;
  bool gzip_ = false;
};

}  // namespace lean::input
