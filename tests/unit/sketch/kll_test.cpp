#include "sketch/kll.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <vector>

#include "test_util.hpp"

using namespace lean;

namespace {

const std::string kFixtures = std::string(LEAN_TESTDATA_DIR) + "/kll/";

std::string bytes_of(const std::string& name) { return test::read_all(kFixtures + name + ".sk"); }

std::vector<double> values_of(const std::string& name) {
  std::ifstream in(kFixtures + name + ".values.txt");
  std::vector<double> values;
  for (std::string line; std::getline(in, line);) values.push_back(std::strtod(line.c_str(), nullptr));
  return values;
}

// The library's answers, line by line: a key and one or two numbers.
struct Answer {
  std::string key;
  double x = 0, y = 0;
  bool pair = false;
};

std::vector<Answer> answers_of(const std::string& name) {
  std::ifstream in(kFixtures + name + ".answers.txt");
  REQUIRE(in.good());
  std::vector<Answer> answers;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    Answer answer;
    std::string x, y;
    words >> answer.key >> x >> y;
    answer.x = std::strtod(x.c_str(), nullptr);
    answer.pair = !y.empty();
    answer.y = std::strtod(y.c_str(), nullptr);
    answers.push_back(answer);
  }
  return answers;
}

void check_answers(const KllSketch& sketch, const std::string& name) {
  for (const auto& a : answers_of(name)) {
    CAPTURE(name);
    CAPTURE(a.key);
    CAPTURE(a.x);
    if (a.key == "k") CHECK(sketch.k() == a.x);
    if (a.key == "n") CHECK(sketch.n() == a.x);
    if (a.key == "num_retained") CHECK(sketch.num_retained() == a.x);
    if (a.key == "estimation_mode") CHECK(sketch.estimation_mode() == (a.x != 0));
    if (a.key == "min") CHECK(sketch.min() == a.x);
    if (a.key == "max") CHECK(sketch.max() == a.x);
    if (a.key == "normalized_rank_error_single") CHECK(sketch.normalized_rank_error(false) == a.x);
    if (a.key == "normalized_rank_error_pmf") CHECK(sketch.normalized_rank_error(true) == a.x);
    if (a.key == "quantile_inclusive") CHECK(sketch.quantile(a.x, true) == a.y);
    if (a.key == "quantile_exclusive") CHECK(sketch.quantile(a.x, false) == a.y);
    if (a.key == "rank_inclusive") CHECK(sketch.rank(a.x, true) == a.y);
    if (a.key == "rank_exclusive") CHECK(sketch.rank(a.x, false) == a.y);
  }
}

// The true rank of x in values (inclusive: the share <= x).
double true_rank(std::vector<double> sorted, double x) {
  return static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), x) - sorted.begin()) /
         static_cast<double>(sorted.size());
}

}  // namespace

TEST_CASE("every sketch the library serialised reads back and answers as the library did") {
  for (const char* name :
       {"empty_k200", "single_k200", "exact_150_k200", "normal_100k_k200", "normal_100k_k2048", "ints_100k_k200",
        "shard0_25k_k200", "shard1_25k_k200", "shard2_25k_k200", "shard3_25k_k200", "merged4_100k_k200"}) {
    const auto sketch = KllSketch::deserialize(bytes_of(name));
    check_answers(sketch, name);
    // Reading and writing again gives the library's bytes back.
    CHECK(sketch.serialize() == bytes_of(name));
  }
}

TEST_CASE("sketches written here match the library byte for byte where the format is deterministic") {
  for (const char* name : {"empty_k200", "single_k200", "exact_150_k200"}) {
    KllSketch sketch(200);
    for (double v : values_of(name)) sketch.update(v);
    CAPTURE(name);
    CHECK(sketch.serialize() == bytes_of(name));
    check_answers(sketch, name);
  }
}

TEST_CASE("a compacted sketch built here answers within the stated rank error and round-trips") {
  const auto values = values_of("ints_100k_k200");
  KllSketch sketch(200);
  for (double v : values) sketch.update(v);
  CHECK(sketch.n() == values.size());
  CHECK(sketch.estimation_mode());
  const auto bytes = sketch.serialize();
  const auto back = KllSketch::deserialize(bytes);
  CHECK(back.serialize() == bytes);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double eps = sketch.normalized_rank_error(false);
  for (int x = 0; x <= 20; ++x) CHECK(std::abs(back.rank(x, true) - true_rank(sorted, x)) <= eps);
  // Deterministic: the same values give the same bytes.
  KllSketch again(200);
  for (double v : values) again.update(v);
  CHECK(again.serialize() == bytes);
}

TEST_CASE("compactions sort as std::sort did: a fixed input gives the same bytes, 0 and -0 included") {
  // FNV-1a digests of sketches the std::sort version of the compaction wrote: the order of 0
  // and -0 (which compare equal) shows in the bytes, and profiles must not change.
  const auto digest = [](const std::string& bytes) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
    return hash;
  };
  struct Golden {
    std::uint16_t k;
    bool zeros;
    std::uint64_t whole, merged;
  };
  for (const Golden& golden : {Golden{8, true, 0xf6524e6ff4ade9d0, 0x81fe7daa6a4126dc},
                               Golden{200, true, 0x1b02ff293399971b, 0xe9ea25aac839641a},
                               Golden{710, true, 0x72038db558bcc2fc, 0xea33cab43a237e8e},
                               Golden{8, false, 0xe4f50c116009a914, 0x0d049538c124729a},
                               Golden{200, false, 0x0c7338b85c81cedf, 0xbf16cb2f58446f73},
                               Golden{710, false, 0x45e6ff67f00dd3aa, 0x381c9bf310c604b7}}) {
    CAPTURE(golden.k);
    CAPTURE(golden.zeros);
    std::uint64_t state = 16;
    const auto next = [&state] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return state >> 11;
    };
    KllSketch whole(golden.k);
    std::vector<KllSketch> parts(3, KllSketch(golden.k));
    for (int i = 0; i < 300000; ++i) {
      const auto r = next();
      const double v =
          golden.zeros && r % 7 == 0 ? ((r >> 3) % 2 ? 0.0 : -0.0) : static_cast<double>(r % 100000) / 64 - 700;
      whole.update(v);
      parts[(r >> 5) % 3].update(v);
    }
    KllSketch merged(golden.k);
    for (const auto& part : parts) merged.merge(part);
    CHECK(digest(whole.serialize()) == golden.whole);
    CHECK(digest(merged.serialize()) == golden.merged);
  }
}

TEST_CASE("merging the library's shard sketches keeps n, min, max and the rank error") {
  KllSketch merged(200);
  std::vector<double> all;
  std::mt19937_64 random(3);
  for (int shard = 0; shard < 4; ++shard) {
    merged.merge(KllSketch::deserialize(bytes_of("shard" + std::to_string(shard) + "_25k_k200")));
  }
  const auto library = KllSketch::deserialize(bytes_of("merged4_100k_k200"));
  CHECK(merged.n() == library.n());
  CHECK(merged.min() == library.min());
  CHECK(merged.max() == library.max());
  CHECK(merged.num_retained() <= 3 * 200 + 100);
  // Both are samples of the same data: their ranks agree within twice the bound.
  const double eps = merged.normalized_rank_error(false);
  for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
    const double x = library.quantile(q, true);
    CHECK(std::abs(merged.rank(x, true) - library.rank(x, true)) <= 2 * eps);
  }
  CHECK(KllSketch::deserialize(merged.serialize()).serialize() == merged.serialize());
}

TEST_CASE("merging many sketches built here stays within the bound of the true ranks") {
  std::mt19937_64 random(11);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> all;
  KllSketch merged;
  for (int part = 0; part < 10; ++part) {
    KllSketch sketch;
    for (int i = 0; i < 20000 + part * 1000; ++i) {
      const double v = normal(random) + part * 0.1;
      sketch.update(v);
      all.push_back(v);
    }
    merged.merge(sketch);
  }
  std::sort(all.begin(), all.end());
  CHECK(merged.n() == all.size());
  CHECK(merged.min() == all.front());
  CHECK(merged.max() == all.back());
  const double eps = merged.normalized_rank_error(false);
  for (double x = -3; x <= 4; x += 0.05) CHECK(std::abs(merged.rank(x, true) - true_rank(all, x)) <= eps);
}

TEST_CASE("the default K gives at most 0.5 % normalised rank error") {
  CHECK(KllSketch::normalized_rank_error(KllSketch::kDefaultK, true) <= 0.005);
  CHECK(KllSketch::normalized_rank_error(KllSketch::kDefaultK - 1, true) > 0.005);
  CHECK(KllSketch::normalized_rank_error(KllSketch::kDefaultK, false) <= 0.005);
}

TEST_CASE("malformed sketches are refused with a reason") {
  const std::string normal = bytes_of("normal_100k_k200");
  auto refused = [](std::string bytes) {
    try {
      (void)KllSketch::deserialize(bytes);
    } catch (const KllFormatError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(refused("") == "truncated: 0 bytes end inside the preamble");
  CHECK(refused(normal.substr(0, 100)) == "expected 582 items (4656 bytes), found 28 bytes");
  std::string family = normal;
  family[2] = 7;
  CHECK(refused(family) == "not a KLL sketch (family 7, not 15)");
  std::string weight = normal;
  weight[8] ^= 1;
  CHECK(refused(weight) == "the items' weights do not add up to n = 100001");
  std::string levels = normal;
  levels[24] = 0x7f;
  CHECK(refused(levels) == "level offsets are not increasing within the capacity");
  CHECK(refused(bytes_of("empty_k200") + "x") == "1 bytes after the end of the sketch");
  std::string nan_item = bytes_of("single_k200");
  for (int i = 8; i < 16; ++i) nan_item[i] = static_cast<char>(0xff);
  CHECK(refused(nan_item) == "the item is NaN");
}
