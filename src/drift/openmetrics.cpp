#include "drift/openmetrics.hpp"

#include "core/format.hpp"
#include "core/printable.hpp"
#include "core/redact.hpp"
#include "drift/quality_report.hpp"

namespace lean {
namespace {

struct Family {
  const char* name;
  const char* help;
};

const Family kStatistic{"ml_drift_column_statistic", "Drift statistic of the column: a test statistic or a distance"};
const Family kPValue{"ml_drift_column_p_value", "p-value of the column's test (after the correction, if any)"};
const Family kThreshold{"ml_drift_column_threshold", "Threshold the column's p-value or distance is compared with"};
const Family kDrift{"ml_drift_column_drift", "1 when the column drifted, else 0"};
const Family kDatasetDrift{"ml_drift_dataset_drift", "1 when the dataset drifted, else 0"};
const Family kShare{"ml_drift_dataset_drift_share", "Share of the tested columns that drifted"};
const Family kDrifted{"ml_drift_dataset_drifted_columns", "Number of columns that drifted"};
const Family kTested{"ml_drift_dataset_tested_columns", "Number of columns tested"};

std::string family_header(const Family& family) {
  return std::string("# HELP ") + family.name + " " + family.help + "\n# TYPE " + family.name + " gauge\n";
}

std::string render(const DriftRun& run) {
  std::string out;
  auto per_column = [&](const Family& family, auto value_of) {
    std::string lines;
    for (const auto& column : run.columns) {
      if (!column.skipped.empty()) continue;
      auto value = value_of(column);
      if (!value) continue;
      lines += std::string(family.name) + "{column=\"" + escape_label_value(valid_utf8(column.name)) + "\",method=\"" +
               method_name(*column.method) + "\"} " + format_number(*value) + "\n";
    }
    if (!lines.empty()) out += family_header(family) + lines;
  };
  per_column(kStatistic, [](const ColumnResult& c) { return c.statistic; });
  per_column(kPValue, [](const ColumnResult& c) { return c.p_value_adjusted ? c.p_value_adjusted : c.p_value; });
  per_column(kThreshold, [](const ColumnResult& c) { return c.threshold; });
  per_column(kDrift, [](const ColumnResult& c) { return std::optional<double>(c.drift ? 1.0 : 0.0); });
  auto single = [&](const Family& family, double value) {
    out += family_header(family) + family.name + " " + format_number(value) + "\n";
  };
  single(kDatasetDrift, run.dataset.drift ? 1 : 0);
  single(kShare, run.dataset.share);
  single(kDrifted, static_cast<double>(run.dataset.drifted));
  single(kTested, static_cast<double>(run.dataset.tested));
  return out + quality_openmetrics(run);
}

}  // namespace

std::string escape_label_value(const std::string& text) {
  // A label value may hold any UTF-8; its escapes are \\, \" and \n (OpenMetrics 1.0, also the
  // Prometheus text format). Other controls and bidi characters would reach a dashboard or a
  // terminal raw, so each line is made printable (\e, \u202e) and those escapes' backslashes
  // are escaped in turn: the value reads back as the printable text.
  const std::string shown = redact(text);
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = shown.find('\n', start);
    for (char c : printable(std::string_view(shown).substr(start, end == std::string::npos ? end : end - start))) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else out += c;
    }
    if (end == std::string::npos) return out;
    out += "\\n";
    start = end + 1;
  }
}

std::string render_openmetrics(const DriftRun& run) { return render(run) + "# EOF\n"; }

std::string render_prometheus_text(const DriftRun& run) { return render(run); }

}  // namespace lean
