// Retry-After header values as a server (or anything in between) sends them: delta
// seconds or an HTTP-date. A delay is never negative.
#include <chrono>

#include "fuzz_util.hpp"
#include "http/http_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  if (auto delay = lean::http::parse_retry_after(input, now); delay && delay->count() < 0) {
    lean::fuzz::finding("negative Retry-After delay from \"" + input + "\"");
  }
  return 0;
}
