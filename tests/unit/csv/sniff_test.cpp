#include "csv/sniff.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "test_util.hpp"

using namespace lean;

namespace {

std::optional<std::string> kind_of(const std::string& bytes) {
  char path[] = "/tmp/sniff-test-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
  auto kind = non_csv_kind(path);
  std::remove(path);
  return kind;
}

}  // namespace

TEST_CASE("files that are not CSV text are named by what they are") {
  CHECK(kind_of("PAR1\x15\x04") == "a Parquet file");
  CHECK(kind_of(std::string("PK\x03\x04\x14\x00", 6)) == "a ZIP archive (an .xlsx workbook?)");
  CHECK(kind_of("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") == "an OLE2 document (an .xls workbook?)");
  CHECK(kind_of("\x7F"
                "ELF\x02") == "an executable (ELF)");
  CHECK(kind_of("\xFF\xFE"
                "a") == "UTF-16 text (save it as UTF-8)");
  CHECK(kind_of(std::string("a,b\n1,\0\n", 8)) == "a binary file (it holds NUL bytes)");
  CHECK(kind_of("{\"a\": 1}\n") == "a JSON file");
  CHECK(kind_of("  [{\"a\": 1}]") == "a JSON file");
  CHECK(kind_of("[1, 2]") == "a JSON file");
}

TEST_CASE("CSV text, gzip, and files that cannot be read are left to the reader") {
  CHECK_FALSE(kind_of("a,b\n1,2\n"));
  CHECK_FALSE(
      kind_of("\xEF\xBB\xBF"
              "a,b\n"));
  CHECK_FALSE(kind_of("[a],b\n1,2\n"));
  CHECK_FALSE(kind_of("\x1F\x8B\x08\x00"));
  CHECK_FALSE(kind_of(""));
  CHECK_FALSE(non_csv_kind("/nonexistent/file.csv"));
  CHECK_FALSE(non_csv_kind("/dev/null"));  // not a regular file: never read twice
}

TEST_CASE("a FIFO is not opened: its writer must meet the real reader, not a closed pipe") {
  char dir[] = "/tmp/sniff-fifo-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string fifo = std::string(dir) + "/data.csv";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_FALSE(non_csv_kind(fifo));  // returns at once: an open would block without a writer
  std::remove(fifo.c_str());
  ::rmdir(dir);
}
