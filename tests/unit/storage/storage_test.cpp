#include "storage/storage.hpp"

#include <filesystem>

#include "crypto/sha256.hpp"
#include "storage/local_storage.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("the default read_digest downloads, hashes and leaves no temporary file") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  store.put("m/versions/1/a.bin", "alpha", WriteCondition::always());
  const auto temp_files = [] {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
      count += entry.path().filename().string().rfind("lean-digest-", 0) == 0;
    }
    return count;
  };
  const std::size_t before = temp_files();
  const FileDigest digest = store.Storage::read_digest("m/versions/1/a.bin");  // the base class's version
  CHECK(digest.size == 5);
  CHECK(digest.sha256 == sha256_hex("alpha"));
  CHECK(test::expect_error([&] { store.Storage::read_digest("m/versions/1/absent"); }).status() ==
        ExitStatus::integrity);
  CHECK(temp_files() == before);
}
