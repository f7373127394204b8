#include "storage/local_file.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "test_util.hpp"

using namespace lean;

TEST_CASE("a file to upload is a regular file, and a change of it shows in its state") {
  test::TempDir dir;
  const std::string file = dir.write("model.bin", "weights");
  const LocalFileState before = stat_local_file(file);
  CHECK(before.size == 7);
  CHECK(stat_local_file(file) == before);
  dir.write("model.bin", "other weights");
  CHECK_FALSE(stat_local_file(file) == before);
  CHECK(test::expect_error([&] { stat_local_file(dir.file("")); }).what() ==
        std::string("is a directory; give the files in it"));
  CHECK(test::expect_error([&] { stat_local_file(dir.file("missing.bin")); }).what() ==
        std::string("cannot open: No such file or directory"));
  const std::string fifo = dir.file("pipe");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(test::expect_error([&] { stat_local_file(fifo); }).what() == std::string("is not a regular file"));
}
