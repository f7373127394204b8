#include "profile/profile.hpp"

#include <cmath>
#include <map>
#include <random>
#include <tuple>

#include "test_util.hpp"

using namespace lean;

namespace {

ProfileOptions small_exact(std::uint64_t max_exact) {
  ProfileOptions options;
  options.max_exact = max_exact;
  return options;
}

std::string change_first(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("moments merged pairwise equal the moments of all the values") {
  std::mt19937_64 random(5);
  std::normal_distribution<double> normal(1e6, 3);  // a large mean: the naive formula loses digits
  std::vector<double> values;
  Moments all, a, b;
  for (int i = 0; i < 10000; ++i) {
    values.push_back(normal(random));
    all.add(values.back());
    (i % 3 == 0 ? a : b).add(values.back());
  }
  a.merge(b);
  double mean = 0;
  for (double v : values) mean += v;
  const double n = static_cast<double>(values.size());
  mean /= n;
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  CHECK(a.count == all.count);
  CHECK(a.mean == doctest::Approx(mean).epsilon(1e-14));
  CHECK(a.variance() == doctest::Approx(ss / n).epsilon(1e-9));
  CHECK(all.variance() == doctest::Approx(ss / n).epsilon(1e-9));
  CHECK(a.min == all.min);
  CHECK(a.max == all.max);
}

TEST_CASE("a profile counts values exactly, or sketches them past --max-exact, and reads back") {
  test::TempDir dir;
  std::string csv = "x,color,few\n";
  for (int i = 0; i < 3000; ++i)
    csv += std::to_string(i * 0.5) + "," + (i % 3 ? "red" : "blue") + "," + std::to_string(i % 4) + "\n";
  csv += ",NA,\n";
  const auto path = dir.write("data.csv", csv);
  const Profile profile = build_profile({path}, small_exact(100));
  REQUIRE(profile.columns.size() == 3);
  CHECK(profile.rows == 3001);
  const auto& x = profile.columns[0];
  CHECK(x.numeric);
  CHECK(x.count == 3000);
  CHECK(x.missing == 1);
  REQUIRE(x.sketch);
  CHECK(x.sketch->n() == 3000);
  CHECK(x.moments.min == 0);
  CHECK(x.moments.max == 1499.5);
  CHECK(x.moments.mean == doctest::Approx(749.75));
  const auto& color = profile.columns[1];
  CHECK_FALSE(color.numeric);
  CHECK(color.text_counts.at("red") == 2000);
  CHECK(color.text_counts.at("blue") == 1000);
  const auto& few = profile.columns[2];
  CHECK(few.exact());
  CHECK(few.number_counts.at(3) == 750);

  const std::string text = write_profile(profile);
  const Profile back = parse_profile(text, "p");
  CHECK(write_profile(back) == text);
  CHECK(write_profile(build_profile({path}, small_exact(100))) == text);  // deterministic
}

TEST_CASE("a profile read on several threads is the one read on one, and fails at the same first error") {
  test::TempDir dir;
  std::mt19937_64 random(18);
  std::normal_distribution<double> normal(0, 3);
  std::string csv = "a,b,c,d,e\n";
  for (int i = 0; i < 20000; ++i) {
    csv += std::to_string(normal(random)) + "," + std::to_string(i % 97) + "," + (i % 5 ? "x" : "y") + "," +
           std::to_string(std::round(normal(random) * 1e4) / 1e4) + "," + (i % 50 ? "" : "NA") + "\n";
  }
  const auto path = dir.write("data.csv", csv);
  ProfileOptions one = small_exact(500), three = small_exact(500);
  one.threads = 1;
  three.threads = 3;
  CHECK(write_profile(build_profile({path}, one)) == write_profile(build_profile({path}, three)));
  // Errors in several columns: the one a single reader meets first, whichever thread meets it.
  std::string broken = "a,b,c,d\n1,2,3,4\n5,6,7,8\n";
  broken += "9,10,11,oops\n";   // line 4, the last column's share
  broken += "13,nope,15,16\n";  // line 5, an earlier column
  const auto bad = dir.write("bad.csv", broken);
  for (unsigned threads : {1u, 2u, 4u}) {
    ProfileOptions options;
    options.numeric = {"b", "d"};
    options.threads = threads;
    const Error error = test::expect_error([&] { build_profile({bad}, options); });
    CHECK(error.subject() == bad + ":4");
    CHECK(std::string(error.what()).find("\"oops\"") != std::string::npos);
  }
  // Errors many batches of rows in (the reading thread hands 4,096 rows at a time): in a
  // column it hands over, in one it keeps, and a short row.
  const auto late_errors = [&](int handed_line, int kept_line, int short_line) {
    std::string rows = "a,b,c,d,e,f\n";
    for (int line = 2; line < 30000; ++line) {  // the header is line 1
      const std::string n = std::to_string(line);
      rows += line == kept_line ? "x" : n;
      for (int column = 0; column < 4; ++column) rows += "," + n;
      if (line != short_line) rows += "," + (line == handed_line ? std::string("y") : n);
      rows += "\n";
    }
    return dir.write("late.csv", rows);
  };
  for (const auto& [handed_line, kept_line, short_line, subject] :
       {std::tuple{15000, 17000, 0, 15000}, std::tuple{17000, 15000, 0, 15000}, std::tuple{17000, 0, 16000, 16000},
        std::tuple{16001, 0, 16000, 16000}, std::tuple{9000, 9000, 0, 9000}}) {
    const auto late = late_errors(handed_line, kept_line, short_line);
    for (unsigned threads : {1u, 2u, 3u}) {
      CAPTURE(handed_line);
      CAPTURE(threads);
      ProfileOptions options;
      options.numeric = {"a", "f"};
      options.threads = threads;
      const Error error = test::expect_error([&] { build_profile({late}, options); });
      CHECK(error.subject() == late + ":" + std::to_string(subject));
      if (subject == kept_line) CHECK(std::string(error.what()).find("column \"a\"") != std::string::npos);
    }
  }
  const auto short_row = dir.write("short.csv", "a,b,c,d\n1,2,3,4\n5,6,7\n9,x,11,12\n");
  for (unsigned threads : {1u, 2u}) {
    ProfileOptions options;
    options.numeric = {"b"};
    options.threads = threads;
    CHECK(test::expect_error([&] { build_profile({short_row}, options); }).subject() == short_row + ":3");
  }
}

TEST_CASE("exact counts are by value however a number is spelled, and the same on any number of threads") {
  // Short decimals count by their fixed-point value at the column's finest scale so far,
  // other spellings by their double: each value must still be counted once.
  test::TempDir dir;
  const std::vector<std::string> spellings = {"1",   "1.5",  "1.25", "-0",        "-0.0",   "0",        "0.0",
                                              "+2",  "1e0",  "10",   "1.50",      "2.5e-1", "1e-7",     "0.0000001",
                                              "-.5", ".25",  "5.",   "123456789", "1e30",   "-1e-5",    "99999999",
                                              "0.1", "1e-1", "-1.1", "-11e-1",    "7",      "1234567.8"};
  std::mt19937_64 random(16);
  std::map<std::string, std::map<double, std::uint64_t>> want;
  const std::vector<std::string> names = {"spelled", "wide", "finer", "hashed_first", "crossing"};
  std::string csv = "spelled,wide,finer,hashed_first,crossing\n";
  for (int i = 0; i < 12000; ++i) {
    std::vector<std::string> row = {
        spellings[random() % spellings.size()],
        i % 20 == 0 ? std::to_string(random() % 1000000000) : std::to_string(random() % 10),  // past the array's reach
        i < 6000 ? std::to_string(random() % 50) : std::to_string(random() % 50) + "." + std::to_string(random() % 20),
        i < 300 ? std::vector<std::string>{"1e-1", "2e-1", "3"}[random() % 3]
                : std::vector<std::string>{"0.1", "0.25", "3.0"}[random() % 3],
        std::to_string(random() % 20) + "." + std::to_string(random() % 100)};
    for (std::size_t c = 0; c < row.size(); ++c) {
      const double value = std::strtod(row[c].c_str(), nullptr);
      ++want[names[c]][value == 0 ? 0.0 : value];
      csv += (c ? "," : "") + row[c];
    }
    csv += "\n";
  }
  const auto path = dir.write("spelled.csv", csv);
  std::string first;
  for (unsigned threads : {1u, 2u, 3u}) {
    CAPTURE(threads);
    ProfileOptions options = small_exact(1500);
    options.threads = threads;
    const Profile profile = build_profile({path}, options);
    for (std::size_t c = 0; c + 1 < names.size(); ++c) {
      CAPTURE(names[c]);
      CHECK(profile.columns[c].number_counts == want[names[c]]);
    }
    const auto& crossing = profile.columns.back();  // 2,000 values: a sketch, fed the counts in order
    REQUIRE(crossing.sketch);
    CHECK(crossing.sketch->n() == 12000);
    const std::string text = write_profile(profile);
    if (first.empty()) first = text;
    CHECK(text == first);
  }
}

TEST_CASE("a changed, truncated, or newer profile is refused") {
  test::TempDir dir;
  const auto path = dir.write("data.csv", "a,b\n1,x\n2,y\n");
  const std::string text = write_profile(build_profile({path}, {}));
  auto tampered =
      test::expect_error([&] { (void)parse_profile(change_first(text, "\"count\":2", "\"count\":3"), "p"); });
  CHECK(tampered.status() == ExitStatus::integrity);
  CHECK(tampered.describe() == "'p': checksum mismatch: the profile was changed or damaged after it was written");
  auto truncated = test::expect_error([&] { (void)parse_profile(text.substr(0, text.size() / 2), "p"); });
  CHECK(truncated.status() == ExitStatus::integrity);
  CHECK(truncated.describe() == "'p': not a complete profile: the JSON is truncated or damaged");
  auto newer =
      test::expect_error([&] { (void)parse_profile(change_first(text, "\"version\":1", "\"version\":2"), "p"); });
  CHECK(newer.status() == ExitStatus::input_data);
  CHECK(newer.describe() == "'p': profile version 2 is not supported (this ml-drift reads version 1)");
}

TEST_CASE("merging shard profiles gives the profile of all the data for the exact parts") {
  test::TempDir dir;
  std::vector<std::string> paths;
  std::string all = "v,c\n";
  for (int shard = 0; shard < 4; ++shard) {
    std::string csv = "v,c\n";
    for (int i = 0; i < 50; ++i) {
      const std::string row = std::to_string((i * 7 + shard) % 13) + "," + (i % 2 ? "a" : "b") + "\n";
      csv += row;
      all += row;
    }
    paths.push_back(dir.write("s" + std::to_string(shard) + ".csv", csv));
  }
  const Profile whole = build_profile({dir.write("all.csv", all)}, {});
  Profile merged = build_profile({paths[2]}, {});
  for (int shard : {0, 3, 1}) merge_profile(merged, "a", build_profile({paths[shard]}, {}), "b", false);
  CHECK(merged.rows == whole.rows);
  CHECK(merged.columns[0].number_counts == whole.columns[0].number_counts);
  CHECK(merged.columns[0].moments.mean == doctest::Approx(whole.columns[0].moments.mean));
  CHECK(merged.columns[0].moments.variance() == doctest::Approx(whole.columns[0].moments.variance()));
  CHECK(merged.columns[1].text_counts == whole.columns[1].text_counts);
}

TEST_CASE("merging different column sets or types names both profiles") {
  test::TempDir dir;
  Profile a = build_profile({dir.write("a.csv", "x,y\n1,2\n")}, {});
  const Profile b = build_profile({dir.write("b.csv", "x,z\n1,2\n")}, {});
  const Profile c = build_profile({dir.write("c.csv", "x,y\nq,2\n")}, {});
  auto sets = test::expect_error([&] { merge_profile(a, "a.profile", b, "b.profile", false); });
  CHECK(sets.describe() ==
        "'b.profile': column \"z\" is not in a.profile (profiles of different column sets; give --allow-new-columns to "
        "merge them)");
  auto types = test::expect_error([&] { merge_profile(a, "a.profile", c, "c.profile", false); });
  CHECK(types.status() == ExitStatus::input_data);
  CHECK(types.describe() == "'c.profile': column \"x\" is categorical here but numeric in a.profile");
  merge_profile(a, "a.profile", b, "b.profile", true);
  REQUIRE(a.columns.size() == 3);
  CHECK(a.columns[1].missing == 1);  // y: b has no y
  CHECK(a.columns[2].missing == 1);  // z: a had no z
}

TEST_CASE("shards: I/N with 1 <= I <= N; each file in exactly one shard") {
  CHECK(parse_shard("2/4") == std::make_pair<std::uint64_t, std::uint64_t>(2, 4));
  for (const char* bad : {"3/2", "0/4", "1", "a/b", "1/0", "-1/3", "1/2/3"}) {
    auto error = test::expect_error([&] { (void)parse_shard(bad); });
    CHECK(error.status() == ExitStatus::usage);
  }
  CHECK(test::expect_error([] { (void)parse_shard("3/2"); }).describe() ==
        "--shard must be I/N with 1 <= I <= N, not \"3/2\"");
  for (int f = 0; f < 50; ++f) {
    const std::string name = "dir/part-" + std::to_string(f) + ".csv";
    int owners = 0;
    for (std::uint64_t i = 1; i <= 4; ++i) owners += in_shard(name, i, 4);
    CHECK(owners == 1);
    CHECK(in_shard(name, 1, 4) == in_shard("other/part-" + std::to_string(f) + ".csv", 1, 4));  // by base name
  }
}

TEST_CASE("imported sketches make or extend a profile whose row counts add up and that reads back") {
  KllSketch age, income;
  for (int i = 0; i < 5000; ++i) age.update(20 + i % 50);
  for (int i = 0; i < 4000; ++i) income.update(1000.0 * i);
  Profile profile;
  import_sketches(profile, {{"age", age}, {"income", income}});  // one batch: as many rows as the largest
  CHECK(profile.rows == 5000);
  CHECK(profile.columns[1].missing == 1000);
  import_sketches(profile, {{"age", age}});  // more rows of a column it has: missing in the others
  CHECK(profile.columns[0].count == 10000);
  CHECK(profile.rows == 10000);
  CHECK(profile.columns[1].count + profile.columns[1].missing == 10000);
  import_sketches(profile, {{"age", age}, {"income", income}});  // a batch extending both columns
  CHECK(profile.rows == 15000);
  CHECK(profile.columns[0].missing == 0);
  CHECK(profile.columns[1].count == 8000);
  CHECK(profile.columns[1].missing == 7000);
  KllSketch score;
  for (int i = 0; i < 100; ++i) score.update(i);
  import_sketches(profile, {{"score", score}});  // a new column beside the rows
  CHECK(profile.rows == 15000);
  CHECK(profile.columns[2].missing == 14900);
  const Profile back = parse_profile(write_profile(profile), "p");
  REQUIRE(back.columns[0].sketch);
  CHECK(back.columns[0].sketch->n() == 15000);
  CHECK(back.columns[0].moments.count == 0);  // a sketch has no mean or variance
}
