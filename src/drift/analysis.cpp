#include "drift/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "core/format.hpp"
#include "stats/chi2.hpp"
#include "stats/distance.hpp"
#include "stats/ks.hpp"
#include "stats/sort.hpp"
#include "stats/ztest.hpp"

namespace lean {
namespace {

constexpr std::uint64_t kSmallSample = 1000;  // auto: up to this many reference values, tests
constexpr std::size_t kFewValues = 5;         // auto: numeric with at most this many values is categorical
constexpr std::size_t kHistogramBins = 30;
constexpr std::size_t kChartCategories = 12;

const std::pair<Method, const char*> kMethodNames[] = {
    {Method::automatic, "auto"}, {Method::ks, "ks"},
    {Method::psi, "psi"},        {Method::wasserstein, "wasserstein"},
    {Method::chi2, "chi2"},      {Method::jensenshannon, "jensenshannon"},
    {Method::ztest, "ztest"}};

// Counts per category over the union of both sides, in category order.
struct Table {
  std::vector<std::string> labels;
  std::vector<std::uint64_t> reference, current;
};

Table table_from_counts(const std::map<std::string, std::uint64_t>& ref,
                        const std::map<std::string, std::uint64_t>& cur) {
  Table table;
  auto r = ref.begin(), c = cur.begin();
  while (r != ref.end() || c != cur.end()) {
    if (c == cur.end() || (r != ref.end() && r->first < c->first)) {
      table.labels.push_back(r->first);
      table.reference.push_back(r->second);
      table.current.push_back(0);
      ++r;
    } else if (r == ref.end() || c->first < r->first) {
      table.labels.push_back(c->first);
      table.reference.push_back(0);
      table.current.push_back(c->second);
      ++c;
    } else {
      table.labels.push_back(r->first);
      table.reference.push_back(r->second);
      table.current.push_back(c->second);
      ++r;
      ++c;
    }
  }
  return table;
}

// Each distinct number a category, from the sorted samples.
Table table_from_values(std::span<const double> ref, std::span<const double> cur) {
  Table table;
  std::size_t i = 0, j = 0;
  while (i < ref.size() || j < cur.size()) {
    const double x = (j == cur.size() || (i < ref.size() && ref[i] <= cur[j])) ? ref[i] : cur[j];
    std::uint64_t in_ref = 0, in_cur = 0;
    while (i < ref.size() && ref[i] == x) ++i, ++in_ref;
    while (j < cur.size() && cur[j] == x) ++j, ++in_cur;
    table.labels.push_back(format_number(x));
    table.reference.push_back(in_ref);
    table.current.push_back(in_cur);
  }
  return table;
}

std::size_t distinct_values(std::span<const double> ref, std::span<const double> cur, std::size_t stop_after) {
  std::size_t count = 0, i = 0, j = 0;
  while ((i < ref.size() || j < cur.size()) && count <= stop_after) {
    const double x = (j == cur.size() || (i < ref.size() && ref[i] <= cur[j])) ? ref[i] : cur[j];
    while (i < ref.size() && ref[i] == x) ++i;
    while (j < cur.size() && cur[j] == x) ++j;
    ++count;
  }
  return count;
}

std::vector<double> shares_of(const std::vector<std::uint64_t>& counts) {
  double total = 0;
  for (auto c : counts) total += static_cast<double>(c);
  std::vector<double> out;
  for (auto c : counts) out.push_back(total > 0 ? static_cast<double>(c) / total : 0.0);
  return out;
}

// The largest categories by their total, the rest gathered in one bar. Numbers compared as
// categories (`by_value`: the table is in ascending order) are drawn in the order of their values.
Chart category_chart(const Table& table, bool by_value = false) {
  std::vector<std::size_t> order(table.labels.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return table.reference[a] + table.current[a] > table.reference[b] + table.current[b];
  });
  if (by_value)
    std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), kChartCategories)));
  Chart chart;
  std::vector<std::uint64_t> ref, cur;
  std::uint64_t other_ref = 0, other_cur = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    if (k < kChartCategories) {
      chart.labels.push_back(table.labels[i]);
      ref.push_back(table.reference[i]);
      cur.push_back(table.current[i]);
    } else {
      other_ref += table.reference[i];
      other_cur += table.current[i];
    }
  }
  if (order.size() > kChartCategories) {
    chart.labels.push_back("(" + std::to_string(order.size() - kChartCategories) + " more)");
    ref.push_back(other_ref);
    cur.push_back(other_cur);
  }
  chart.reference_share = shares_of(ref);
  chart.current_share = shares_of(cur);
  return chart;
}

// The value at quantile q of a sorted sample (the lower one: an edge is a value seen).
double quantile_of(std::span<const double> sorted, double q) {
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

// A column whose extremes lie far outside its bulk (incomes, latencies): equal-width bins
// would put nearly every value in the first bar.
bool long_tailed(std::span<const double> ref, std::span<const double> cur) {
  const double low = std::min(ref.front(), cur.front()), high = std::max(ref.back(), cur.back());
  const double bulk = quantile_of(ref, 0.99) - quantile_of(ref, 0.01);
  return bulk > 0 && high - low > 20 * bulk;
}

// Equal-width bins over the range of both samples, or, for a long-tailed column, bins at
// the reference's quantiles (each holds an equal share of the reference).
Chart histogram_chart(std::span<const double> ref, std::span<const double> cur) {
  Chart chart;
  chart.histogram = true;
  const double low = std::min(ref.front(), cur.front()), high = std::max(ref.back(), cur.back());
  if (low != high && long_tailed(ref, cur)) {
    chart.quantile_bins = true;
    chart.edges.push_back(low);
    for (std::size_t b = 1; b < kHistogramBins; ++b) {
      const double edge = quantile_of(ref, static_cast<double>(b) / static_cast<double>(kHistogramBins));
      if (edge > chart.edges.back() && edge < high) chart.edges.push_back(edge);
    }
    chart.edges.push_back(high);
  } else {
    const std::size_t bins = low == high ? 1 : kHistogramBins;
    for (std::size_t b = 0; b <= bins; ++b) {
      chart.edges.push_back(b == bins ? high : low + (high - low) * static_cast<double>(b) / static_cast<double>(bins));
    }
  }
  const std::size_t bins = chart.edges.size() - 1;
  auto count = [&](std::span<const double> sorted) {
    std::vector<std::uint64_t> counts;
    std::size_t below = 0;
    for (std::size_t b = 1; b <= bins; ++b) {
      const auto upto = b == bins
                            ? sorted.size()
                            : static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), chart.edges[b]) -
                                                       sorted.begin());
      counts.push_back(upto - below);
      below = upto;
    }
    return counts;
  };
  chart.reference_share = shares_of(count(ref));
  chart.current_share = shares_of(count(cur));
  return chart;
}

void test_table(ColumnResult& result, Method method, const Table& table) {
  switch (method) {
    case Method::chi2: {
      const Chi2Result chi2 = chi2_contingency(table.reference, table.current);
      result.statistic = chi2.statistic;
      result.p_value = chi2.p_value;
      result.dof = chi2.dof;
      break;
    }
    case Method::ztest: {
      if (table.labels.size() != 2) {
        result.skipped = "ztest needs exactly two distinct values, found " + std::to_string(table.labels.size());
        return;
      }
      const ZTestResult z =
          two_proportion_ztest(table.reference[0], result.n_reference, table.current[0], result.n_current);
      result.statistic = z.statistic;
      result.p_value = z.p_value;
      break;
    }
    case Method::jensenshannon: result.statistic = jensenshannon(table.reference, table.current); break;
    case Method::psi: result.statistic = population_stability_index(table.reference, table.current); break;
    default: break;
  }
}

Method automatic_method(bool numeric_like, std::uint64_t n_reference, std::size_t distinct) {
  if (n_reference <= kSmallSample) {
    if (numeric_like) return Method::ks;
    return distinct > 2 ? Method::chi2 : Method::ztest;
  }
  return numeric_like ? Method::wasserstein : Method::jensenshannon;
}

void analyze_numeric(ColumnData& column, const DriftSettings& settings, ColumnResult& result) {
  if (!column.sorted) {
    const std::size_t largest = std::max(column.reference.size(), column.current.size());
    column.keys.resize(largest);
    column.scratch.resize(largest);
    sort_doubles(column.reference, column.keys, column.scratch);
    sort_doubles(column.current, column.keys, column.scratch);
  }
  const std::span<const double> ref = column.reference, cur = column.current;
  const std::size_t distinct = distinct_values(ref, cur, kFewValues);
  if (distinct == 1) {
    result.skipped = "constant: one value on both sides";
    result.chart = histogram_chart(ref, cur);
    return;
  }
  Method method = settings.numeric_method;
  bool as_categories = method == Method::chi2 || method == Method::ztest;
  if (method == Method::automatic) {
    as_categories = distinct <= kFewValues;
    method = automatic_method(!as_categories, result.n_reference, distinct);
  }
  result.method = method;
  result.threshold = settings.threshold(method, result.name);
  if (as_categories) {
    const Table table = table_from_values(ref, cur);
    test_table(result, method, table);
    result.chart = category_chart(table, true);
    return;
  }
  result.chart = histogram_chart(ref, cur);
  switch (method) {
    case Method::ks: {
      const KsResult ks = ks_2samp(ref, cur);
      result.statistic = ks.statistic;
      result.p_value = ks.p_value;
      break;
    }
    case Method::wasserstein: result.statistic = wasserstein_normed(ref, cur); break;
    default: {  // psi and jensenshannon over the reference's decile bins
      const std::vector<double> edges = decile_edges(ref);
      Table bins;
      bins.reference = bin_counts(ref, edges);
      bins.current = bin_counts(cur, edges);
      bins.labels.resize(bins.reference.size());
      test_table(result, method, bins);
    }
  }
}

void analyze_categorical(ColumnData& column, const DriftSettings& settings, ColumnResult& result) {
  const Table table = table_from_counts(column.reference_counts, column.current_counts);
  result.chart = category_chart(table);
  if (table.labels.size() == 1) {
    result.skipped = "constant: one value on both sides";
    return;
  }
  Method method = settings.categorical_method;
  if (method == Method::automatic) method = automatic_method(false, result.n_reference, table.labels.size());
  result.method = method;
  result.threshold = settings.threshold(method, result.name);
  test_table(result, method, table);
}

}  // namespace

std::optional<Method> parse_method(const std::string& text) {
  for (const auto& [method, name] : kMethodNames) {
    if (text == name) return method;
  }
  return std::nullopt;
}

const char* method_name(Method method) {
  for (const auto& [m, name] : kMethodNames) {
    if (m == method) return name;
  }
  return "auto";
}

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const auto& entry : kMethodNames) names.emplace_back(entry.second);
  return names;
}

bool gives_p_value(Method method) { return method == Method::ks || method == Method::chi2 || method == Method::ztest; }

double default_threshold(Method method) {
  if (gives_p_value(method)) return 0.05;
  return method == Method::psi ? 0.2 : 0.1;
}

ColumnResult analyze_column(ColumnData& column, const DriftSettings& settings) {
  ColumnResult result;
  result.name = column.name;
  result.numeric = column.numeric;
  result.missing_reference = column.missing_reference;
  result.missing_current = column.missing_current;
  if (column.numeric) {
    result.n_reference = column.reference.size();
    result.n_current = column.current.size();
  } else {
    for (const auto& [value, count] : column.reference_counts) result.n_reference += count;
    for (const auto& [value, count] : column.current_counts) result.n_current += count;
  }
  if (result.n_reference == 0 || result.n_current == 0) {
    result.skipped = result.n_reference == 0 ? "no values in the reference" : "no values in the current data";
  } else if (column.numeric) {
    analyze_numeric(column, settings, result);
  } else {
    analyze_categorical(column, settings, result);
  }
  if (!result.skipped.empty()) {
    result.statistic.reset();
    result.p_value.reset();
    result.dof.reset();
  }
  return result;
}

DatasetResult decide_drift(std::vector<ColumnResult>& columns, const DriftSettings& settings) {
  std::vector<double> p_values;
  for (const auto& column : columns) {
    if (column.skipped.empty() && column.p_value) p_values.push_back(*column.p_value);
  }
  const std::vector<double> adjusted = adjust_p_values(p_values, settings.correction);
  DatasetResult dataset;
  std::size_t next_p = 0;
  for (auto& column : columns) {
    if (!column.skipped.empty() || !column.statistic) continue;
    ++dataset.tested;
    if (column.p_value) {
      const double p = adjusted[next_p++];
      if (settings.correction != Correction::none) column.p_value_adjusted = p;
      column.drift = p < *column.threshold;
    } else {
      column.drift = *column.statistic >= *column.threshold;
    }
    if (column.drift) ++dataset.drifted;
  }
  if (dataset.tested > 0) {
    dataset.share = static_cast<double>(dataset.drifted) / static_cast<double>(dataset.tested);
    dataset.drift = dataset.share >= settings.drift_share;
  }
  return dataset;
}

}  // namespace lean
