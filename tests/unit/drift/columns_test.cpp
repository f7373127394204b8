#include "drift/columns.hpp"

#include "drift_fixtures.hpp"
#include "test_util.hpp"

using namespace lean;

TEST_CASE("read_rows counts missing cells, keeps numbers, and marks a column that turns to text") {
  test::TempDir dir;
  const auto path = dir.write("a.csv", "x,y,z\n1,a,NA\n2,b,\n,c,3\nfour,a,5\n");
  LoadedFile file;
  file.path = path;
  auto reader = open_csv(path, ',', file.header);
  CHECK(file.header == std::vector<std::string>{"x", "y", "z"});
  for (std::size_t field = 0; field < 3; ++field) {
    auto column = std::make_unique<FileColumn>(file.arena.get());
    column->name = file.header[field];
    column->field = field;
    file.columns.push_back(std::move(column));
  }
  read_rows(*reader, file, 1 << 20);
  CHECK(file.rows == 4);
  const FileColumn& x = *file.columns[0];
  CHECK_FALSE(x.numeric);
  CHECK(x.needs_text_pass);  // "1" and "2" were kept as numbers before "four"
  CHECK(x.first_text == "four");
  CHECK(x.first_text_line == 5);
  CHECK(x.missing == 1);
  CHECK(file.columns[1]->categories.count_of("a") == 2);
  CHECK(file.columns[2]->numeric);
  CHECK(file.columns[2]->missing == 2);
  CHECK(test::sorted_values(file.columns[2]->numbers) == std::vector<double>{3, 5});

  reread_as_text(file, {0});
  CHECK(file.columns[0]->categories.size() == 3);
  CHECK(file.columns[0]->categories.count_of("four") == 1);
  CHECK(file.columns[0]->missing == 1);
}

TEST_CASE("a header naming a column twice, an empty file and a short row are input errors") {
  test::TempDir dir;
  std::vector<std::string> header;
  const auto twice = dir.write("t.csv", "a,b,a\n1,2,3\n");
  CHECK(test::expect_error([&] { open_csv(twice, ',', header); }).describe() ==
        "'" + twice + ":1': column \"a\" appears twice in the header");
  const auto empty = dir.write("e.csv", "");
  CHECK(test::expect_error([&] { open_csv(empty, ',', header); }).describe() ==
        "'" + empty + "': empty file: no header row");
  const auto unnamed = dir.write("u.csv", ",a\n1,2\n");
  open_csv(unnamed, ',', header);
  CHECK(header == std::vector<std::string>{"Unnamed: 0", "a"});

  const auto short_row = dir.write("s.csv", "a,b\n1,2\n3\n");
  LoadedFile file;
  file.path = short_row;
  auto reader = open_csv(short_row, ',', file.header);
  CHECK(test::expect_error([&] { read_rows(*reader, file, 0); }).describe() ==
        "'" + short_row + ":3': row has 1 field, the header has 2");
}
