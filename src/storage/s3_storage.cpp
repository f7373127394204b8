#include "storage/s3_storage.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "crypto/sha256.hpp"
#include "http/progress.hpp"
#include "storage/hashing_io.hpp"
#include "storage/ids.hpp"
#include "storage/local_file.hpp"
#include "storage/s3_credentials.hpp"
#include "storage/s3_part_queue.hpp"
#include "storage/s3_protocol.hpp"

namespace lean {
namespace {

constexpr std::uint64_t kMinPartSize = 5ull << 20;  // S3's minimum, but for the last part
constexpr std::uint64_t kMaxParts = 10000;
constexpr const char* kUnsignedPayload = "UNSIGNED-PAYLOAD";

std::string content_type_for(const std::string& key) {
  auto ends_with = [&](std::string_view suffix) {
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

// ---- the storage -----------------------------------------------------------------------------

class S3Storage : public Storage, public S3ObjectReader {
 public:
  S3Storage(const std::string& url, S3Options options);

  std::optional<StoredObject> get(const std::string& key) override;
  bool put(const std::string& key, const std::string& body, const WriteCondition& condition) override;
  FileDigest upload_file(const std::string& key, const std::string& local_path) override;
  FileDigest download_file(const std::string& key, const std::string& local_path) override;
  FileDigest read_digest(const std::string& key) override;  // hashes the stream, writes nothing
  std::vector<std::string> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  bool atomic_conditional_writes() const override;
  std::optional<bool> known_atomic_conditional_writes() const override;
  // No rename on S3: an attempt's files stay in a folder of its own the manifest names.
  std::string attempt_folder(const std::string& attempt) const override { return attempt; }
  std::string describe() const override { return url_; }

  Object head(const std::string& key) override;
  std::string read_range(const std::string& key, const Object& seen, std::uint64_t offset,
                         std::uint64_t length) override;
  std::vector<std::string> list_keys(const std::string& prefix) override { return list(prefix); }

 private:
  struct Call {
    std::string method = "GET";
    std::string key;  // full object key ("" for the bucket)
    std::vector<std::pair<std::string, std::string>> query;
    http::Headers headers;
    std::string payload_hash;  // empty: SHA-256 of `body`
    std::string body;
    http::BodySource* source = nullptr;
    http::BodySink* sink = nullptr;
    std::function<bool(const http::Response&)> retry_if;
    std::function<void(std::int64_t)> on_progress;
  };

  std::string object_key(const std::string& key) const {
    return location_.prefix.empty() ? key : location_.prefix + "/" + key;
  }
  std::string s3_url(const std::string& object) const { return "s3://" + location_.bucket + "/" + object; }
  http::Response send(http::Client& client, Call call) const;
  [[noreturn]] void fail(const std::string& object, const http::Response& response, const std::string& doing) const;

  FileDigest upload_single(const std::string& object, const std::string& local_path, std::uint64_t size);
  FileDigest upload_multipart(const std::string& object, const std::string& local_path, const LocalFileState& state);
  void complete_multipart(const std::string& object, const std::string& upload_id,
                          const std::vector<std::string>& etags);
  void abort_multipart(const std::string& object, const std::string& upload_id);
  FileDigest get_into(const std::string& key, const std::string& local_path);
  bool probe_conditional_writes() const;
  std::optional<std::string> head_etag(const std::string& object);

  std::string url_;
  S3Location location_;
  S3Options options_;
  sigv4::Credentials credentials_;
  s3::Endpoint endpoint_;
  bool path_style_ = true;
  std::unique_ptr<http::Client> main_client_;  // for the calling thread; workers have their own
  // Connections of the readers' threads (S3ObjectReader), taken and given back per call.
  std::mutex reader_clients_mutex_;
  std::vector<std::unique_ptr<http::Client>> reader_clients_;
  std::unique_ptr<http::Client> take_reader_client();
  void give_back(std::unique_ptr<http::Client> client);
  [[noreturn]] void fail_reading(const std::string& object, const http::Response& response);
  mutable std::mutex probe_mutex_;
  mutable std::optional<bool> conditional_writes_;
};

S3Storage::S3Storage(const std::string& url, S3Options options)
    : url_(url), location_(parse_s3_url(url)), options_(std::move(options)) {
  if (options_.region.empty()) options_.region = environment_variable("AWS_REGION");
  if (options_.region.empty()) options_.region = environment_variable("AWS_DEFAULT_REGION");
  if (options_.region.empty()) options_.region = "us-east-1";
  if (options_.endpoint_url.empty()) options_.endpoint_url = environment_variable("AWS_ENDPOINT_URL_S3");
  if (options_.endpoint_url.empty()) options_.endpoint_url = environment_variable("AWS_ENDPOINT_URL");
  endpoint_ = s3::parse_endpoint(options_.endpoint_url, options_.region);
  switch (options_.addressing) {
    case S3Options::Addressing::path: path_style_ = true; break;
    case S3Options::Addressing::virtual_host: path_style_ = false; break;
    case S3Options::Addressing::automatic:
      path_style_ = endpoint_.custom || !s3::dns_compatible_bucket(location_.bucket);
      break;
  }
  if (options_.credentials) {
    credentials_ = *options_.credentials;
  } else {
    credentials_ = {environment_variable("AWS_ACCESS_KEY_ID"), environment_variable("AWS_SECRET_ACCESS_KEY"),
                    environment_variable("AWS_SESSION_TOKEN")};
    if (credentials_.access_key_id.empty() && credentials_.secret_access_key.empty()) {
      if (auto shared = s3::shared_credentials()) credentials_ = *shared;
    }
  }
  if (credentials_.access_key_id.empty() || credentials_.secret_access_key.empty()) {
    throw Error(
        ExitStatus::remote, url_,
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)");
  }
  if (options_.http.ca_bundle.empty()) options_.http.ca_bundle = environment_variable("AWS_CA_BUNDLE");
  main_client_ = std::make_unique<http::Client>(options_.http);
  options_.part_size = std::max(options_.part_size, kMinPartSize);
  options_.multipart_threshold = std::max<std::uint64_t>(options_.multipart_threshold, 1);
  options_.concurrency = std::clamp(options_.concurrency, 1, 64);
}

http::Response S3Storage::send(http::Client& client, Call call) const {
  sigv4::Request base;
  base.method = call.method;
  base.path = endpoint_.base_path +
              (path_style_ ? "/" + location_.bucket + (call.key.empty() ? "/" : "/" + call.key) : "/" + call.key);
  base.query = call.query;
  const std::string host = path_style_ ? endpoint_.host : location_.bucket + "." + endpoint_.host;
  base.payload_hash = call.payload_hash.empty() ? sha256_hex(call.body) : call.payload_hash;
  base.headers = call.headers;
  base.headers.emplace_back("host", host);
  base.headers.emplace_back("x-amz-content-sha256", base.payload_hash);

  http::Request request;
  request.method = call.method;
  // The path and query go on the wire exactly as they were signed.
  std::string query = sigv4::canonical_query(base);
  request.url = endpoint_.scheme + "://" + host + sigv4::canonical_uri(base) + (query.empty() ? "" : "?" + query);
  request.subject = call.key.empty() ? "s3://" + location_.bucket : s3_url(call.key);
  request.body = std::move(call.body);
  request.source = call.source;
  request.sink = call.sink;
  request.retry_if = std::move(call.retry_if);
  request.on_progress = std::move(call.on_progress);
  const sigv4::Scope scope{options_.region, "s3"};
  const sigv4::Credentials credentials = credentials_;
  // Signed before every attempt, so a retry after a long backoff carries a fresh date.
  request.before_attempt = [base, scope, credentials](http::Request& r) {
    sigv4::Request signed_request = base;
    sigv4::sign(signed_request, credentials, scope, sigv4::amz_date(std::chrono::system_clock::now()));
    r.headers = signed_request.headers;
  };
  return client.send(request);
}

void S3Storage::fail(const std::string& object, const http::Response& response, const std::string& doing) const {
  const auto info = s3::parse_error(response.body);
  const std::string subject = object.empty() ? "s3://" + location_.bucket : s3_url(object);
  const std::string code = info.code.empty() ? "" : " " + info.code;
  const std::string detail = info.message.empty() ? "" : ": " + info.message;
  const std::string status = "HTTP " + std::to_string(response.status) + code;
  if (response.status == 403 || info.code == "InvalidAccessKeyId" || info.code == "SignatureDoesNotMatch" ||
      info.code == "ExpiredToken" || info.code == "InvalidToken") {
    throw Error(ExitStatus::remote, subject,
                "access denied while " + doing + " (" + status + detail +
                    "); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and the bucket policy");
  }
  if (response.status == 301 || response.status == 307 || info.code == "PermanentRedirect" ||
      info.code == "AuthorizationHeaderMalformed") {
    auto region = response.header("x-amz-bucket-region");
    throw Error(ExitStatus::remote, subject,
                "the bucket is in another region" + (region ? " (" + *region + ")" : std::string()) + " than " +
                    options_.region + ": set --region or AWS_REGION");
  }
  if (info.code == "NoSuchBucket") {
    throw Error(ExitStatus::remote, subject,
                "bucket '" + location_.bucket + "' does not exist at " + endpoint_.scheme + "://" + endpoint_.host);
  }
  throw Error(ExitStatus::remote, subject, doing + " failed (" + status + detail + ")");
}

std::optional<StoredObject> S3Storage::get(const std::string& key) {
  const std::string object = object_key(key);
  Call call;
  call.key = object;
  auto response = send(*main_client_, std::move(call));
  if (response.status == 404 && s3::parse_error(response.body).code != "NoSuchBucket") return std::nullopt;
  if (!response.ok()) fail(object, response, "reading");
  return StoredObject{std::move(response.body), response.header("etag").value_or("")};
}

std::optional<std::string> S3Storage::head_etag(const std::string& object) {
  Call call;
  call.method = "HEAD";
  call.key = object;
  auto response = send(*main_client_, std::move(call));
  if (response.status == 404) return std::nullopt;
  if (!response.ok()) fail(object, response, "reading");
  return response.header("etag").value_or("");
}

bool S3Storage::put(const std::string& key, const std::string& body, const WriteCondition& condition) {
  const std::string object = object_key(key);
  if (condition.kind != WriteCondition::Kind::none && !atomic_conditional_writes()) {
    // The store ignores conditional headers: compare first. Not atomic (documented): a
    // writer between this check and the PUT is not seen.
    auto current = head_etag(object);
    if (condition.kind == WriteCondition::Kind::if_absent && current) return false;
    if (condition.kind == WriteCondition::Kind::if_match && (!current || *current != condition.etag)) return false;
  }
  Call call;
  call.method = "PUT";
  call.key = object;
  call.body = body;
  call.headers.emplace_back("content-type", content_type_for(key));
  if (condition.kind == WriteCondition::Kind::if_absent) call.headers.emplace_back("if-none-match", "*");
  if (condition.kind == WriteCondition::Kind::if_match) call.headers.emplace_back("if-match", condition.etag);
  auto response = send(*main_client_, std::move(call));
  if (response.ok()) return true;
  // 412: the condition does not hold; 409: a concurrent conditional write won the race.
  if (condition.kind != WriteCondition::Kind::none && (response.status == 412 || response.status == 409)) return false;
  fail(object, response, "writing");
}

bool S3Storage::atomic_conditional_writes() const {
  std::lock_guard lock(probe_mutex_);
  if (!conditional_writes_) {
    switch (options_.conditional_writes) {
      case S3Options::ConditionalWrites::enforced: conditional_writes_ = true; break;
      case S3Options::ConditionalWrites::unsupported: conditional_writes_ = false; break;
      case S3Options::ConditionalWrites::automatic: conditional_writes_ = probe_conditional_writes(); break;
    }
  }
  return *conditional_writes_;
}

std::optional<bool> S3Storage::known_atomic_conditional_writes() const {
  std::lock_guard lock(probe_mutex_);
  if (conditional_writes_) return *conditional_writes_;
  if (options_.conditional_writes == S3Options::ConditionalWrites::enforced) return true;
  if (options_.conditional_writes == S3Options::ConditionalWrites::unsupported) return false;
  return std::nullopt;
}

// Writes a probe object, then writes it again under conditions that must fail: a store that
// answers 412 to both enforces conditional writes; one that overwrites ignores them (s3rver,
// older MinIO and Ceph releases). The probe is removed afterwards.
bool S3Storage::probe_conditional_writes() const {
  const std::string object = object_key(".lean-probe-" + random_hex(16));
  auto put_probe = [&](const char* header, const std::string& value) {
    Call call;
    call.method = "PUT";
    call.key = object;
    call.body = "probe";
    if (header) call.headers.emplace_back(header, value);
    return send(*main_client_, std::move(call));
  };
  auto first = put_probe(nullptr, "");
  if (!first.ok()) fail(object, first, "probing conditional writes");
  bool enforced = true;
  try {
    auto absent = put_probe("if-none-match", "*");
    if (absent.status == 403) fail(object, absent, "probing conditional writes");
    enforced = absent.status == 412;
    if (enforced) {
      auto match = put_probe("if-match", "\"00000000000000000000000000000000\"");
      if (match.status == 403) fail(object, match, "probing conditional writes");
      enforced = match.status == 412;
    }
  } catch (...) {
    Call remove_call;
    remove_call.method = "DELETE";
    remove_call.key = object;
    try {
      send(*main_client_, std::move(remove_call));
    } catch (const Error&) {
    }
    throw;
  }
  Call remove_call;
  remove_call.method = "DELETE";
  remove_call.key = object;
  auto removed = send(*main_client_, std::move(remove_call));
  if (!removed.ok() && removed.status != 404) fail(object, removed, "removing the probe object");
  return enforced;
}

FileDigest S3Storage::upload_file(const std::string& key, const std::string& local_path) {
  const std::string object = object_key(key);
  const LocalFileState state = stat_local_file(local_path);
  FileDigest digest = state.size > options_.multipart_threshold ? upload_multipart(object, local_path, state)
                                                                : upload_single(object, local_path, state.size);
  const LocalFileState after = stat_local_file(local_path);
  if (after != state) {
    throw_input(local_path, "changed while it was uploaded");
  }
  return digest;
}

FileDigest S3Storage::upload_single(const std::string& object, const std::string& local_path, std::uint64_t size) {
  std::unique_ptr<http::Progress> progress =
      http::start_progress("upload " + s3_url(object), size, options_.progress, options_.progress_min_bytes);
  Call call;
  call.method = "PUT";
  call.key = object;
  call.headers.emplace_back("content-type", "application/octet-stream");
  if (progress) call.on_progress = [&](std::int64_t delta) { progress->advance(delta); };
  FileDigest digest;
  if (size <= options_.part_size) {
    // Small enough to hold: read once, hash, and send with a signed payload.
    http::FileSource file(local_path);
    std::string bytes(file.size(), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) done += file.read(bytes.data() + done, bytes.size() - done);
    digest = {bytes.size(), sha256_hex(bytes)};
    call.payload_hash = digest.sha256;
    call.body = std::move(bytes);
    auto response = send(*main_client_, std::move(call));
    if (!response.ok()) fail(object, response, "uploading");
  } else {
    // Streamed in constant memory; the SHA-256 of the payload is only known once it has
    // gone, so the payload is sent unsigned and checked afterwards against the ETag (the
    // MD5 S3 computed over what it stored), computed in the same read.
    HashingFileSource source(local_path, HashingFileSource::Md5Hash::compute);
    call.payload_hash = kUnsignedPayload;
    call.source = &source;
    auto response = send(*main_client_, std::move(call));
    if (!response.ok()) fail(object, response, "uploading");
    digest = source.digest();
    const std::string md5 = source.md5_hex();
    const std::string etag = s3::unquote_etag(response.header("etag").value_or(""));
    if (s3::etag_is_md5(etag) && etag != md5) {
      throw Error(ExitStatus::integrity, s3_url(object),
                  "the store holds different bytes than were sent (MD5 " + md5 + ", ETag " + etag + ")");
    }
  }
  if (progress) progress->finish();
  return digest;
}

FileDigest S3Storage::upload_multipart(const std::string& object, const std::string& local_path,
                                       const LocalFileState& state) {
  const std::uint64_t size = state.size;
  const std::uint64_t part_size = std::max(options_.part_size, (size + kMaxParts - 1) / kMaxParts);
  const int part_count = static_cast<int>((size + part_size - 1) / part_size);

  Call create;
  create.method = "POST";
  create.key = object;
  create.query = {{"uploads", ""}};
  create.headers.emplace_back("content-type", "application/octet-stream");
  auto created = send(*main_client_, std::move(create));
  if (!created.ok()) fail(object, created, "starting the multipart upload");
  const auto upload_id = s3::xml_value(created.body, "UploadId");
  if (!upload_id || upload_id->empty()) {
    throw Error(ExitStatus::remote, s3_url(object), "starting the multipart upload failed: no UploadId in the answer");
  }

  std::unique_ptr<http::Progress> progress =
      http::start_progress("upload " + s3_url(object), size, options_.progress, options_.progress_min_bytes);
  try {
    std::vector<std::string> etags(static_cast<std::size_t>(part_count));
    const auto make_uploader = [&]() -> s3::PartUploader {
      auto client = std::make_shared<http::Client>(options_.http);  // a connection per thread
      return [&, client](int number, std::string_view bytes) {
        http::MemorySource source(bytes);
        Call call;
        call.method = "PUT";
        call.key = object;
        call.query = {{"partNumber", std::to_string(number)}, {"uploadId", *upload_id}};
        call.payload_hash = sha256_hex(bytes);  // hashed here, on the uploading thread
        call.source = &source;
        if (progress) call.on_progress = [&](std::int64_t delta) { progress->advance(delta); };
        auto response = send(*client, std::move(call));
        if (!response.ok()) fail(object, response, "uploading part " + std::to_string(number));
        auto etag = response.header("etag");
        if (!etag || etag->empty()) {
          throw Error(ExitStatus::remote, s3_url(object),
                      "uploading part " + std::to_string(number) + " failed: no ETag in the answer");
        }
        etags[static_cast<std::size_t>(number - 1)] = *etag;  // each thread its own parts
      };
    };
    Sha256 file_hash;
    s3::send_in_parts(local_path, size, part_size, std::min(options_.concurrency, part_count), make_uploader,
                      [&](std::string_view bytes) { file_hash.update(bytes); });

    const LocalFileState after = stat_local_file(local_path);
    if (after != state) {
      throw_input(local_path, "changed while it was uploaded");
    }

    complete_multipart(object, *upload_id, etags);
    if (progress) progress->finish();
    return {size, file_hash.finish_hex()};
  } catch (...) {
    abort_multipart(object, *upload_id);
    throw;
  }
}

// Joins the parts into the object.
void S3Storage::complete_multipart(const std::string& object, const std::string& upload_id,
                                   const std::vector<std::string>& etags) {
  std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (std::size_t number = 1; number <= etags.size(); ++number) {
    xml += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + s3::xml_escape(etags[number - 1]) +
           "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  Call complete;
  complete.method = "POST";
  complete.key = object;
  complete.query = {{"uploadId", upload_id}};
  complete.headers.emplace_back("content-type", "application/xml");
  complete.body = std::move(xml);
  // S3 may answer 200 and still report an error in the body (sent after a keep-alive
  // pause): those with a transient code are retried, the others fail.
  complete.retry_if = [](const http::Response& r) {
    auto code = s3::parse_error(r.body).code;
    return r.ok() && (code == "InternalError" || code == "SlowDown" || code == "ServiceUnavailable");
  };
  auto completed = send(*main_client_, std::move(complete));
  if (!completed.ok()) fail(object, completed, "completing the multipart upload");
  const auto error = s3::parse_error(completed.body);
  if (!error.code.empty() || completed.body.find("CompleteMultipartUploadResult") == std::string::npos) {
    http::Response as_error = completed;
    as_error.status = 500;
    fail(object, as_error, "completing the multipart upload");
  }
}

// Best effort: the original error is what the user needs to see.
void S3Storage::abort_multipart(const std::string& object, const std::string& upload_id) {
  try {
    Call call;
    call.method = "DELETE";
    call.key = object;
    call.query = {{"uploadId", upload_id}};
    send(*main_client_, std::move(call));
  } catch (const Error&) {
  }
}

FileDigest S3Storage::get_into(const std::string& key, const std::string& local_path) {
  const std::string object = object_key(key);
  // Without a path (read_digest) the bytes go nowhere: a digest in constant memory.
  const auto sink = local_path.empty() ? std::make_unique<HashingSink>(HashingSink::Into::nowhere)
                                       : std::make_unique<HashingSink>(local_path);
  sink->show_progress("download " + s3_url(object), options_.progress, options_.progress_min_bytes);
  Call call;
  call.key = object;
  call.sink = sink.get();
  auto response = send(*main_client_, std::move(call));
  if (response.status == 404 && s3::parse_error(response.body).code != "NoSuchBucket") {
    throw Error(ExitStatus::integrity, s3_url(object), "is missing from the registry");
  }
  if (!response.ok()) fail(object, response, "downloading");
  return sink->finish();
}

FileDigest S3Storage::download_file(const std::string& key, const std::string& local_path) {
  return get_into(key, local_path);
}

FileDigest S3Storage::read_digest(const std::string& key) { return get_into(key, ""); }

std::unique_ptr<http::Client> S3Storage::take_reader_client() {
  {
    std::lock_guard<std::mutex> guard(reader_clients_mutex_);
    if (!reader_clients_.empty()) {
      auto client = std::move(reader_clients_.back());
      reader_clients_.pop_back();
      return client;
    }
  }
  return std::make_unique<http::Client>(options_.http);
}

void S3Storage::give_back(std::unique_ptr<http::Client> client) {
  std::lock_guard<std::mutex> guard(reader_clients_mutex_);
  reader_clients_.push_back(std::move(client));
}

void S3Storage::fail_reading(const std::string& object, const http::Response& response) {
  const auto info = s3::parse_error(response.body);
  if (info.code == "NoSuchBucket") {
    throw_input(s3_url(object),
                "bucket '" + location_.bucket + "' does not exist at " + endpoint_.scheme + "://" + endpoint_.host);
  }
  if (response.status == 404)
    throw_input(s3_url(object), "no such object (HTTP 404" + (info.code.empty() ? "" : " " + info.code) + ")");
  fail(object, response, "reading");
}

S3ObjectReader::Object S3Storage::head(const std::string& key) {
  auto client = take_reader_client();
  Call call;
  call.method = "HEAD";
  call.key = key;
  auto response = send(*client, std::move(call));
  if (!response.ok()) {
    // A HEAD answer has no body: a one-byte GET fetches the error's code for the message.
    Call again;
    again.key = key;
    again.headers = {{"range", "bytes=0-0"}};
    auto detail = send(*client, std::move(again));
    give_back(std::move(client));
    fail_reading(key, detail.ok() ? response : detail);
  }
  give_back(std::move(client));
  Object object;
  object.size = std::strtoull(response.header("content-length").value_or("0").c_str(), nullptr, 10);
  object.etag = response.header("etag").value_or("");
  return object;
}

std::string S3Storage::read_range(const std::string& key, const Object& seen, std::uint64_t offset,
                                  std::uint64_t length) {
  if (length == 0) return {};
  const std::string& etag = seen.etag;
  auto client = take_reader_client();
  Call call;
  call.key = key;
  call.headers = {{"range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
  if (!etag.empty()) call.headers.emplace_back("if-match", etag);
  // A body cut short is retried like a dropped connection: it is never taken for the range.
  call.retry_if = [length](const http::Response& r) { return r.ok() && r.body.size() != length; };
  auto response = send(*client, std::move(call));
  give_back(std::move(client));
  const std::string now = response.header("etag").value_or("");
  if (response.status == 412 || (response.ok() && !etag.empty() && !now.empty() && now != etag)) {
    throw Error(ExitStatus::remote, s3_url(key),
                "changed while reading (its ETag was " + etag + (now.empty() || now == etag ? "" : ", now " + now) +
                    "): run again once it is written");
  }
  if (!response.ok()) fail_reading(key, response);
  if (response.status != 206 && !(offset == 0 && response.body.size() == length)) {
    throw Error(ExitStatus::remote, s3_url(key),
                "the store ignored the byte range asked for (HTTP " + std::to_string(response.status) + ")");
  }
  if (response.status == 206) {
    const auto range = s3::parse_content_range(response.header("content-range").value_or(""));
    if (!range || range->first != offset || range->last != offset + length - 1) {
      throw Error(ExitStatus::remote, s3_url(key),
                  "the store answered another byte range than the one asked for (" + std::to_string(offset) + "-" +
                      std::to_string(offset + length - 1) + ")");
    }
    // The HEAD's size decides where a stream ends: a store that under-reports it would make a
    // shorter input look complete.
    if (range->total && *range->total != seen.size) {
      throw Error(ExitStatus::remote, s3_url(key),
                  "changed while reading (its size was " + std::to_string(seen.size) + " bytes, now " +
                      std::to_string(*range->total) + "): run again once it is written");
    }
  }
  if (response.body.size() != length) {
    throw Error(ExitStatus::remote, s3_url(key),
                "reading bytes " + std::to_string(offset) + " to " + std::to_string(offset + length) +
                    " ended early (" + std::to_string(response.body.size()) + " bytes)");
  }
  return std::move(response.body);
}

std::vector<std::string> S3Storage::list(const std::string& prefix) {
  const std::string full_prefix = object_key(prefix);
  const std::size_t strip = location_.prefix.empty() ? 0 : location_.prefix.size() + 1;
  std::vector<std::string> keys;
  std::string token;
  for (int page = 0;; ++page) {
    Call call;
    call.key = "";
    call.query = {{"list-type", "2"}, {"prefix", full_prefix}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    auto response = send(*main_client_, std::move(call));
    if (!response.ok()) fail(full_prefix, response, "listing");
    // Each <Contents> holds one <Key>; keys of common prefixes are not requested.
    for (auto& object : s3::xml_values(response.body, "Key")) {
      if (object.size() >= strip && object.compare(0, full_prefix.size(), full_prefix) == 0) {
        keys.push_back(object.substr(strip));
      }
    }
    auto truncated = s3::xml_value(response.body, "IsTruncated");
    auto next = s3::xml_value(response.body, "NextContinuationToken");
    if (!truncated || *truncated != "true" || !next || next->empty() || page > 100000) break;
    token = *next;
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

void S3Storage::remove(const std::string& key) {
  const std::string object = object_key(key);
  Call call;
  call.method = "DELETE";
  call.key = object;
  auto response = send(*main_client_, std::move(call));
  if (!response.ok() && response.status != 404) fail(object, response, "removing");
}

}  // namespace

std::unique_ptr<Storage> open_s3_storage(const std::string& url, const S3Options& options) {
  return std::make_unique<S3Storage>(url, options);
}

std::unique_ptr<S3ObjectReader> open_s3_reader(const std::string& bucket, const S3Options& options) {
  return std::make_unique<S3Storage>("s3://" + bucket, options);
}

}  // namespace lean
