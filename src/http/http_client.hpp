#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lean::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// How patient the client is. The defaults suit CI jobs: a dead endpoint is reported within
// the connect timeout, a stalled transfer within the stall timeout, and transient server
// trouble (5xx, throttling, dropped connections) is retried with exponential backoff.
struct ClientOptions {
  // Time to establish a connection, and also the total time spent retrying connection
  // failures when the endpoint was never reached: "unreachable" is decided within it.
  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer that moves no byte for this long is aborted (and retried).
  std::chrono::milliseconds stall_timeout{60'000};
  // Upper bound of one attempt, 0 for none (large transfers are bounded by the stall timeout).
  std::chrono::milliseconds attempt_timeout{0};
  int max_attempts = 5;  // first try included
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_max{20'000};
  // A Retry-After longer than this ends the retries instead of sleeping.
  std::chrono::milliseconds retry_after_max{120'000};
  // PEM file of trusted CAs (a private MinIO, a corporate proxy); empty: the system's.
  // Certificate verification itself can not be turned off.
  std::string ca_bundle;
  std::string user_agent;  // empty: "lean-mlops/VERSION"
};

// A request body that can be sent again from its start (each retry rewinds it).
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual std::uint64_t size() const = 0;
  // Called before every attempt, the first included.
  virtual void rewind() = 0;
  // Fills up to `capacity` bytes; returns 0 only once `size()` bytes were read.
  virtual std::size_t read(char* buffer, std::size_t capacity) = 0;
};

// Bytes in memory; the view must outlive the request.
class MemorySource : public BodySource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  void rewind() override { position_ = 0; }
  std::size_t read(char* buffer, std::size_t capacity) override;

 private:
  std::string_view bytes_;
  std::size_t position_ = 0;
};

// A byte range of a local file, read in blocks with pread (constant memory). A file that
// shrinks while it is sent is an input error naming it.
class FileSource : public BodySource {
 public:
  // The whole file.
  explicit FileSource(const std::string& path);
  FileSource(const std::string& path, std::uint64_t offset, std::uint64_t length);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  std::uint64_t size() const override { return length_; }
  void rewind() override { position_ = 0; }
  std::size_t read(char* buffer, std::size_t capacity) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t offset_ = 0, length_ = 0, position_ = 0;
};

// Receives the body of a successful (2xx) response as it arrives.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // Called before every attempt's body: drop what an earlier, failed attempt delivered.
  virtual void restart() = 0;
  // Called when a 2xx body starts arriving, with the status and headers (Content-Length).
  virtual void start(const struct Response& /*head*/) {}
  virtual void write(const char* data, std::size_t size) = 0;
};

struct Request {
  std::string method = "GET";
  std::string url;  // http:// or https:// only
  Headers headers;
  // The body: `body` in memory, or `source` when set (streamed, with Content-Length).
  std::string body;
  BodySource* source = nullptr;
  // Where a 2xx response body goes; nullptr: Response::body.
  BodySink* sink = nullptr;
  // What error messages name instead of the URL (e.g. "s3://bucket/key"); empty: the URL
  // without its query string.
  std::string subject;
  // Called before every attempt (the first included), e.g. to sign with a fresh date.
  std::function<void(Request&)> before_attempt;
  // Whether a response that is not retried by status alone should be (S3's "SlowDown" in a
  // 200 body, ...). Called with the attempt's response.
  std::function<bool(const struct Response&)> retry_if;
  // How long to wait before retrying this response, when the service says so in its own
  // terms (GitHub's x-ratelimit-reset); nullopt falls back to the Retry-After header.
  std::function<std::optional<std::chrono::milliseconds>(const struct Response&)> retry_delay;
  // Bytes of body moved: positive as they go, negative to take back a failed attempt's.
  std::function<void(std::int64_t)> on_progress;
};

struct Response {
  long status = 0;
  Headers headers;   // names lower-cased, in arrival order
  std::string body;  // the whole body, unless a sink took a 2xx body
  int attempts = 0;  // how many attempts it took

  bool ok() const { return status >= 200 && status < 300; }
  // The last value of a header (case-insensitive name).
  std::optional<std::string> header(std::string_view name) const;
};

// One connection pool (a libcurl easy handle, kept alive between requests). Not shared
// between threads: use one client per thread.
class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request, retrying connection errors, timeouts, 429/500/502/503/504 and what
  // `retry_if` says, with exponential backoff and full jitter, honouring Retry-After.
  // Returns the final response whatever its status (4xx are never retried). Throws
  // lean::Error(ExitStatus::remote) naming the subject when no response could be had.
  Response send(Request& request);

  const ClientOptions& options() const { return options_; }

 private:
  struct Handle;
  ClientOptions options_;
  std::unique_ptr<Handle> handle_;
};

// The simple case, e.g. a Prometheus Pushgateway push: sends a text body with `method`
// (POST, PUT, ...), retries as Client::send does, and throws lean::Error(remote) naming the
// URL and the status unless the answer is 2xx. Returns the response.
Response send_text(const std::string& method, const std::string& url, const std::string& body,
                   const std::string& content_type = "text/plain; charset=utf-8", const Headers& headers = {},
                   const ClientOptions& options = {});

// Hands a request header that carries a credential (Authorization, PRIVATE-TOKEN,
// JOB-TOKEN, X-Amz-Security-Token) to core/redact.hpp, so a server that echoes it in an
// error body is not quoted with it; a SigV4 Authorization adds its signature alone.
void register_credential_header(std::string_view name, std::string_view value);

// The URL without credentials, query string or fragment: what messages may show.
std::string redact_url(std::string_view url);

// Whether a status is worth retrying by itself (429, 500, 502, 503, 504).
bool retryable_status(long status);

// The delay before retry number `retry` (1 for the first retry): a random duration in
// [0, min(max, base * 2^(retry-1))] ("full jitter"), at least `retry_after` when given.
std::chrono::milliseconds backoff_delay(int retry, const ClientOptions& options,
                                        std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

// Parses a Retry-After value: delta-seconds or an HTTP-date (relative to `now`).
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace lean::http
