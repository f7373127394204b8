#include "storage/forge_common.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"

namespace lean::forge {
namespace {

bool plain_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

KeyRef parse_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = key.find('/', start);
    parts.push_back(key.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (const auto& part : parts) {
    if (part.empty()) throw Error(ExitStatus::usage, key, "is not a valid registry key");
  }
  KeyRef ref;
  ref.model = parts[0];
  if (parts.size() == 4 && parts[1] == "versions") {
    ref.version = parts[2];
    ref.name = parts[3];
    ref.kind = ref.name == "manifest.json" ? KeyRef::Kind::manifest : KeyRef::Kind::version_file;
    return ref;
  }
  if (parts.size() == 5 && parts[1] == "versions") {  // a file in a publish attempt's folder
    ref.version = parts[2];
    ref.name = parts[3] + "/" + parts[4];
    return ref;
  }
  if (parts.size() == 3 && parts[1] == "channels" && parts[2].size() > 5 &&
      parts[2].compare(parts[2].size() - 5, 5, ".json") == 0) {
    ref.kind = KeyRef::Kind::channel;
    ref.name = parts[2].substr(0, parts[2].size() - 5);
    return ref;
  }
  if (parts.size() == 3 && parts[1] == "audit") {
    ref.kind = KeyRef::Kind::audit;
    ref.name = parts[2];
    return ref;
  }
  throw Error(ExitStatus::usage, key, "is not a key of the registry layout");
}

std::vector<std::string> keys_under(std::vector<std::string> keys, const std::string& prefix) {
  std::vector<std::string> out;
  for (auto& key : keys) {
    if (key.rfind(prefix, 0) == 0) out.push_back(std::move(key));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

long long id_of(const nlohmann::json& doc, const char* key) {
  return doc.is_object() && doc.contains(key) && doc[key].is_number_integer() ? doc[key].get<long long>() : 0;
}

std::string encode_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : name) {
    if (plain_name_char(c)) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '+';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::optional<std::string> decode_name(std::string_view stored) {
  std::string out;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const char c = stored[i];
    if (plain_name_char(c)) {
      out += c;
      continue;
    }
    if (c != '+' || i + 2 >= stored.size()) return std::nullopt;
    const int high = hex_digit(stored[i + 1]), low = hex_digit(stored[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  // Only the one spelling encode_name makes: "a+2Eb" is not ours ("a.b" is), or two stored
  // names would stand for one file (found by fuzzing).
  if (encode_name(out) != stored) return std::nullopt;
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

void HashingFileSource::rewind() {
  file_.rewind();
  hash_ = std::make_unique<Sha256>();
  if (progress_) progress_->advance(-static_cast<std::int64_t>(sent_));
  sent_ = 0;
}

std::size_t HashingFileSource::read(char* buffer, std::size_t capacity) {
  const std::size_t n = file_.read(buffer, capacity);
  hash_->update(buffer, n);
  sent_ += n;
  if (progress_) progress_->advance(static_cast<std::int64_t>(n));
  return n;
}

void HashingFileSource::show_progress(std::string label, bool enabled, std::uint64_t min_bytes) {
  progress_ = http::start_progress(std::move(label), size(), enabled, min_bytes);
}

FileDigest HashingFileSource::digest() {
  if (progress_) progress_->finish();
  FileDigest digest;
  digest.size = sent_;
  digest.sha256 = hash_->finish_hex();
  hash_ = std::make_unique<Sha256>();
  return digest;
}

HashingSink::HashingSink(std::string path) : path_(std::move(path)) {
  if (!path_.empty()) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_input(path_, std::string("cannot create: ") + std::strerror(errno));
  }
}

HashingSink::~HashingSink() {
  if (fd_ >= 0) ::close(fd_);
}

void HashingSink::restart() {
  hash_ = std::make_unique<Sha256>();
  if (progress_) progress_->advance(-static_cast<std::int64_t>(size_));
  size_ = 0;
  memory_.clear();
  if (fd_ >= 0 && (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0)) {
    throw_input(path_, std::string("cannot write: ") + std::strerror(errno));
  }
}

void HashingSink::show_progress(std::string label, bool enabled, std::uint64_t min_bytes) {
  progress_label_ = std::move(label);
  progress_enabled_ = enabled;
  progress_min_bytes_ = min_bytes;
}

void HashingSink::start(const http::Response& head) {
  if (progress_) return;  // a retried attempt: the display goes on
  const auto length = head.header("content-length");
  if (!length) return;
  progress_ = http::start_progress(progress_label_, std::strtoull(length->c_str(), nullptr, 10), progress_enabled_,
                                   progress_min_bytes_);
}

void HashingSink::write(const char* data, std::size_t size) {
  hash_->update(data, size);
  size_ += size;
  if (progress_) progress_->advance(static_cast<std::int64_t>(size));
  if (fd_ < 0) {
    memory_.append(data, size);
    return;
  }
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_input(path_, std::string("cannot write: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

FileDigest HashingSink::finish() {
  if (progress_) progress_->finish();
  if (fd_ >= 0) {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      throw_input(path_, std::string("cannot write: ") + std::strerror(errno));
    }
    fd_ = -1;
  }
  FileDigest digest;
  digest.size = size_;
  digest.sha256 = hash_->finish_hex();
  hash_ = std::make_unique<Sha256>();
  return digest;
}

std::string error_detail(const http::Response& response) {
  std::string detail;
  try {
    const auto doc = nlohmann::json::parse(response.body);
    if (doc.is_object() && doc.contains("message")) {
      detail = doc["message"].is_string() ? doc["message"].get<std::string>() : doc["message"].dump();
    } else if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
      detail = doc["error"].get<std::string>();
    }
  } catch (const nlohmann::json::exception&) {
    detail = response.body.substr(0, response.body.find('\n'));
  }
  detail = redact(detail);  // before it is shortened: a cut credential would no longer match
  while (!detail.empty() && (detail.back() == '\r' || detail.back() == ' ' || detail.back() == '.')) detail.pop_back();
  if (detail.size() > 200) detail = detail.substr(0, 200) + "...";
  return detail;
}

std::string status_text(const http::Response& response) {
  const std::string detail = error_detail(response);
  return "HTTP " + std::to_string(response.status) + (detail.empty() ? "" : ": " + detail);
}

}  // namespace lean::forge
