#include "storage/s3_part_queue.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "test_util.hpp"

using namespace lean;

namespace {

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i % 26);
  return bytes;
}

}  // namespace

TEST_CASE("parts: read once in order, each sent once, the last one shorter") {
  test::TempDir dir;
  const std::string bytes = pattern(10'000);
  const std::string path = dir.write("big.bin", bytes);
  for (const int uploaders : {1, 3}) {
    CAPTURE(uploaders);
    std::mutex mutex;
    std::map<int, std::string> sent;
    std::string read;
    s3::send_in_parts(
        path, bytes.size(), 3'000, uploaders,
        [&]() -> s3::PartUploader {
          return [&](int number, std::string_view part) {
            std::lock_guard lock(mutex);
            CHECK(sent.emplace(number, std::string(part)).second);
          };
        },
        [&](std::string_view part) { read += part; });
    CHECK(read == bytes);
    REQUIRE(sent.size() == 4);
    CHECK(sent[1] == bytes.substr(0, 3'000));
    CHECK(sent[4] == bytes.substr(9'000));
  }
}

TEST_CASE("parts: the first failure stops every thread and is rethrown") {
  test::TempDir dir;
  const std::string path = dir.write("big.bin", pattern(10'000));
  const auto failing = []() -> s3::PartUploader {
    return [](int number, std::string_view) {
      if (number == 2) throw Error(ExitStatus::remote, "s3://b/k", "uploading part 2 failed");
    };
  };
  const Error error =
      test::expect_error([&] { s3::send_in_parts(path, 10'000, 1'000, 2, failing, [](std::string_view) {}); });
  CHECK(error.status() == ExitStatus::remote);
  CHECK(std::string(error.what()) == "uploading part 2 failed");
}

TEST_CASE("parts: a file of another size than stated changed while it was uploaded") {
  test::TempDir dir;
  const std::string path = dir.write("big.bin", pattern(100));
  const auto none = []() -> s3::PartUploader { return [](int, std::string_view) {}; };
  const Error error = test::expect_error([&] { s3::send_in_parts(path, 200, 50, 2, none, [](std::string_view) {}); });
  CHECK(error.status() == ExitStatus::input_data);
  CHECK(error.subject() == path);
  CHECK(std::string(error.what()) == "changed while it was uploaded");
}
