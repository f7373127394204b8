#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace lean {

// Runs `work(i)` for i in [0, count) on up to `threads` threads (the caller's among them);
// rethrows the first error by index, so the message does not depend on timing.
template <class Work>
void parallel_for_each_index(std::size_t count, unsigned threads, Work work) {
  std::vector<std::exception_ptr> errors(count);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < count;) {
      try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  const std::size_t used = std::min<std::size_t>(std::max(1u, threads), count);
  for (std::size_t t = 1; t < used; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace lean
