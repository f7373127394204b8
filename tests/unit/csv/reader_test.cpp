#include "csv/reader.hpp"

#include <zlib.h>

#include <random>

#include "test_util.hpp"

using namespace lean;

namespace {

std::vector<std::vector<std::string>> read_all_records(const std::string& path, char delimiter = ',') {
  CsvReader reader(path, delimiter);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string_view> fields;
  while (reader.next(fields)) records.emplace_back(fields.begin(), fields.end());
  return records;
}

using Records = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("RFC 4180: quoted delimiters, doubled quotes, line breaks in quotes, CRLF, BOM, no final newline") {
  test::TempDir dir;
  const auto path = dir.write("a.csv",
                              "\xEF\xBB\xBF"
                              "name,text\r\n\"a,b\",\"say \"\"hi\"\"\"\r\nx,\"two\r\nlines\"\r\n,\r\nlast,row");
  CHECK(read_all_records(path) ==
        Records{{"name", "text"}, {"a,b", "say \"hi\""}, {"x", "two\r\nlines"}, {"", ""}, {"last", "row"}});
}

TEST_CASE("LF and lone CR line ends, blank lines skipped, a trailing delimiter is an empty field") {
  test::TempDir dir;
  CHECK(read_all_records(dir.write("a.csv", "a,b\n\n1,\r2,3\n\n")) == Records{{"a", "b"}, {"1", ""}, {"2", "3"}});
}

TEST_CASE("tab delimiter and the default delimiter of .tsv names") {
  test::TempDir dir;
  CHECK(read_all_records(dir.write("a.tsv", "a\tb\n1,5\t\"x\ty\"\n"), '\t') == Records{{"a", "b"}, {"1,5", "x\ty"}});
  CHECK(default_delimiter("data.tsv") == '\t');
  CHECK(default_delimiter("data.tsv.gz") == '\t');
  CHECK(default_delimiter("data.csv.gz") == ',');
}

TEST_CASE("a record longer than the read window and many records across refills") {
  test::TempDir dir;
  std::string big(3 << 20, 'x');
  std::string text = "a,b\n\"" + big + "\",1\n";
  for (int i = 0; i < 200000; ++i) text += std::to_string(i) + ",\"q\"\"" + std::to_string(i) + "\"\n";
  const auto records = read_all_records(dir.write("a.csv", text));
  REQUIRE(records.size() == 200002);
  CHECK(records[1][0] == big);
  CHECK(records.back() == std::vector<std::string>{"199999", "q\"199999"});
}

TEST_CASE("gzip input is decompressed; corrupt and truncated gzip are input errors") {
  test::TempDir dir;
  const std::string path = dir.file("a.csv.gz");
  gzFile out = gzopen(path.c_str(), "wb");
  const std::string text = "a,b\n1,2\n3,4\n";
  gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
  gzclose(out);
  CHECK(read_all_records(path) == Records{{"a", "b"}, {"1", "2"}, {"3", "4"}});

  std::string bytes = test::read_all(path);
  const auto truncated = dir.write("t.csv.gz", bytes.substr(0, bytes.size() - 12));
  CHECK(test::expect_error([&] { read_all_records(truncated); }).describe() ==
        "'" + truncated + "': truncated gzip data: unexpected end of file");
  bytes[12] = static_cast<char>(bytes[12] ^ 0x55);
  bytes[13] = static_cast<char>(bytes[13] ^ 0x55);
  const auto corrupt = dir.write("c.csv.gz", bytes);
  Error e = test::expect_error([&] { read_all_records(corrupt); });
  CHECK(e.status() == ExitStatus::input_data);
  CHECK(e.describe().rfind("'" + corrupt + "': corrupt gzip data: ", 0) == 0);
}

TEST_CASE("malformed CSV names the file and line") {
  test::TempDir dir;
  const auto open_quote = dir.write("q.csv", "a,b\n1,2\n3,\"never closed\n4,5\n");
  CHECK(test::expect_error([&] { read_all_records(open_quote); }).describe() ==
        "'" + open_quote + ":3': unterminated quoted field");
  const auto after_quote = dir.write("t.csv", "a,b\n\"x\"y,2\n");
  CHECK(test::expect_error([&] { read_all_records(after_quote); }).describe() ==
        "'" + after_quote + ":2': unexpected text after a closing quote");
}

TEST_CASE("line numbers count the line breaks inside quoted fields") {
  test::TempDir dir;
  CsvReader reader(dir.write("a.csv", "a\n\"x\ny\"\n\nz\n"), ',');
  std::vector<std::string_view> fields;
  std::vector<std::uint64_t> lines;
  while (reader.next(fields)) lines.push_back(reader.line());
  CHECK(lines == std::vector<std::uint64_t>{1, 2, 5});
}

TEST_CASE("a missing file or a directory is an input error") {
  test::TempDir dir;
  CHECK(test::expect_error([&] { CsvReader(dir.file("none.csv"), ','); }).describe() ==
        "'" + dir.file("none.csv") + "': cannot open: No such file or directory");
  CHECK(test::expect_error([&] { CsvReader(dir.file(""), ','); }).status() == ExitStatus::input_data);
}

TEST_CASE("random CSV: fields of every length across blocks and windows read as written") {
  // Fields up to 300 bytes (several 64-byte blocks), quoted ones holding delimiters, quotes
  // and line breaks, every kind of line end; 3 MiB, so records also straddle the window.
  std::mt19937 random(17);
  const std::string plain = "abcxyz0123456789.-+ \t;|";
  const std::string special = ",\"\n\r";
  Records expected;
  std::string text;
  const char* line_ends[] = {"\n", "\r\n", "\r"};
  while (text.size() < (3u << 20)) {
    std::vector<std::string> record;
    const int width = 1 + static_cast<int>(random() % 6);
    for (int f = 0; f < width; ++f) {
      const int length = static_cast<int>(random() % 8 == 0 ? random() % 300 : random() % 12);
      const bool quoted = random() % 4 == 0 || (width == 1 && length == 0);  // "" is no blank line
      std::string value;
      for (int i = 0; i < length; ++i) {
        value += quoted && random() % 5 == 0 ? special[random() % special.size()] : plain[random() % plain.size()];
      }
      if (quoted) {
        std::string escaped;
        for (char c : value) escaped += c == '"' ? std::string("\"\"") : std::string(1, c);
        text += "\"" + escaped + "\"";
      } else {
        text += value;
      }
      if (f + 1 < width) text += ",";
      record.push_back(value);
    }
    text += line_ends[random() % 3];
    expected.push_back(record);
  }
  test::TempDir dir;
  const Records records = read_all_records(dir.write("r.csv", text));
  REQUIRE(records.size() == expected.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < records.size(); ++i) differing += records[i] != expected[i];
  CHECK(differing == 0);
}

TEST_CASE("next_lines: whole lines after the header, a last line without a break, then nothing") {
  test::TempDir dir;
  std::string content = "a,b\n";
  for (int i = 0; i < 50000; ++i) content += std::to_string(i) + ",x\n";  // more than one window
  content += "last,row";
  CsvReader reader(dir.write("a.csv", content), ',');
  std::vector<std::string_view> fields;
  REQUIRE(reader.next(fields));
  CHECK(reader.next_line() == 2);
  std::string read;
  std::size_t blocks = 0;
  for (std::optional<std::string_view> lines; (lines = reader.next_lines()) && !lines->empty(); ++blocks) {
    // Whole lines, and a line feed in the padding after a last line without one.
    CHECK((lines->back() == '\n' || lines->data()[lines->size()] == '\n'));
    read += *lines;
  }
  CHECK(blocks > 1);
  CHECK(read == content.substr(4));
  CHECK(reader.next_lines() == std::optional<std::string_view>(std::string_view()));
}

TEST_CASE("next_lines: a line longer than the window gives nullopt") {
  test::TempDir dir;
  CsvReader reader(dir.write("a.csv", "a\n" + std::string(300000, 'x') + "\n"), ',');
  std::vector<std::string_view> fields;
  REQUIRE(reader.next(fields));
  CHECK_FALSE(reader.next_lines().has_value());
}
