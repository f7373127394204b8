#include "drift/report.hpp"

#include <algorithm>
#include <cstdio>

#include "core/format.hpp"
#include "core/printable.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json optional_number(const std::optional<double>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json column_json(const ColumnResult& column, Correction correction) {
  ordered_json out;
  out["name"] = valid_utf8(column.name);
  // A column with no value in the reference has no type to speak of.
  out["type"] =
      column.n_reference == 0 ? ordered_json(nullptr) : ordered_json(column.numeric ? "numeric" : "categorical");
  out["method"] = column.method ? ordered_json(method_name(*column.method)) : ordered_json(nullptr);
  out["statistic"] = optional_number(column.statistic);
  out["p_value"] = optional_number(column.p_value);
  if (correction != Correction::none && column.p_value)
    out["p_value_adjusted"] = optional_number(column.p_value_adjusted);
  out["threshold"] = optional_number(column.threshold);
  out["drift"] = column.drift;
  out["n_ref"] = column.n_reference;
  out["n_cur"] = column.n_current;
  out["missing_ref"] = column.missing_reference;
  out["missing_cur"] = column.missing_current;
  if (column.dof) out["dof"] = *column.dof;
  if (!column.skipped.empty()) out["skipped"] = column.skipped;
  if (column.approximate) {
    out["approximate"] = true;
    if (column.statistic_interval) {
      out["statistic_interval"] = {column.statistic_interval->first, column.statistic_interval->second};
    }
    if (column.p_value_interval)
      out["p_value_interval"] = {column.p_value_interval->first, column.p_value_interval->second};
    if (column.skipped.empty()) out["verdict"] = column.undecided ? "undecided" : column.drift ? "drift" : "no drift";
  }
  return out;
}

// "p 0.003 < 0.05" or "0.21 >= 0.1": the comparison that decided the column.
std::string verdict_text(const ColumnResult& column) {
  if (!column.skipped.empty()) return "skipped: " + column.skipped;
  const std::string method = method_name(*column.method);
  if (column.undecided) {
    const auto& range = column.p_value_interval ? *column.p_value_interval : *column.statistic_interval;
    return method + " undecided: " + (column.p_value_interval ? "p" : "statistic") + " in [" +
           short_number(range.first) + ", " + short_number(range.second) + "], threshold " +
           short_number(*column.threshold);
  }
  if (column.p_value) {
    const double p = column.p_value_adjusted.value_or(*column.p_value);
    const std::string p_name = column.p_value_adjusted ? "adjusted p " : "p ";
    return method + " " + p_name + short_number(p) + (column.drift ? " < " : " >= ") + short_number(*column.threshold);
  }
  return method + " " + short_number(*column.statistic) + (column.drift ? " >= " : " < ") +
         short_number(*column.threshold);
}

std::string percent(double share) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g%%", share * 100);
  return buffer;
}

}  // namespace

std::vector<std::string> corrected_columns(const DriftRun& run) {
  std::vector<std::string> names;
  for (const auto& column : run.columns) {
    if (column.p_value_adjusted) names.push_back(valid_utf8(column.name));
  }
  return names;
}

std::string short_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = length > 0 && i + length <= n && !(c == 0xC0 || c == 0xC1 || c > 0xF4);
    for (std::size_t k = 1; ok && k < length; ++k) ok = (s[i + k] & 0xC0) == 0x80;
    if (ok && length == 3) {  // no overlong forms, no surrogates
      ok = !(c == 0xE0 && s[i + 1] < 0xA0) && !(c == 0xED && s[i + 1] >= 0xA0);
    } else if (ok && length == 4) {
      ok = !(c == 0xF0 && s[i + 1] < 0x90) && !(c == 0xF4 && s[i + 1] >= 0x90);
    }
    if (ok) {
      out.append(text, i, length);
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::vector<std::size_t> reading_order(const std::vector<ColumnResult>& columns) {
  std::vector<std::size_t> order;
  for (int group = 0; group < 3; ++group) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto& c = columns[i];
      const int g = c.drift ? 0 : c.skipped.empty() ? 1 : 2;
      if (g == group) order.push_back(i);
    }
  }
  return order;
}

Outcome drift_outcome(const DriftRun& run) {
  Outcome outcome;
  const auto& dataset = run.dataset;
  outcome.status = dataset.drift ? ExitStatus::gate_failed : ExitStatus::pass;

  ordered_json columns = ordered_json::array();
  for (const auto& column : run.columns) columns.push_back(column_json(column, run.settings.correction));
  outcome.fields["reference"] = run.drift_checked ? ordered_json(run.reference_path) : ordered_json(nullptr);
  outcome.fields["current"] = run.current_path;
  outcome.fields["rows"] = {{"reference", run.reference_rows}, {"current", run.current_rows}};
  outcome.fields["correction"] = correction_name(run.settings.correction);
  const std::vector<std::string> corrected = corrected_columns(run);
  if (run.settings.correction != Correction::none) outcome.fields["corrected_columns"] = corrected;
  if (!run.excluded.empty()) {
    ordered_json excluded = ordered_json::array();
    for (const auto& name : run.excluded) excluded.push_back(valid_utf8(name));
    outcome.fields["excluded_columns"] = std::move(excluded);
  }
  outcome.fields["columns"] = std::move(columns);
  outcome.fields["dataset"] = {{"tested_columns", dataset.tested},
                               {"drifted_columns", dataset.drifted},
                               {"drift_share", dataset.share},
                               {"threshold_share", run.settings.drift_share},
                               {"drift", dataset.drift}};
  const bool approximate =
      std::any_of(run.columns.begin(), run.columns.end(), [](const auto& c) { return c.approximate; });
  if (approximate) {
    outcome.fields["dataset"]["undecided_columns"] = dataset.undecided;
    outcome.fields["dataset"]["verdict"] = dataset.drift ? "drift" : dataset.decided ? "no drift" : "undecided";
  }

  MarkdownTable table({"Column", "Type", "Method", "Statistic", "p-value", "Threshold", "Result"});
  for (std::size_t i : reading_order(run.columns)) {
    const auto& column = run.columns[i];
    const std::string name = valid_utf8(column.name);
    const std::string verdict = verdict_text(column);
    if (column.skipped.empty()) outcome.checks.push_back({name, !column.drift, name + ": " + verdict});
    std::string p_text = "—";
    if (column.p_value) {
      p_text = short_number(*column.p_value);
      if (column.p_value_adjusted) p_text += " (adj. " + short_number(*column.p_value_adjusted) + ")";
    }
    table.add_row({markdown_code(name), column.numeric ? "numeric" : "categorical",
                   column.method ? method_name(*column.method) : "—",
                   column.statistic ? short_number(*column.statistic) : "—", p_text,
                   column.threshold ? short_number(*column.threshold) : "—",
                   column.drift             ? "❌ drift"
                   : column.undecided       ? "❔ undecided"
                   : column.skipped.empty() ? "✅ no drift"
                                            : "⚪ " + markdown_text(column.skipped)});
    const char* tag = column.drift             ? "DRIFT "
                      : column.undecided       ? "UNDEC "
                      : column.skipped.empty() ? "OK    "
                                               : "SKIP  ";
    outcome.console += tag + printable(column.name) + ": " + printable(verdict) + "\n";
  }
  std::string correction_note;
  if (run.settings.correction != Correction::none) {
    // A correction adjusts p-values only: say which columns it changed, not just its name.
    std::string names;
    for (const auto& name : corrected) names += (names.empty() ? "" : ", ") + name;
    const std::string note =
        "--correction " + std::string(correction_name(run.settings.correction)) +
        (corrected.empty()
             ? " applied to no column: every tested column was decided by a distance, which is not corrected"
             : " applied to the p-values of " + names + " (distances are not corrected)");
    outcome.console += printable(note) + "\n";
    correction_note = note;
  }
  outcome.headline = std::to_string(dataset.drifted) + " of " + std::to_string(dataset.tested) + " columns drifted (" +
                     percent(dataset.share) + (dataset.drift ? " >= " : " < ") + percent(run.settings.drift_share) +
                     ")";
  if (dataset.tested == 0) outcome.headline = "no column could be tested";
  const std::size_t skipped = run.columns.size() - dataset.tested;
  if (skipped > 0) outcome.headline += ", " + std::to_string(skipped) + " skipped";
  if (dataset.undecided > 0) outcome.headline += ", " + std::to_string(dataset.undecided) + " undecided";
  outcome.headline = (dataset.drift     ? "dataset drift: "
                      : dataset.decided ? "no dataset drift: "
                                        : "undecided: ") +
                     outcome.headline;
  outcome.markdown_body = table.render();
  if (!correction_note.empty()) outcome.markdown_body += "\n" + markdown_text(correction_note) + "\n";
  if (!run.drift_checked) outcome.markdown_body.clear();
  outcome.dotenv = {{"DRIFT", dataset.drift ? "true" : "false"},
                    {"DRIFTED_COLUMNS", std::to_string(dataset.drifted)},
                    {"TESTED_COLUMNS", std::to_string(dataset.tested)},
                    {"DRIFT_SHARE", format_number(dataset.share)}};
  if (run.quality_checked) {
    add_quality_outcome(run, outcome);
    const bool quality_failed = failed_count(run.quality) > 0;
    const bool drift_failed = run.drift_checked && dataset.drift;
    std::string gate = drift_failed && quality_failed ? "drift and quality"
                       : drift_failed                 ? "drift"
                       : quality_failed               ? "quality"
                                                      : "";
    outcome.headline = (gate.empty() ? "" : "gate failed: " + gate + "; ") +
                       (run.drift_checked ? outcome.headline + "; " : "") + quality_headline(run);
    if (quality_failed) outcome.status = ExitStatus::gate_failed;
  }
  outcome.console += "ml-drift: " + std::string(status_word(outcome.status)) + " (" + outcome.headline + ")\n";
  return outcome;
}

}  // namespace lean
