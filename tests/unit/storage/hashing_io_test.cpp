#include "storage/hashing_io.hpp"

#include "crypto/sha256.hpp"
#include "test_util.hpp"

using namespace lean;

namespace {

std::string read_source(http::BodySource& source) {
  std::string out;
  char buffer[3];
  while (const std::size_t n = source.read(buffer, sizeof buffer)) out.append(buffer, n);
  return out;
}

}  // namespace

TEST_CASE("a hashing file source hashes what it sends, and only the last attempt's bytes") {
  test::TempDir dir;
  const std::string path = dir.write("model.bin", "some model bytes");
  HashingFileSource source(path, HashingFileSource::Md5Hash::compute);
  CHECK(source.size() == 16);
  read_source(source);
  source.rewind();  // a retry starts again
  CHECK(read_source(source) == "some model bytes");
  const FileDigest digest = source.digest();
  CHECK(digest.size == 16);
  CHECK(digest.sha256 == sha256_hex("some model bytes"));
  CHECK(source.md5_hex() == "17912db5744f5ef182ca3d985d161755");
}

TEST_CASE("a hashing file source without MD5 has none") {
  test::TempDir dir;
  HashingFileSource source(dir.write("a", "abc"));
  read_source(source);
  CHECK(source.digest().sha256 == sha256_hex("abc"));
  CHECK(source.md5_hex().empty());
}

TEST_CASE("a hashing sink keeps the last attempt's bytes in a file, in memory or nowhere") {
  test::TempDir dir;
  const std::string path = dir.file("out.bin");
  {
    HashingSink sink(path);
    sink.write("broken", 6);
    sink.restart();
    sink.write("good ", 5);
    sink.write("bytes", 5);
    const FileDigest digest = sink.finish();
    CHECK(digest.size == 10);
    CHECK(digest.sha256 == sha256_hex("good bytes"));
  }
  CHECK(test::read_all(path) == "good bytes");

  HashingSink memory;
  memory.write("ab", 2);
  memory.restart();
  memory.write("cd", 2);
  CHECK(memory.finish().sha256 == sha256_hex("cd"));
  CHECK(memory.memory() == "cd");

  HashingSink nowhere(HashingSink::Into::nowhere);
  nowhere.write("xyz", 3);
  CHECK(nowhere.finish().sha256 == sha256_hex("xyz"));
  CHECK(nowhere.memory().empty());
}

TEST_CASE("a hashing sink that cannot create its file is an input error naming it") {
  test::TempDir dir;
  const std::string path = dir.file("missing/out.bin");
  const Error error = test::expect_error([&] { HashingSink sink(path); });
  CHECK(error.status() == ExitStatus::input_data);
  CHECK(error.subject() == path);
}
