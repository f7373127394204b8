#include "input/s3_input.hpp"

#include <thread>

#include "core/error.hpp"
#include "test_util.hpp"

using namespace lean;
using namespace lean::input;

namespace {

// An object in memory; records the ranges asked for.
class FakeReader : public S3ObjectReader {
 public:
  explicit FakeReader(std::string bytes) : bytes_(std::move(bytes)) {}
  Object head(const std::string&) override { return {bytes_.size(), "\"e1\""}; }
  std::string read_range(const std::string&, const Object& seen, std::uint64_t offset, std::uint64_t length) override {
    std::lock_guard<std::mutex> guard(mutex_);
    CHECK(seen.etag == "\"e1\"");
    ranges.emplace_back(offset, length);
    return bytes_.substr(offset, length);
  }
  std::vector<std::string> list_keys(const std::string&) override { return {}; }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;

 private:
  std::string bytes_;
  std::mutex mutex_;
};

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 7 % 251);
  return bytes;
}

std::string as_text(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

}  // namespace

TEST_CASE("s3 URLs and folders") {
  CHECK(is_s3_url("s3://bucket/key.csv"));
  CHECK_FALSE(is_s3_url("data/s3://x"));
  CHECK(is_s3_folder("s3://bucket/data/"));
  CHECK_FALSE(is_s3_folder("s3://bucket/data.parquet"));
  CHECK_FALSE(is_s3_folder("data/"));
}

TEST_CASE("an object's edges are fetched once, a window serves its thread, other reads ask for their range") {
  const std::string bytes = pattern(300'000);
  auto reader = std::make_shared<FakeReader>(bytes);
  const S3Object object("s3://b/k", reader, "k", reader->head("k"));
  std::vector<std::uint8_t> out;
  object.read_at(0, 4, out);
  object.read_at(10, 100, out);
  CHECK(as_text(out) == bytes.substr(10, 100));
  object.read_at(bytes.size() - 8, 8, out);
  CHECK(as_text(out) == bytes.substr(bytes.size() - 8));
  CHECK(reader->ranges ==
        std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 65536}, {bytes.size() - 65536, 65536}});

  object.load_window(100'000, 50'000);
  object.read_at(120'000, 1000, out);
  CHECK(as_text(out) == bytes.substr(120'000, 1000));
  CHECK(reader->ranges.size() == 3);
  object.read_at(150'000, 10, out);  // past the window: a range of its own
  CHECK(as_text(out) == bytes.substr(150'000, 10));
  CHECK(reader->ranges.back() == std::pair<std::uint64_t, std::uint64_t>{150'000, 10});

  // A chunk above 256 MiB (a footer may claim anything) is not fetched at once.
  const std::size_t before = reader->ranges.size();
  object.load_window(0, std::uint64_t{1} << 40);
  CHECK(reader->ranges.size() == before);
  object.read_at(120'000, 10, out);
  CHECK(reader->ranges.size() == before + 1);
  object.load_window(100'000, 50'000);

  // Another thread has no window of its own yet.
  std::thread other([&] {
    std::vector<std::uint8_t> mine;
    object.read_at(120'000, 10, mine);
    CHECK(as_text(mine) == bytes.substr(120'000, 10));
  });
  other.join();
  CHECK(reader->ranges.back() == std::pair<std::uint64_t, std::uint64_t>{120'000, 10});
}

TEST_CASE("a whole object above the limit is an input error naming it") {
  auto reader = std::make_shared<FakeReader>(pattern(1000));
  const S3Object object("s3://b/m.json", reader, "m.json", reader->head("m.json"));
  CHECK(object.read_all(1000).size() == 1000);
  CHECK_THROWS_WITH_AS(object.read_all(999), "is larger than 999 bytes (the limit; see docs/hardening.md)", Error);
}
