#include "input/s3_input.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/url.hpp"

namespace lean::input {
namespace {

constexpr std::uint64_t kEdgeBytes = 64 << 10;        // the magic bytes, and most files' footer
constexpr std::uint64_t kStreamBlock = 8 << 20;       // one ranged GET of a streamed object
constexpr std::uint64_t kMaxWindowBytes = 256 << 20;  // one column chunk fetched at once

struct OpenInputs {
  std::mutex mutex;
  S3Options options;
  std::map<std::string, std::shared_ptr<S3ObjectReader>> readers;  // by bucket
  std::map<std::string, std::shared_ptr<const S3Object>> objects;  // by URL
};

OpenInputs& open_inputs() {
  static OpenInputs instance;
  return instance;
}

std::shared_ptr<S3ObjectReader> reader_for(const std::string& bucket) {
  OpenInputs& r = open_inputs();
  std::lock_guard<std::mutex> guard(r.mutex);
  auto& reader = r.readers[bucket];
  if (!reader) {
    S3Options options = r.options;
    options.progress = false;  // inputs are read in pieces: no progress display
    reader = open_s3_reader(bucket, options);
  }
  return reader;
}

// The window of the Parquet column chunk the calling thread reads.
struct Window {
  const S3Object* owner = nullptr;
  std::uint64_t offset = 0;
  std::string bytes;
};
thread_local Window window;

void copy_out(const std::string& bytes, std::uint64_t from, std::size_t size, std::vector<std::uint8_t>& out) {
  out.resize(size);
  if (size > 0) std::memcpy(out.data(), bytes.data() + from, size);
}

}  // namespace

bool is_s3_url(std::string_view text) { return has_scheme(text, "s3"); }

void set_s3_options(const S3Options& options) {
  OpenInputs& r = open_inputs();
  std::lock_guard<std::mutex> guard(r.mutex);
  r.options = options;
}

S3Object::S3Object(std::string url, std::shared_ptr<S3ObjectReader> reader, std::string key,
                   S3ObjectReader::Object head)
    : url_(std::move(url)), reader_(std::move(reader)), key_(std::move(key)), head_(std::move(head)) {}

std::shared_ptr<const S3Object> S3Object::open(const std::string& url) {
  {
    OpenInputs& r = open_inputs();
    std::lock_guard<std::mutex> guard(r.mutex);
    if (auto found = r.objects.find(url); found != r.objects.end()) return found->second;
  }
  const S3Location location = parse_s3_url(url);
  if (location.prefix.empty()) throw_input(url, "names a bucket, not an object: use s3://BUCKET/KEY");
  auto reader = reader_for(location.bucket);
  auto object = std::make_shared<const S3Object>(url, reader, location.prefix, reader->head(location.prefix));
  OpenInputs& r = open_inputs();
  std::lock_guard<std::mutex> guard(r.mutex);
  return r.objects.emplace(url, std::move(object)).first->second;
}

std::string S3Object::read_range(std::uint64_t offset, std::uint64_t length) const {
  return reader_->read_range(key_, head_, offset, length);
}

const std::string& S3Object::edge(bool tail) const {
  std::lock_guard<std::mutex> guard(edges_mutex_);
  auto& bytes = tail ? last_ : first_;
  if (!bytes) {
    const std::uint64_t length = std::min(kEdgeBytes, size());
    bytes = std::make_unique<std::string>(read_range(tail ? size() - length : 0, length));
  }
  return *bytes;
}

void S3Object::read_at(std::uint64_t offset, std::size_t size, std::vector<std::uint8_t>& out) const {
  if (window.owner == this && offset >= window.offset && offset - window.offset + size <= window.bytes.size()) {
    return copy_out(window.bytes, offset - window.offset, size, out);
  }
  const std::uint64_t edge_length = std::min(kEdgeBytes, this->size());
  if (offset + size <= edge_length) return copy_out(edge(false), offset, size, out);
  if (offset >= this->size() - edge_length)
    return copy_out(edge(true), offset - (this->size() - edge_length), size, out);
  copy_out(read_range(offset, size), 0, size, out);
}

void S3Object::load_window(std::uint64_t offset, std::uint64_t length) const {
  window.owner = nullptr;
  // A larger chunk (or a footer that claims one) is read a page at a time instead: memory
  // stays bounded by the page limits (parquet_file.hpp), whatever the footer says.
  if (length > kMaxWindowBytes) return;
  window.bytes = read_range(offset, length);
  window.offset = offset;
  window.owner = this;
}

std::string S3Object::read_all(std::uint64_t max_bytes) const {
  if (size() > max_bytes) {
    throw_input(url_, "is larger than " + std::to_string(max_bytes) + " bytes (the limit; see docs/hardening.md)");
  }
  return read_range(0, size());
}

std::string read_text_input(const std::string& path, std::uint64_t max_bytes) {
  if (!is_s3_url(path)) return read_text_file(path, max_bytes);
  return S3Object::open(path)->read_all(max_bytes);
}

bool is_s3_folder(std::string_view url) { return is_s3_url(url) && !url.empty() && url.back() == '/'; }

std::vector<std::string> list_s3_folder(const std::string& url) {
  const S3Location location = parse_s3_url(url);
  const std::string prefix = location.prefix.empty() ? "" : location.prefix + "/";
  std::vector<std::string> urls;
  for (const std::string& key : reader_for(location.bucket)->list_keys(prefix)) {
    if (key.empty() || key.back() == '/') continue;  // a "folder" object some tools write
    urls.push_back("s3://" + location.bucket + "/" + key);
  }
  return urls;
}

FedStream::FedStream(Producer producer) { start(std::move(producer)); }

void FedStream::start(Producer producer) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    throw Error(ExitStatus::input_data, "socketpair", std::string("cannot open a stream: ") + std::strerror(errno));
  }
  read_fd_ = ends[0];
  write_fd_ = ends[1];
  feeder_ = std::thread([this, producer = std::move(producer)] {
    bool open = true;
    const auto write = [&](std::string_view bytes) {
      while (open && !bytes.empty()) {
        // MSG_NOSIGNAL: a reader that stopped early closed its end; that ends the feed, quietly.
        const ssize_t n = ::send(write_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) open = false;
        else bytes.remove_prefix(static_cast<std::size_t>(n));
      }
      return open;
    };
    try {
      producer(write);
    } catch (...) {
      error_ = std::current_exception();
    }
    ::close(write_fd_);  // the reader sees the end of the stream, then asks finish() why
    write_fd_ = -1;
  });
}

int FedStream::release_fd() {
  const int fd = read_fd_;
  read_fd_ = -1;
  return fd;
}

void FedStream::finish() {
  if (!joined_ && feeder_.joinable()) {
    feeder_.join();
    joined_ = true;
  }
  if (error_) std::rethrow_exception(error_);
}

FedStream::~FedStream() {
  if (read_fd_ >= 0) ::close(read_fd_);
  if (!joined_ && feeder_.joinable()) feeder_.join();
}

S3Stream::S3Stream(const std::string& url) : object_(S3Object::open(url)) {
  auto first = std::make_shared<std::string>(object_->read_range(0, std::min(kStreamBlock, object_->size())));
  gzip_ = first->size() >= 2 && (*first)[0] == '\x1f' && (*first)[1] == '\x8b';
  start([object = object_, first](const std::function<bool(std::string_view)>& write) {
    std::string block = std::move(*first);
    for (std::uint64_t at = block.size();;) {
      if (!write(block) || at >= object->size()) return;
      const std::uint64_t length = std::min(kStreamBlock, object->size() - at);
      block = object->read_range(at, length);
      at += length;
    }
  });
}

}  // namespace lean::input
