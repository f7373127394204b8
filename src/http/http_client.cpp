#include "http/http_client.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <random>
#include <thread>

#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/signals.hpp"
#include "core/version.hpp"
#include "http/curl_library.hpp"

namespace lean::http {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kErrorBodyLimit = 64 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// Errors after which another attempt can succeed: the network or the server had a moment.
bool retryable_transport(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SEND_FAIL_REWIND: return true;
    default: return false;
  }
}

// Failures to reach the endpoint at all (as opposed to losing it mid-transfer).
bool connection_failure(CURLcode code, bool connected) {
  if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_COULDNT_CONNECT) {
    return true;
  }
  return code == CURLE_OPERATION_TIMEDOUT && !connected;
}

std::string seconds_text(Clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(d).count());
  return text;
}

// Everything one attempt shares with libcurl's callbacks.
struct Transfer {
  Request* request = nullptr;
  BodySource* source = nullptr;  // request.source, or the request's in-memory body
  CURL* curl = nullptr;
  Response* response = nullptr;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool status_known = false;
  bool to_sink = false;
  std::exception_ptr error;  // thrown inside a callback, rethrown after curl returns

  void progress(std::int64_t delta) {
    if (request->on_progress && delta != 0) request->on_progress(delta);
  }
};

size_t read_callback(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  try {
    std::size_t n = t->source->read(buffer, size * count);
    t->sent += n;
    t->progress(static_cast<std::int64_t>(n));
    return n;
  } catch (...) {
    t->error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

int seek_callback(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (offset != 0 || origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  try {
    t->source->rewind();
    t->progress(-static_cast<std::int64_t>(t->sent));
    t->sent = 0;
    return CURL_SEEKFUNC_OK;
  } catch (...) {
    t->error = std::current_exception();
    return CURL_SEEKFUNC_FAIL;
  }
}

size_t header_callback(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after "100 Continue" and the like): forget the previous headers.
    t->response->headers.clear();
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response->headers.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t write_callback(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  try {
    if (!t->status_known) {
      long status = 0;
      curl_library().easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
      t->status_known = true;
      t->to_sink = t->request->sink && status >= 200 && status < 300;
      t->response->status = status;
      if (t->to_sink) t->request->sink->start(*t->response);
    }
    if (t->to_sink) {
      t->request->sink->write(data, n);
      t->received += n;
      t->progress(static_cast<std::int64_t>(n));
    } else if (t->response->body.size() < kErrorBodyLimit || !t->request->sink) {
      t->response->body.append(data, n);
    }
    return n;
  } catch (...) {
    t->error = std::current_exception();
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
}

// Called by libcurl at least once a second during a transfer: non-zero aborts it.
int interrupt_callback(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return interrupt_signal() != 0; }

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_library().slist_free_all(list); }
};

}  // namespace

// ---- bodies ----------------------------------------------------------------------------

std::size_t MemorySource::read(char* buffer, std::size_t capacity) {
  std::size_t n = std::min(capacity, bytes_.size() - position_);
  std::memcpy(buffer, bytes_.data() + position_, n);
  position_ += n;
  return n;
}

FileSource::FileSource(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw_input(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw_input(path, "is not a regular file");
  }
  length_ = static_cast<std::uint64_t>(st.st_size);
}

FileSource::FileSource(const std::string& path, std::uint64_t offset, std::uint64_t length) : FileSource(path) {
  if (offset + length > length_) {
    ::close(fd_);
    throw_input(path, "changed while it was read: it is shorter than expected");
  }
  offset_ = offset;
  length_ = length;
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t FileSource::read(char* buffer, std::size_t capacity) {
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, length_ - position_));
  if (want == 0) return 0;
  for (;;) {
    ssize_t n = ::pread(fd_, buffer, want, static_cast<off_t>(offset_ + position_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_input(path_, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) throw_input(path_, "changed while it was read: it is shorter than expected");
    position_ += static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }
}

// ---- responses and helpers --------------------------------------------------------------

std::optional<std::string> Response::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == wanted) return it->second;
  }
  return std::nullopt;
}

namespace {

// "scheme://user:PASS@host/...": libcurl sends PASS as Basic authentication.
void register_url_password(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return;
  const std::string_view authority = url.substr(scheme + 3, url.find_first_of("/?#", scheme + 3) - scheme - 3);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return;
  const std::string_view user_info = authority.substr(0, at);
  if (auto colon = user_info.find(':'); colon != std::string_view::npos) add_secret(user_info.substr(colon + 1));
}

}  // namespace

void register_credential_header(std::string_view name, std::string_view value) {
  const std::string key = lower(name);
  if (key != "authorization" && key != "private-token" && key != "job-token" && key != "x-amz-security-token") return;
  add_secret(value);
  // "token T", "Bearer T", "Basic B64": a server may echo the credential without its scheme.
  if (auto space = value.find(' '); space != std::string_view::npos) {
    std::string_view rest = value.substr(space + 1);
    // SigV4: "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=HEX"; S3 echoes
    // the bare signature in <SignatureProvided>.
    if (auto signature = rest.find("Signature="); signature != std::string_view::npos) {
      add_secret(rest.substr(signature + 10));
    } else {
      add_secret(rest);
    }
  }
}

std::string redact_url(std::string_view url) {
  std::string_view rest = url;
  std::string scheme;
  if (auto p = rest.find("://"); p != std::string_view::npos) {
    scheme = std::string(rest.substr(0, p + 3));
    rest.remove_prefix(p + 3);
  }
  if (auto q = rest.find_first_of("?#"); q != std::string_view::npos) rest = rest.substr(0, q);
  auto slash = rest.find('/');
  auto at = rest.substr(0, slash).rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  return scheme + std::string(rest);
}

bool retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

milliseconds backoff_delay(int retry, const ClientOptions& options, std::optional<milliseconds> retry_after) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const double base = static_cast<double>(options.backoff_base.count());
  const double cap = std::min(static_cast<double>(options.backoff_max.count()),
                              base * std::pow(2.0, static_cast<double>(std::max(0, retry - 1))));
  std::uniform_real_distribution<double> jitter(0.0, cap);
  auto delay = milliseconds(static_cast<long long>(jitter(random)));
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

std::optional<milliseconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  std::string text = trim(value);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 9) return std::nullopt;
    return milliseconds(std::stoll(text) * 1000);
  }
  // An HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  // In whole seconds: a far date ("31 Dec 9999") overflows a nanosecond time_point.
  const std::time_t when = ::timegm(&tm);
  const std::time_t current = std::chrono::system_clock::to_time_t(now);
  if (when <= current) return milliseconds(0);
  constexpr std::time_t kYear = 366L * 24 * 3600;  // any longer is "too long" all the same
  return milliseconds(static_cast<std::int64_t>(std::min(when - current, kYear)) * 1000);
}

// ---- the client ---------------------------------------------------------------------------

struct Client::Handle {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  Handle() {
    curl = curl_library().easy_init();
    if (!curl) throw Error(ExitStatus::remote, "", "libcurl cannot be initialised");
  }
  ~Handle() { curl_library().easy_cleanup(curl); }
};

Client::Client(ClientOptions options) : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  if (options_.user_agent.empty()) options_.user_agent = std::string("lean-mlops/") + kVersion;
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  // ML_HTTP_STALL_TIMEOUT=SECONDS (1 to 3600): a slow link's, or a fault-injection test's,
  // patience with a transfer that moves no byte (docs/hardening.md).
  if (const char* value = std::getenv("ML_HTTP_STALL_TIMEOUT"); value && *value) {
    char* end = nullptr;
    const long seconds = std::strtol(value, &end, 10);
    if (*end == '\0' && seconds >= 1 && seconds <= 3600) options_.stall_timeout = std::chrono::seconds(seconds);
  }
}

Client::~Client() = default;

namespace {

// Sets up the handle for one attempt (libcurl's connection cache survives the reset); the
// header list it returns must outlive the transfer.
std::unique_ptr<curl_slist, SlistDeleter> set_up_handle(CURL* curl, char* error_buffer, const ClientOptions& options,
                                                        const Request& request, Transfer& transfer, bool cleanup,
                                                        milliseconds connect_budget) {
  const CurlLibrary& lib = curl_library();
  lib.easy_reset(curl);  // keeps the connection cache
  error_buffer[0] = '\0';
  lib.easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  add_url_credentials(request.url);  // libcurl sends them as a Basic header
  lib.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  lib.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  lib.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  lib.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  lib.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_bundle.empty()) lib.easy_setopt(curl, CURLOPT_CAINFO, options.ca_bundle.c_str());
  lib.easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
  if (cleanup) {
    lib.easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  } else {
    lib.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    lib.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, interrupt_callback);
  }
  lib.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_budget.count()));
  const long stall_seconds = std::max(1L, static_cast<long>((options.stall_timeout.count() + 999) / 1000));
  lib.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  lib.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_seconds);
  if (options.attempt_timeout.count() > 0 && !cleanup) {
    lib.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.attempt_timeout.count()));
  }
  // Larger buffers than the defaults: fewer callbacks and syscalls on fast links.
  lib.easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L * 1024);
  lib.easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
  lib.easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_callback);
  lib.easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_callback);
  lib.easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);

  bool has_content_type = false;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) { headers.reset(lib.slist_append(headers.release(), line.c_str())); };
  for (const auto& [name, value] : request.headers) {
    if (lower(name) == "content-type") has_content_type = true;
    register_credential_header(name, value);
    // A line break would end the header and send the rest as headers of its own.
    if (value.find_first_of("\r\n") != std::string::npos) throw_usage("the " + name + " header holds a line break");
    add_header(name + ": " + value);
  }
  // No "Expect: 100-continue" round trip; no form content type libcurl would invent.
  add_header("Expect:");
  if (!has_content_type) add_header("Content-Type:");
  lib.easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  if (request.method == "HEAD") {
    lib.easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (transfer.source) {
    lib.easy_setopt(curl, CURLOPT_READFUNCTION, read_callback);
    lib.easy_setopt(curl, CURLOPT_READDATA, &transfer);
    lib.easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_callback);
    lib.easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
    const auto size = static_cast<curl_off_t>(transfer.source->size());
    if (request.method == "POST") {
      lib.easy_setopt(curl, CURLOPT_POST, 1L);
      lib.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, size);
    } else {
      lib.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      lib.easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, size);
      if (request.method != "PUT") lib.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  } else if (request.method != "GET") {
    lib.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  return headers;
}

// An answer is retried when its status or the caller says so and attempts are left, after the
// service's own delay (nullopt: the backoff's). An answer not retried is the result: nullopt.
struct Retry {
  std::optional<milliseconds> after;
};
std::optional<Retry> retry_of_answer(const Request& request, const Response& response, const ClientOptions& options,
                                     bool last_attempt) {
  const bool retry = retryable_status(response.status) || (request.retry_if && request.retry_if(response));
  if (!retry || last_attempt) return std::nullopt;
  Retry next;
  if (request.retry_delay) next.after = request.retry_delay(response);
  if (!next.after) {
    if (auto value = response.header("retry-after")) next.after = parse_retry_after(*value);
  }
  if (next.after && *next.after > options.retry_after_max) return std::nullopt;
  return next;
}

// Asleep in short steps, so an interrupt is not kept waiting for a long backoff.
void sleep_interruptibly(milliseconds delay) {
  for (const auto until = Clock::now() + delay; Clock::now() < until;) {
    throw_if_interrupted();
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), milliseconds(50)));
  }
  throw_if_interrupted();
}

}  // namespace

Response Client::send(Request& request) {
  const std::string subject = request.subject.empty() ? redact_url(request.url) : request.subject;
  register_url_password(request.url);
  // SIGINT/SIGTERM during a transfer stop it at the next progress check and throw
  // Interrupted, so the caller can clean up on the way out (docs/hardening.md). A request
  // made after the signal is that cleanup (aborting a multipart upload): one short attempt.
  InterruptScope interrupt_scope;
  const bool cleanup = interrupt_signal() != 0;
  const int max_attempts = cleanup ? 1 : options_.max_attempts;
  const auto start = Clock::now();
  const auto connect_deadline = start + options_.connect_timeout;
  bool ever_connected = false;
  CURL* curl = handle_->curl;
  const CurlLibrary& lib = curl_library();

  for (int attempt = 1;; ++attempt) {
    if (request.before_attempt) request.before_attempt(request);
    if (request.sink) request.sink->restart();

    Response response;
    response.attempts = attempt;
    Transfer transfer;
    transfer.request = &request;
    transfer.curl = curl;
    transfer.response = &response;

    std::unique_ptr<MemorySource> memory;
    transfer.source = request.source;
    const bool has_body =
        transfer.source || !request.body.empty() || request.method == "PUT" || request.method == "POST";
    if (!transfer.source && has_body) {
      memory = std::make_unique<MemorySource>(request.body);
      transfer.source = memory.get();
    }
    if (transfer.source) transfer.source->rewind();

    // Never connected yet: the remaining connect budget bounds this attempt's connect.
    auto connect_budget = options_.connect_timeout;
    if (!ever_connected) {
      connect_budget =
          std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(connect_deadline - Clock::now()));
    }
    const auto headers = set_up_handle(curl, handle_->error, options_, request, transfer, cleanup, connect_budget);
    CURLcode code = lib.easy_perform(curl);
    if (transfer.error) std::rethrow_exception(transfer.error);
    if (!cleanup) throw_if_interrupted();

    double connect_time = 0;
    lib.easy_getinfo(curl, CURLINFO_CONNECT_TIME, &connect_time);
    const bool connected = code == CURLE_OK || connect_time > 0;
    if (connected) ever_connected = true;

    std::optional<milliseconds> retry_after;
    if (code == CURLE_OK) {
      lib.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
      const auto retry = retry_of_answer(request, response, options_, attempt >= max_attempts);
      if (!retry) return response;
      retry_after = retry->after;
    } else {
      const std::string failure = handle_->error[0] ? handle_->error : lib.easy_strerror(code);
      if (code == CURLE_SSL_CACERT_BADFILE && !options_.ca_bundle.empty()) {  // the user's file, not the server
        throw Error(ExitStatus::usage, options_.ca_bundle, "--ca-bundle: holds no PEM certificate (" + failure + ")");
      }
      if (!retryable_transport(code)) {
        throw Error(ExitStatus::remote, subject, "request failed: " + failure);
      }
      const bool unreachable = !ever_connected && connection_failure(code, connected);
      if (unreachable && (Clock::now() >= connect_deadline || attempt >= max_attempts)) {
        throw Error(ExitStatus::remote, subject,
                    "cannot connect to the endpoint: " + failure + " (gave up after " + std::to_string(attempt) +
                        (attempt == 1 ? " attempt" : " attempts") + " in " + seconds_text(Clock::now() - start) + ")");
      }
      if (attempt >= max_attempts) {
        throw Error(ExitStatus::remote, subject,
                    "request failed: " + failure + " (gave up after " + std::to_string(attempt) + " attempts)");
      }
    }

    // Take back the progress of the failed attempt, wait, and go again.
    if (request.on_progress) {
      const auto moved = static_cast<std::int64_t>(transfer.sent + transfer.received);
      if (moved) request.on_progress(-moved);
    }
    auto delay = backoff_delay(attempt, options_, retry_after);
    if (!ever_connected) {
      const auto left = std::chrono::duration_cast<milliseconds>(connect_deadline - Clock::now());
      delay = std::clamp(delay, milliseconds(0), std::max(milliseconds(0), left - milliseconds(1)));
    }
    sleep_interruptibly(delay);
  }
}

Response send_text(const std::string& method, const std::string& url, const std::string& body,
                   const std::string& content_type, const Headers& headers, const ClientOptions& options) {
  Client client(options);
  Request request;
  request.method = method;
  request.url = url;
  request.headers = headers;
  request.headers.emplace_back("Content-Type", content_type);
  request.body = body;
  Response response = client.send(request);
  if (!response.ok()) {
    std::string detail = trim(redact(response.body.substr(0, response.body.find('\n'))));
    if (detail.size() > 200) detail = detail.substr(0, 200) + "...";
    throw Error(ExitStatus::remote, redact_url(url),
                "HTTP " + std::to_string(response.status) + (detail.empty() ? "" : ": " + detail));
  }
  return response;
}

}  // namespace lean::http
