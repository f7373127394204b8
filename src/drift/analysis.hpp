#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/memory.hpp"
#include "stats/correction.hpp"

namespace lean {

enum class Method { automatic, ks, psi, wasserstein, chi2, jensenshannon, ztest };

std::optional<Method> parse_method(const std::string& text);
const char* method_name(Method method);
// Methods that give a p-value (drift when p < threshold); the others give a distance
// (drift when distance >= threshold).
bool gives_p_value(Method method);
double default_threshold(Method method);
std::vector<std::string> method_names();

struct DriftSettings {
  Method numeric_method = Method::automatic;
  Method categorical_method = Method::automatic;
  std::map<Method, double> thresholds;              // overrides of default_threshold
  std::map<std::string, double> column_thresholds;  // --threshold COLUMN=X, over the method's
  double drift_share = 0.5;
  Correction correction = Correction::none;

  double threshold(Method method, const std::string& column = {}) const {
    if (auto found = column_thresholds.find(column); found != column_thresholds.end()) return found->second;
    auto found = thresholds.find(method);
    return found == thresholds.end() ? default_threshold(method) : found->second;
  }
};

// What the HTML report draws for a column: the two distributions over the same bins.
struct Chart {
  bool histogram = false;           // numeric bins (labels are the bin edges) or category bars
  std::vector<std::string> labels;  // one per bar; for a histogram, edges.size() == bars + 1
  std::vector<double> edges;
  std::vector<double> reference_share;
  std::vector<double> current_share;
  bool quantile_bins = false;  // a long-tailed column: the bins hold equal shares of the reference
};

// One column's values after the missing cells are dropped.
struct ColumnData {
  std::string name;
  bool numeric = true;
  std::uint64_t missing_reference = 0, missing_current = 0;
  HugePageVector<double> reference, current;                              // numeric columns
  bool sorted = false;                                                    // reference and current ascending
  HugePageVector<std::uint64_t> keys, scratch;                            // sorting space, when not sorted
  std::map<std::string, std::uint64_t> reference_counts, current_counts;  // categorical
};

struct ColumnResult {
  std::string name;
  bool numeric = true;
  std::optional<Method> method;  // none when the column is skipped before a method applies
  std::optional<double> statistic;
  std::optional<double> p_value;
  std::optional<double> p_value_adjusted;  // with --correction
  std::optional<std::uint64_t> dof;        // chi2
  std::optional<double> threshold;
  bool drift = false;
  std::uint64_t n_reference = 0, n_current = 0;
  std::uint64_t missing_reference = 0, missing_current = 0;
  std::string skipped;  // why the column was not tested; empty when tested
  Chart chart;
  // Drift from a profile whose KLL sketch stands in for the values (src/profile/): the
  // statistic is an estimate, the truth lies in the intervals (at the sketch's 99 %
  // confidence), and the verdict holds only when the whole interval agrees.
  bool approximate = false;
  std::optional<std::pair<double, double>> statistic_interval, p_value_interval;
  bool undecided = false;
};

// Sorts, picks the method and computes the statistic of one column; no verdict yet.
ColumnResult analyze_column(ColumnData& column, const DriftSettings& settings);

struct DatasetResult {
  std::size_t tested = 0;
  std::size_t drifted = 0;
  double share = 0;
  bool drift = false;
  std::size_t undecided = 0;  // approximate columns whose interval spans the threshold
  bool decided = true;        // false when the undecided columns could tip the dataset rule
};

// Applies the correction across the tested p-value columns, then each column's threshold
// and the dataset rule: drift when drifted / tested >= drift_share.
DatasetResult decide_drift(std::vector<ColumnResult>& columns, const DriftSettings& settings);

}  // namespace lean
