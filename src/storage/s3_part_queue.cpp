#include "storage/s3_part_queue.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "http/http_client.hpp"

namespace lean::s3 {
namespace {

// A fixed set of part buffers passed between the reader and the uploaders.
class PartQueue {
 public:
  explicit PartQueue(int buffers) : buffers_(static_cast<std::size_t>(buffers)) {
    for (auto& buffer : buffers_) free_.push_back(&buffer);
  }

  // An uploader's loop: sends ready parts until the reader is done or a thread failed.
  void upload_ready(const PartUploader& upload) {
    for (;;) {
      Part part;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return failed_ || !ready_.empty() || closed_; });
        if (failed_ || ready_.empty()) return;
        part = ready_.front();
        ready_.pop_front();
      }
      upload(part.number, std::string_view(part.buffer->data(), part.length));
      std::lock_guard lock(mutex_);
      free_.push_back(part.buffer);
      changed_.notify_all();
    }
  }

  // The reader's loop: fills free buffers with the file's parts, in order.
  void read_parts(const std::string& path, std::uint64_t size, std::uint64_t part_size,
                  const std::function<void(std::string_view)>& on_read) {
    http::FileSource file(path);
    if (file.size() != size) throw_input(path, "changed while it was uploaded");
    const auto part_count = static_cast<int>((size + part_size - 1) / part_size);
    for (int number = 1; number <= part_count; ++number) {
      std::string* buffer;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return failed_ || !free_.empty(); });
        if (failed_) return;
        buffer = free_.back();
        free_.pop_back();
      }
      const std::uint64_t offset = static_cast<std::uint64_t>(number - 1) * part_size;
      const auto length = static_cast<std::size_t>(std::min(part_size, size - offset));
      buffer->resize(length);
      std::size_t done = 0;
      while (done < length) done += file.read(buffer->data() + done, length - done);
      on_read(std::string_view(buffer->data(), length));
      std::lock_guard lock(mutex_);
      ready_.push_back({number, buffer, length});
      changed_.notify_all();
    }
  }

  // No more parts come: the uploaders end once the ready ones are sent.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  // The first failure wins; every thread stops at its next wait.
  void fail(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (!failed_) error_ = error;
    failed_ = true;
    changed_.notify_all();
  }

  void rethrow_failure() const {
    if (failed_) std::rethrow_exception(error_);
  }

 private:
  struct Part {
    int number = 0;
    std::string* buffer = nullptr;
    std::size_t length = 0;
  };
  std::vector<std::string> buffers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Part> ready_;
  std::vector<std::string*> free_;
  bool closed_ = false;
  bool failed_ = false;
  std::exception_ptr error_;
};

}  // namespace

void send_in_parts(const std::string& path, std::uint64_t size, std::uint64_t part_size, int uploaders,
                   const std::function<PartUploader()>& make_uploader,
                   const std::function<void(std::string_view)>& on_read) {
  PartQueue queue(uploaders);
  std::vector<std::thread> threads;
  for (int i = 0; i < uploaders; ++i) {
    threads.emplace_back([&] {
      try {
        queue.upload_ready(make_uploader());
      } catch (...) {
        queue.fail(std::current_exception());
      }
    });
  }
  try {
    queue.read_parts(path, size, part_size, on_read);
  } catch (...) {
    queue.fail(std::current_exception());
  }
  queue.close();
  for (auto& thread : threads) thread.join();
  queue.rethrow_failure();
}

}  // namespace lean::s3
