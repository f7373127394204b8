#include "storage/local_storage.hpp"

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "crypto/sha256.hpp"
#include "test_util.hpp"

using namespace lean;
namespace fs = std::filesystem;

TEST_CASE("small objects: absent, written, read back with a content etag") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  CHECK_FALSE(store.get("m/channels/prod.json"));
  CHECK(store.put("m/channels/prod.json", "{\"v\":1}", WriteCondition::always()));
  auto object = store.get("m/channels/prod.json");
  REQUIRE(object);
  CHECK(object->body == "{\"v\":1}");
  CHECK(object->etag == sha256_hex("{\"v\":1}"));
  CHECK(test::read_all(dir.file("reg/m/channels/prod.json")) == "{\"v\":1}");
}

TEST_CASE("conditional writes: if_absent and if_match write nothing when the condition fails") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  CHECK(store.put("k.json", "one", WriteCondition::absent()));
  CHECK_FALSE(store.put("k.json", "two", WriteCondition::absent()));
  CHECK(store.get("k.json")->body == "one");

  const std::string etag = store.get("k.json")->etag;
  CHECK_FALSE(store.put("k.json", "three", WriteCondition::match("stale")));
  CHECK(store.put("k.json", "three", WriteCondition::match(etag)));
  CHECK_FALSE(store.put("k.json", "four", WriteCondition::match(etag)));  // etag changed with the content
  CHECK(store.get("k.json")->body == "three");
  CHECK_FALSE(store.put("absent.json", "x", WriteCondition::match(etag)));
  CHECK_FALSE(store.get("absent.json"));
  CHECK(store.atomic_conditional_writes());
}

TEST_CASE("concurrent read-modify-write with if_match loses no increment") {
  test::TempDir dir;
  const std::string root = dir.file("reg");
  LocalStorage(root, "reg").put("counter", "0", WriteCondition::always());
  constexpr int kThreads = 6, kIncrements = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      LocalStorage store(root, "reg");  // each its own lock descriptor, like separate processes
      for (int i = 0; i < kIncrements; ++i) {
        for (;;) {
          auto current = store.get("counter");
          const std::string next = std::to_string(std::stoi(current->body) + 1);
          if (store.put("counter", next, WriteCondition::match(current->etag))) break;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(LocalStorage(root, "reg").get("counter")->body == std::to_string(kThreads * kIncrements));
}

TEST_CASE("upload and download stream the bytes and hash them in the same pass") {
  test::TempDir dir;
  std::string content(5 * 1024 * 1024 + 123, '\0');  // spans several copy blocks
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 7919) % 251);
  const std::string source = dir.write("model.bin", content);
  LocalStorage store(dir.file("reg"), "reg");

  const FileDigest up = store.upload_file("m/versions/1/model.bin", source);
  CHECK(up.size == content.size());
  CHECK(up.sha256 == sha256_hex(content));
  CHECK(test::read_all(dir.file("reg/m/versions/1/model.bin")) == content);

  const FileDigest down = store.download_file("m/versions/1/model.bin", dir.file("copy.bin"));
  CHECK(down.sha256 == up.sha256);
  CHECK(test::read_all(dir.file("copy.bin")) == content);
  CHECK(store.read_digest("m/versions/1/model.bin").sha256 == up.sha256);
}

TEST_CASE("list: sorted keys under a prefix, never temporary files nor the lock") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  store.put("m/versions/2/manifest.json", "{}", WriteCondition::absent());  // takes the lock
  store.put("m/versions/10/a", "", WriteCondition::always());
  store.put("m/channels/prod.json", "{}", WriteCondition::always());
  store.put("other/versions/1/a", "", WriteCondition::always());
  dir.write("reg/m/versions/10/.lean-tmp-b-123456", "half");  // an interrupted write
  CHECK(store.list("m/versions/") == std::vector<std::string>{"m/versions/10/a", "m/versions/2/manifest.json"});
  CHECK(store.list("m/").size() == 3);
  CHECK(store.list("").size() == 4);
  CHECK(store.list("nothing/").empty());
  CHECK(LocalStorage(dir.file("missing"), "missing").list("").empty());
}

TEST_CASE("a failed upload leaves neither the object nor a temporary file") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  const Error e = test::expect_error([&] { store.upload_file("m/versions/1/a.bin", dir.file("absent.bin")); });
  CHECK(e.status() == ExitStatus::input_data);
  CHECK(e.subject() == dir.file("absent.bin"));
  CHECK(store.list("").empty());
}

TEST_CASE("missing objects and bad keys") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  CHECK(test::expect_error([&] { store.download_file("m/x", dir.file("out")); }).status() == ExitStatus::integrity);
  CHECK(test::expect_error([&] { store.get("m/../../etc/passwd"); }).status() == ExitStatus::usage);
  CHECK(test::expect_error([&] { store.get("/abs"); }).status() == ExitStatus::usage);
  store.remove("never/was");  // removing an absent object is not an error
}

TEST_CASE("a read-only registry folder is a store failure, exit 4") {
  if (::geteuid() == 0) return;  // root writes anyway; the CI user may be root
  test::TempDir dir;
  fs::create_directories(dir.file("reg/m"));
  fs::permissions(dir.file("reg/m"), fs::perms::owner_read | fs::perms::owner_exec);
  LocalStorage store(dir.file("reg"), "reg");
  CHECK(test::expect_error([&] { store.put("m/x", "y", WriteCondition::always()); }).status() == ExitStatus::remote);
  fs::permissions(dir.file("reg/m"), fs::perms::owner_all);
}

TEST_CASE("a symlinked audit folder is refused before the channel write, not after it") {
  test::TempDir dir;
  LocalStorage store(dir.file("reg"), "reg");
  REQUIRE(store.put("m/channels/prod.json", "{\"v\":1}", WriteCondition::always()));
  fs::create_directories(dir.file("outside"));
  fs::create_directory_symlink(dir.file("outside"), dir.file("reg/m/audit"));
  CHECK_THROWS_WITH(store.put("m/channels/prod.json", "{\"v\":2}", WriteCondition::always()),
                    doctest::Contains("is a symbolic link inside the registry"));
  CHECK(store.get("m/channels/prod.json")->body == "{\"v\":1}");
  CHECK(fs::is_empty(dir.file("outside")));
  CHECK(store.put("top.json", "x", WriteCondition::always()));  // not a model's object: no model folders
}
