#include "parquet/parquet_file.hpp"

#include <filesystem>

#include "test_util.hpp"

using namespace lean;

namespace {
std::size_t open_descriptors() {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"), {}));
}
}  // namespace

TEST_CASE("a file rejected while opening leaves no descriptor open (found by the parquet fuzz target)") {
  test::TempDir dir;
  const std::string bad = dir.write("bad.parquet", "PAR1 not really parquet PARX");
  const std::size_t before = open_descriptors();
  for (int i = 0; i < 50; ++i) {
    const Error error = test::expect_error([&] { parquet::ParquetFile file(bad); });
    CHECK(error.describe() == "'" + bad + "': not a complete Parquet file: it does not end with the magic bytes PAR1");
  }
  CHECK(open_descriptors() == before);
}

TEST_CASE("the magic bytes at either end decide, not the name") {
  test::TempDir dir;
  CHECK(parquet::has_parquet_magic(dir.write("a.csv", "PAR1xxxx")));
  CHECK(parquet::has_parquet_magic(dir.write("b", "xxxxPAR1")));
  CHECK_FALSE(parquet::has_parquet_magic(dir.write("c.parquet", "x,y\n1,2\n")));
  CHECK_FALSE(parquet::has_parquet_magic(dir.file("missing")));
}
