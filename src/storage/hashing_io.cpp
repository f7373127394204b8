#include "storage/hashing_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/error.hpp"
#include "core/files.hpp"

namespace lean {

HashingFileSource::HashingFileSource(const std::string& path, Md5Hash md5) : file_(path) {
  if (md5 == Md5Hash::compute) md5_ = std::make_unique<Md5>();
}

void HashingFileSource::rewind() {
  file_.rewind();
  hash_ = std::make_unique<Sha256>();
  if (md5_) md5_->reset();
  if (progress_) progress_->advance(-static_cast<std::int64_t>(sent_));
  sent_ = 0;
}

std::size_t HashingFileSource::read(char* buffer, std::size_t capacity) {
  const std::size_t n = file_.read(buffer, capacity);
  hash_->update(buffer, n);
  if (md5_) md5_->update(buffer, n);
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

std::string HashingFileSource::md5_hex() { return md5_ ? md5_->finish_hex() : std::string(); }

HashingSink::HashingSink(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_input(path_, "cannot create: " + errno_text(errno));
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
    throw_input(path_, "cannot write: " + errno_text(errno));
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
    if (into_ == Into::memory) memory_.append(data, size);
    return;
  }
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_input(path_, "cannot write: " + errno_text(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

FileDigest HashingSink::finish() {
  if (progress_) progress_->finish();
  if (fd_ >= 0) {
    if (::fsync(fd_) != 0) throw_input(path_, "cannot write: " + errno_text(errno));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_input(path_, "cannot write: " + errno_text(errno));
  }
  FileDigest digest;
  digest.size = size_;
  digest.sha256 = hash_->finish_hex();
  hash_ = std::make_unique<Sha256>();
  return digest;
}

}  // namespace lean
