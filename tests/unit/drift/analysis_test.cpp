#include "drift/analysis.hpp"

#include "test_util.hpp"

using namespace lean;

namespace {

ColumnData numeric(std::vector<double> ref, std::vector<double> cur) {
  ColumnData data;
  data.name = "x";
  data.reference.assign(ref.begin(), ref.end());
  data.current.assign(cur.begin(), cur.end());
  return data;
}

ColumnData categorical(std::map<std::string, std::uint64_t> ref, std::map<std::string, std::uint64_t> cur) {
  ColumnData data;
  data.name = "c";
  data.numeric = false;
  data.reference_counts = std::move(ref);
  data.current_counts = std::move(cur);
  return data;
}

std::vector<double> range(int from, int to) {
  std::vector<double> out;
  for (int i = from; i < to; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("auto picks ks / chi2 / ztest up to 1000 reference values and wasserstein / jensenshannon above") {
  DriftSettings settings;
  auto method_of = [&](ColumnData data) { return analyze_column(data, settings).method; };
  CHECK(method_of(numeric(range(0, 1000), range(5, 900))) == Method::ks);
  CHECK(method_of(numeric(range(0, 1001), range(5, 900))) == Method::wasserstein);
  CHECK(method_of(numeric({1, 2, 3, 1, 2}, {1, 2, 3})) == Method::chi2);  // few values: categories
  CHECK(method_of(numeric({0, 1, 1, 0}, {1, 1, 1})) == Method::ztest);
  std::vector<double> few;
  for (int i = 0; i < 2000; ++i) few.push_back(i % 4);
  CHECK(method_of(numeric(few, few)) == Method::jensenshannon);
  CHECK(method_of(categorical({{"a", 5}, {"b", 3}, {"c", 1}}, {{"a", 2}, {"d", 9}})) == Method::chi2);
  CHECK(method_of(categorical({{"a", 5}, {"b", 3}}, {{"a", 2}})) == Method::ztest);
  CHECK(method_of(categorical({{"a", 1500}, {"b", 3}}, {{"a", 2}})) == Method::jensenshannon);
}

TEST_CASE("empty and constant columns are skipped with a reason and no statistic") {
  DriftSettings settings;
  ColumnData empty_ref = numeric({}, {1, 2});
  ColumnResult r = analyze_column(empty_ref, settings);
  CHECK(r.skipped == "no values in the reference");
  CHECK_FALSE(r.statistic);
  ColumnData empty_cur = categorical({{"a", 1}}, {});
  CHECK(analyze_column(empty_cur, settings).skipped == "no values in the current data");
  ColumnData constant = numeric({4, 4, 4}, {4, 4});
  CHECK(analyze_column(constant, settings).skipped == "constant: one value on both sides");
  ColumnData three = categorical({{"a", 1}, {"b", 1}}, {{"c", 1}});
  settings.categorical_method = Method::ztest;
  CHECK(analyze_column(three, settings).skipped == "ztest needs exactly two distinct values, found 3");
}

TEST_CASE("drift decisions: p below, distance at or above the threshold; skipped columns leave the share") {
  DriftSettings settings;
  std::vector<ColumnResult> columns(4);
  columns[0].method = Method::ks, columns[0].statistic = 0.3, columns[0].p_value = 0.01, columns[0].threshold = 0.05;
  columns[1].method = Method::wasserstein, columns[1].statistic = 0.1, columns[1].threshold = 0.1;
  columns[2].method = Method::chi2, columns[2].statistic = 1, columns[2].p_value = 0.5, columns[2].threshold = 0.05;
  columns[3].skipped = "constant: one value on both sides";
  DatasetResult dataset = decide_drift(columns, settings);
  CHECK(columns[0].drift);
  CHECK(columns[1].drift);
  CHECK_FALSE(columns[2].drift);
  CHECK(dataset.tested == 3);
  CHECK(dataset.drifted == 2);
  CHECK(dataset.drift);
  settings.drift_share = 0.7;
  settings.correction = Correction::bonferroni;
  dataset = decide_drift(columns, settings);
  CHECK(columns[0].p_value_adjusted == 0.02);
  CHECK_FALSE(dataset.drift);
}

TEST_CASE("thresholds: defaults per kind of method, overridable per method") {
  DriftSettings settings;
  CHECK(settings.threshold(Method::ks) == 0.05);
  CHECK(settings.threshold(Method::psi) == 0.2);
  CHECK(settings.threshold(Method::jensenshannon) == 0.1);
  settings.thresholds[Method::psi] = 0.25;
  CHECK(settings.threshold(Method::psi) == 0.25);
  settings.column_thresholds["age"] = 0.001;  // a column's threshold wins over its method's
  CHECK(settings.threshold(Method::psi, "age") == 0.001);
  CHECK(settings.threshold(Method::psi, "city") == 0.25);
  CHECK(parse_method("wasserstein") == Method::wasserstein);
  CHECK_FALSE(parse_method("kl"));
}

TEST_CASE("numbers compared as categories are charted in the order of their values") {
  DriftSettings settings;
  // 10 is the most frequent value, 2 the least: by count the bars would read 10, 3, 2.
  ColumnData data = numeric({10, 10, 10, 10, 3, 3, 2}, {10, 3, 3, 2, 2});
  const ColumnResult result = analyze_column(data, settings);
  REQUIRE(result.method == Method::chi2);
  CHECK(result.chart.labels == std::vector<std::string>{"2", "3", "10"});
}

TEST_CASE("a long-tailed column is charted over the reference's quantiles, others over equal widths") {
  DriftSettings settings;
  std::vector<double> incomes = range(0, 200);
  incomes.push_back(1e6);  // one value far beyond the bulk
  ColumnData tailed = numeric(incomes, range(10, 210));
  const ColumnResult result = analyze_column(tailed, settings);
  CHECK(result.chart.quantile_bins);
  REQUIRE(result.chart.edges.size() == 31);
  CHECK(result.chart.edges.front() == 0);
  CHECK(result.chart.edges.back() == 1e6);
  CHECK(result.chart.edges[15] < 110);  // the median of the bulk, not half the range
  ColumnData plain = numeric(range(0, 200), range(10, 210));
  CHECK_FALSE(analyze_column(plain, settings).chart.quantile_bins);
}
