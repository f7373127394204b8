#include "profile/profile_drift.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/suggest.hpp"
#include "drift/report.hpp"
#include "storage/open_storage.hpp"
#include "registry/registry.hpp"
#include "crypto/sha256.hpp"
#include "stats/distance.hpp"
#include "stats/kolmogorov.hpp"

namespace lean {
namespace {

constexpr std::uint64_t kSmallSample = 1000;  // as the raw path's auto: up to this many reference values, KS
constexpr std::size_t kFewValues = 5;  // as the raw path's auto: numeric with at most this many values is categorical
constexpr std::uint64_t kExpandUpTo = 10000;  // the raw path's exact KS p-values stop here (scipy's MAX_AUTO_N)

// Distinct values of both sides together, counting stops after `stop_after`.
std::size_t distinct_up_to(const WeightedCdf& a, const WeightedCdf& b, std::size_t stop_after) {
  std::size_t count = 0, i = 0, j = 0;
  while ((i < a.items.size() || j < b.items.size()) && count <= stop_after) {
    const double x = (j == b.items.size() || (i < a.items.size() && a.items[i].first <= b.items[j].first))
                         ? a.items[i].first
                         : b.items[j].first;
    while (i < a.items.size() && a.items[i].first <= x) ++i;
    while (j < b.items.size() && b.items[j].first <= x) ++j;
    ++count;
  }
  return count;
}

// The weight of the items <= x.
std::uint64_t weight_upto(const WeightedCdf& cdf, double x) {
  std::uint64_t total = 0;
  for (const auto& [value, weight] : cdf.items) {
    if (value > x) break;
    total += weight;
  }
  return total;
}

// The reference's q-quantile: numpy's linear rule over the values when exact (as the raw
// path's decile_edges), the sketch's inclusive quantile otherwise.
double quantile_of(const WeightedCdf& cdf, double q) {
  const auto value_at = [&](std::uint64_t index) {  // the index-th value, 0-based, ascending
    std::uint64_t seen = 0;
    for (const auto& [value, weight] : cdf.items) {
      seen += weight;
      if (index < seen) return value;
    }
    return cdf.items.back().first;
  };
  if (cdf.rank_error == 0) {
    const double index = static_cast<double>(cdf.n - 1) * q;
    const double below = std::floor(index);
    if (below >= static_cast<double>(cdf.n - 1)) return value_at(cdf.n - 1);
    const double a = value_at(static_cast<std::uint64_t>(below)), b = value_at(static_cast<std::uint64_t>(below) + 1);
    const double t = index - below;
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
  }
  const auto target = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(cdf.n)));
  std::uint64_t seen = 0;
  for (const auto& [value, weight] : cdf.items) {
    seen += weight;
    if (seen >= target) return value;
  }
  return cdf.items.back().first;
}

struct Range {
  double low, high;
};

// The extremes of a per-bin term f(r, c) over r in `r`, c in `c`, for f convex, zero where
// r == c and growing away from that diagonal (PSI's and Jensen-Shannon's terms): the
// maximum at a corner, the minimum 0 when the ranges meet, else at the nearest corners.
template <class Term>
Range term_range(Term term, Range r, Range c) {
  const double high = std::max({term(r.low, c.low), term(r.low, c.high), term(r.high, c.low), term(r.high, c.high)});
  double low = 0;
  if (r.high < c.low) low = term(r.high, c.low);
  if (c.high < r.low) low = term(r.low, c.high);
  return {low, high};
}

double share_floor(double share) { return std::max(share, 1e-4); }

double psi_term(double r, double c) {
  r = share_floor(r);
  c = share_floor(c);
  return (c - r) * std::log(c / r);
}

double js_term(double p, double q) {
  const auto part = [](double x, double y) { return x > 0 ? x * std::log(2 * x / (x + y)) : 0.0; };
  return part(p, q) + part(q, p);
}

ColumnData exact_data(const ColumnProfile& reference, const ColumnProfile& current) {
  ColumnData data;
  data.name = reference.name;
  data.numeric = reference.numeric;
  data.missing_reference = reference.missing;
  data.missing_current = current.missing;
  if (data.numeric) {
    const auto expand = [](const WeightedCdf& cdf, HugePageVector<double>& out) {
      out.clear();
      out.reserve(cdf.n);
      for (const auto& [value, weight] : cdf.items) {
        for (std::uint64_t i = 0; i < weight; ++i) out.push_back(value);
      }
    };
    expand(cdf_of(reference), data.reference);
    expand(cdf_of(current), data.current);
    data.sorted = true;
  } else {
    data.reference_counts = reference.text_counts;
    data.current_counts = current.text_counts;
  }
  return data;
}

double reference_scale(const ColumnProfile& reference, const WeightedCdf& cdf) {
  double variance = 0;
  if (reference.moments.count == reference.count && reference.count > 0) {
    variance = reference.moments.variance();
  } else {  // an imported sketch: its weighted items estimate the spread
    double mean = 0, total = 0;
    for (const auto& [value, weight] : cdf.items) {
      total += static_cast<double>(weight);
      mean += (value - mean) * static_cast<double>(weight) / total;
    }
    for (const auto& [value, weight] : cdf.items)
      variance += static_cast<double>(weight) * (value - mean) * (value - mean);
    variance /= total;
  }
  return std::max(std::sqrt(variance), 0.001);
}

Method automatic_numeric(std::uint64_t n_reference) {
  return n_reference <= kSmallSample ? Method::ks : Method::wasserstein;
}

// A numeric column on the current side of a categorical reference column counts as text.
ColumnProfile as_categorical(const ColumnProfile& column, const std::string& path) {
  if (!column.numeric) return column;
  if (column.sketch) {
    throw_input(path,
                "column \"" + column.name + "\" is numeric with a KLL sketch, but the reference column is categorical");
  }
  ColumnProfile text = column;
  text.numeric = false;
  for (const auto& [value, count] : column.number_counts) text.text_counts[format_number(value)] += count;
  text.number_counts.clear();
  return text;
}

// The profile published with the version a channel points to: the version's one
// NAME.profile file, read and checked against the manifest's SHA-256 (exit 5 otherwise).
std::pair<std::string, Profile> registry_profile(const RegistryProfile& source) {
  const std::string &model = source.model, &channel = source.channel;
  auto storage = open_storage(source.url, source.options);
  Registry registry(*storage);
  Selector selector;
  selector.channel = channel;
  const auto [version, manifest] = registry.resolve(model, selector);
  const ManifestFile* found = nullptr;
  for (const auto& file : manifest.files) {
    if (!file.name.ends_with(".profile")) continue;
    if (found) {
      throw_input(registry.location(version_prefix(model, version)),
                  "has more than one .profile file (" + found->name + ", " + file.name + ")");
    }
    found = &file;
  }
  const std::string where = registry.location(version_prefix(model, version));
  if (!found) throw_input(where, "has no profile (publish one with ml-release publish --profile FILE.profile)");
  const std::string key = manifest.file_key(found->name);  // files_folder: where this publish put them
  const auto object = storage->get(key);
  if (!object) throw Error(ExitStatus::integrity, registry.location(key), "missing, but the manifest lists it");
  Sha256 hash;
  hash.update(object->body);
  if (object->body.size() != found->size || hash.finish_hex() != found->sha256) {
    throw Error(ExitStatus::integrity, registry.location(key), "differs from the manifest's SHA-256");
  }
  return {registry.location(key), parse_profile(object->body, registry.location(key))};
}

}  // namespace

WeightedCdf cdf_of(const ColumnProfile& column) {
  WeightedCdf cdf;
  cdf.n = column.count;
  if (column.sketch) {
    for (const auto& [value, weight] : column.sketch->weighted_items()) {
      if (!cdf.items.empty() && cdf.items.back().first == value) {
        cdf.items.back().second += weight;
      } else {
        cdf.items.emplace_back(value, weight);
      }
    }
    // A sketch that never compacted holds every value once: it is exact.
    cdf.rank_error = column.sketch->estimation_mode() ? column.sketch->normalized_rank_error(true) : 0;
    if (!column.sketch->empty()) {
      cdf.min = column.sketch->min();
      cdf.max = column.sketch->max();
    }
  } else {
    cdf.items.assign(column.number_counts.begin(), column.number_counts.end());
    if (!cdf.items.empty()) {
      cdf.min = cdf.items.front().first;
      cdf.max = cdf.items.back().first;
    }
  }
  return cdf;
}

Interval ks_distance(const WeightedCdf& a, const WeightedCdf& b) {
  const double na = static_cast<double>(a.n), nb = static_cast<double>(b.n);
  std::size_t i = 0, j = 0;
  std::uint64_t ca = 0, cb = 0;
  double d = 0;
  while (i < a.items.size() || j < b.items.size()) {
    const double x = (j == b.items.size() || (i < a.items.size() && a.items[i].first <= b.items[j].first))
                         ? a.items[i].first
                         : b.items[j].first;
    while (i < a.items.size() && a.items[i].first <= x) ca += a.items[i++].second;
    while (j < b.items.size() && b.items[j].first <= x) cb += b.items[j++].second;
    d = std::max(d, std::abs(static_cast<double>(ca) / na - static_cast<double>(cb) / nb));
  }
  const double error = a.rank_error + b.rank_error;
  return {d, std::max(0.0, d - error), std::min(1.0, d + error)};
}

double ks_p_value_asymptotic(double d, std::uint64_t n_a, std::uint64_t n_b) {
  const double m = static_cast<double>(std::max(n_a, n_b)), n = static_cast<double>(std::min(n_a, n_b));
  return std::clamp(kolmogorov_sf(static_cast<std::uint64_t>(std::nearbyint(m * n / (m + n))), d), 0.0, 1.0);
}

Interval wasserstein_distance(const WeightedCdf& a, const WeightedCdf& b, double scale) {
  const double na = static_cast<double>(a.n), nb = static_cast<double>(b.n);
  std::size_t i = 0, j = 0;
  std::uint64_t ca = 0, cb = 0;
  double area = 0, previous_x = 0, previous_gap = 0;
  bool first = true;
  while (i < a.items.size() || j < b.items.size()) {
    const double x = (j == b.items.size() || (i < a.items.size() && a.items[i].first <= b.items[j].first))
                         ? a.items[i].first
                         : b.items[j].first;
    if (!first) area += previous_gap * (x - previous_x);
    first = false;
    while (i < a.items.size() && a.items[i].first <= x) ca += a.items[i++].second;
    while (j < b.items.size() && b.items[j].first <= x) cb += b.items[j++].second;
    previous_gap = std::abs(static_cast<double>(ca) / na - static_cast<double>(cb) / nb);
    previous_x = x;
  }
  const double estimate = area / scale;
  const double span = std::max(a.max, b.max) - std::min(a.min, b.min);
  const double error = (a.rank_error + b.rank_error) * span / scale;
  return {estimate, std::max(0.0, estimate - error), estimate + error};
}

Interval binned_distance(Method method, const WeightedCdf& reference, const WeightedCdf& current) {
  std::vector<double> edges;
  for (int k = 1; k <= 9; ++k) edges.push_back(quantile_of(reference, k / 10.0));
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  std::vector<std::uint64_t> ref_counts, cur_counts;
  std::vector<Range> ref_mass, cur_mass;
  const auto bins = [&](const WeightedCdf& cdf, std::vector<std::uint64_t>& counts, std::vector<Range>& mass) {
    std::uint64_t below = 0;
    for (std::size_t b = 0; b <= edges.size(); ++b) {
      const std::uint64_t upto = b == edges.size() ? cdf.n : weight_upto(cdf, edges[b]);
      counts.push_back(upto - below);
      below = upto;
      const double share = static_cast<double>(counts.back()) / static_cast<double>(cdf.n);
      const double error = cdf.rank_error * ((b == 0 || b == edges.size()) ? 1 : 2);  // one or two uncertain edges
      mass.push_back({std::max(0.0, share - error), std::min(1.0, share + error)});
    }
  };
  bins(reference, ref_counts, ref_mass);
  bins(current, cur_counts, cur_mass);
  double low = 0, high = 0;
  for (std::size_t b = 0; b < ref_mass.size(); ++b) {
    const Range term = method == Method::psi ? term_range(psi_term, ref_mass[b], cur_mass[b])
                                             : term_range(js_term, ref_mass[b], cur_mass[b]);
    low += term.low;
    high += term.high;
  }
  double estimate = 0;
  if (method == Method::psi) {
    estimate = population_stability_index(ref_counts, cur_counts);
  } else {  // the distance is the root of half the summed terms, in bits
    estimate = jensenshannon(ref_counts, cur_counts);
    low = std::sqrt(low / (2 * std::log(2.0)));
    high = std::min(1.0, std::sqrt(high / (2 * std::log(2.0))));
  }
  return {estimate, std::min(low, estimate), std::max(high, estimate)};
}

ColumnResult compare_columns(const ColumnProfile& reference, const ColumnProfile& current,
                             const DriftSettings& settings) {
  const WeightedCdf ref = reference.numeric ? cdf_of(reference) : WeightedCdf{};
  const WeightedCdf cur = reference.numeric ? cdf_of(current) : WeightedCdf{};
  const bool exact = ref.rank_error == 0 && cur.rank_error == 0;
  const Method chosen = settings.numeric_method;
  // Exact on both sides: the raw path's own analysis over the values, unless there are too
  // many to expand cheaply; then the same formulas over the counts (KS D and p bit for bit,
  // the distances up to the order of summation), in time independent of the rows.
  const bool expand = !reference.numeric || reference.count == 0 || current.count == 0 ||
                      (exact && (std::max(ref.n, cur.n) <= kExpandUpTo || chosen == Method::chi2 ||
                                 chosen == Method::ztest || distinct_up_to(ref, cur, kFewValues) <= kFewValues));
  if (expand) {
    ColumnData data = exact_data(reference, current);
    return analyze_column(data, settings);
  }
  ColumnResult result;
  result.name = reference.name;
  result.numeric = true;
  result.missing_reference = reference.missing;
  result.missing_current = current.missing;
  result.n_reference = reference.count;
  result.n_current = current.count;
  result.approximate = !exact;
  Method method = settings.numeric_method;
  if (method == Method::automatic) method = automatic_numeric(reference.count);
  result.method = method;
  result.threshold = settings.threshold(method);
  switch (method) {
    case Method::ks: {
      const Interval d = ks_distance(ref, cur);
      result.statistic = d.estimate;
      result.statistic_interval = std::make_pair(d.low, d.high);
      result.p_value = ks_p_value_asymptotic(d.estimate, ref.n, cur.n);
      result.p_value_interval =
          std::make_pair(ks_p_value_asymptotic(d.high, ref.n, cur.n), ks_p_value_asymptotic(d.low, ref.n, cur.n));
      break;
    }
    case Method::wasserstein: {
      const Interval w = wasserstein_distance(ref, cur, reference_scale(reference, ref));
      result.statistic = w.estimate;
      result.statistic_interval = std::make_pair(w.low, w.high);
      break;
    }
    case Method::psi:
    case Method::jensenshannon: {
      const Interval b = binned_distance(method, ref, cur);
      result.statistic = b.estimate;
      result.statistic_interval = std::make_pair(b.low, b.high);
      break;
    }
    default:
      result.skipped = std::string(method_name(method)) + " needs exact counts; a KLL sketch stands in for this column";
      result.threshold.reset();
  }
  if (exact) {
    result.statistic_interval.reset();
    result.p_value_interval.reset();
  }
  return result;
}

DatasetResult decide_profile_drift(std::vector<ColumnResult>& columns, const DriftSettings& settings) {
  std::vector<double> p_low, p_high;
  for (const auto& column : columns) {
    if (!column.skipped.empty() || !column.statistic || !column.p_value) continue;
    p_low.push_back(column.p_value_interval ? column.p_value_interval->first : *column.p_value);
    p_high.push_back(column.p_value_interval ? column.p_value_interval->second : *column.p_value);
  }
  // Both corrections are monotone in each p-value: the bounds adjust to bounds.
  const std::vector<double> adjusted_low = adjust_p_values(p_low, settings.correction);
  const std::vector<double> adjusted_high = adjust_p_values(p_high, settings.correction);
  DatasetResult dataset;
  std::size_t next_p = 0;
  for (auto& column : columns) {
    if (!column.skipped.empty() || !column.statistic) continue;
    ++dataset.tested;
    const double threshold = *column.threshold;
    bool drift = false, no_drift = false;
    if (column.p_value) {
      const double low = adjusted_low[next_p], high = adjusted_high[next_p++];
      if (settings.correction != Correction::none && !column.approximate) column.p_value_adjusted = low;
      drift = high < threshold;
      no_drift = low >= threshold;
    } else {
      const auto range = column.statistic_interval.value_or(std::make_pair(*column.statistic, *column.statistic));
      drift = range.first >= threshold;
      no_drift = range.second < threshold;
    }
    column.drift = drift;
    column.undecided = !drift && !no_drift;
    if (drift) ++dataset.drifted;
    if (column.undecided) ++dataset.undecided;
  }
  if (dataset.tested > 0) {
    const double tested = static_cast<double>(dataset.tested);
    dataset.share = static_cast<double>(dataset.drifted) / tested;
    dataset.drift = dataset.share >= settings.drift_share;
    dataset.decided =
        dataset.drift || static_cast<double>(dataset.drifted + dataset.undecided) / tested < settings.drift_share;
  }
  return dataset;
}

DriftRun profile_drift(const ProfileDriftInput& input) {
  const DriftSettings& settings = input.settings;
  std::string reference_path = input.reference_profile;
  Profile reference;
  if (input.registry) {
    std::tie(reference_path, reference) = registry_profile(*input.registry);
  } else {
    reference = read_profile(reference_path);
  }
  if (reference.rows == 0) throw_input(reference_path, "the profile has no rows");

  std::vector<std::string> names, all;
  for (const auto& column : reference.columns) all.push_back(column.name);
  const auto &only = input.columns.only, &excluded = input.columns.excluded;
  for (const auto* list : {&only, &excluded}) {
    for (const auto& name : *list) {
      if (!reference.find(name)) {
        throw_input(reference_path, "no column \"" + name + "\"" + did_you_mean(name, all));
      }
    }
  }
  for (const auto& name : all) {
    const auto in = [&](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), name) != list.end();
    };
    if (only.empty() ? !in(excluded) : in(only)) names.push_back(name);
  }
  if (names.empty()) throw_usage("no column left to compare after --exclude");

  std::string current_path;
  Profile current;
  if (!input.current_profile.empty()) {
    current_path = input.current_profile;
    current = read_profile(current_path);
  } else {
    current_path = input.current;
    ProfileOptions options;  // the current batch is held exactly, as the raw path holds it
    options.columns = names;
    for (const auto& name : names) {
      if (!reference.find(name)->numeric) options.categorical.push_back(name);
    }
    options.delimiter = input.delimiter;
    options.max_exact = std::numeric_limits<std::uint64_t>::max();
    current = build_profile({current_path}, options);
  }
  if (current.rows == 0) throw_input(current_path, "no data rows, only a header");

  DriftRun run;
  run.reference_path = reference_path;
  run.current_path = current_path;
  run.reference_rows = reference.rows;
  run.current_rows = current.rows;
  run.settings = settings;
  for (const auto& name : names) {
    const ColumnProfile& ref = *reference.find(name);
    const ColumnProfile* cur = current.find(name);
    if (!cur) throw_input(current_path, "no column \"" + name + "\", which the reference has");
    if (ref.numeric && !cur->numeric) {
      throw_input(current_path, "column \"" + name + "\" is categorical here, but the reference column is numeric");
    }
    run.columns.push_back(ref.numeric ? compare_columns(ref, *cur, settings)
                                      : compare_columns(ref, as_categorical(*cur, current_path), settings));
  }
  run.dataset = decide_profile_drift(run.columns, settings);
  return run;
}

const char* on_undecided_name(OnUndecided on_undecided) {
  switch (on_undecided) {
    case OnUndecided::drift: return "drift";
    case OnUndecided::pass: return "pass";
    case OnUndecided::error: return "error";
  }
  return "drift";
}

Outcome profile_drift_outcome(const DriftRun& run, OnUndecided on_undecided) {
  const std::string& reference_path = run.reference_path;
  const std::string undecided_word = on_undecided_name(on_undecided);
  Outcome outcome = drift_outcome(run);
  outcome.fields["reference_profile"] = reference_path;
  outcome.fields["on_undecided"] = undecided_word;
  if (!run.dataset.drift && !run.dataset.decided) {
    const auto last = outcome.console.rfind("ml-drift: ");
    if (on_undecided == OnUndecided::error) {
      // The column lines (UNDEC ...) and the outputs as in the other modes; the error line last.
      outcome.status = ExitStatus::input_data;
      outcome.error = "'" + reference_path + "': undecided: " + std::to_string(run.dataset.undecided) +
                      " columns' intervals span their thresholds (--on-undecided error)";
      outcome.console = outcome.console.substr(0, last);
    } else {
      outcome.status = on_undecided == OnUndecided::drift ? ExitStatus::gate_failed : ExitStatus::pass;
      outcome.console = outcome.console.substr(0, last) + "ml-drift: " + status_word(outcome.status) + " (" +
                        outcome.headline + ", --on-undecided " + undecided_word + ")\n";
    }
  }
  return outcome;
}

}  // namespace lean
