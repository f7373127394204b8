#include "crypto/sha256.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("SHA-256 known answers (FIPS 180-2)") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("incremental hashing equals one-shot hashing") {
  Sha256 hash;
  hash.update("a");
  hash.update("bc");
  CHECK(hash.finish_hex() == sha256_hex("abc"));
}

TEST_CASE("a file hashes like its bytes") {
  test::TempDir dir;
  std::string content(3 << 20, 'x');
  content += "tail";
  CHECK(sha256_file_hex(dir.write("f.bin", content)) == sha256_hex(content));
  CHECK(test::expect_error([&] { sha256_file_hex(dir.file("missing")); }).status() == ExitStatus::input_data);
}

TEST_CASE("HMAC-SHA256 known answer (RFC 4231 case 2)") {
  CHECK(to_hex(hmac_sha256_raw("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
