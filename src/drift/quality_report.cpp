// The data-quality findings in every output ml-drift writes: report JSON, checks (JUnit,
// annotations), markdown, console, dotenv, HTML and OpenMetrics.
#include "drift/quality_report.hpp"

#include "core/format.hpp"
#include "core/printable.hpp"
#include "drift/html.hpp"
#include "drift/openmetrics.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

// Checks whose observed and expected values are yes/no rather than shares or counts.
bool is_flag_check(const std::string& check) {
  return check == "columns" || check == "constant" || check == "empty" || check == "type";
}

ordered_json value_json(const QualityFinding& finding, double value) {
  if (finding.check == "type") return value != 0 ? "numeric" : "categorical";
  if (finding.check == "columns") return value != 0;  // present
  if (is_flag_check(finding.check)) return value != 0;
  return value;
}

std::string name_of(const QualityFinding& finding) {
  return finding.column.empty() ? finding.check : finding.check + ": " + valid_utf8(finding.column);
}

std::string examples_text(const QualityFinding& finding) {
  std::string out;
  for (const auto& example : finding.examples) {
    if (!out.empty()) out += ", ";
    out += "line " + std::to_string(example.line);
    if (!example.value.empty()) out += " \"" + valid_utf8(example.value) + "\"";
  }
  return out;
}

}  // namespace

ordered_json quality_json(const std::vector<QualityFinding>& findings) {
  ordered_json out = ordered_json::array();
  for (const auto& finding : findings) {
    ordered_json item;
    item["check"] = finding.check;
    item["column"] = finding.column.empty() ? ordered_json(nullptr) : ordered_json(valid_utf8(finding.column));
    item["passed"] = finding.passed;
    item["observed"] = value_json(finding, finding.observed);
    if (finding.expected) item["expected"] = value_json(finding, *finding.expected);
    if (finding.threshold) item["threshold"] = *finding.threshold;
    item["message"] = valid_utf8(finding.message);
    ordered_json examples = ordered_json::array();
    for (const auto& example : finding.examples) {
      examples.push_back({{"line", example.line}, {"value", valid_utf8(example.value)}});
    }
    item["examples"] = std::move(examples);
    if (finding.check == "categories") {
      ordered_json values = ordered_json::array();
      for (const auto& [text, count] : finding.new_values)
        values.push_back({{"value", valid_utf8(text)}, {"count", count}});
      item["new_values"] = std::move(values);
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::string quality_headline(const DriftRun& run) {
  const std::size_t failed = failed_count(run.quality), total = run.quality.size();
  if (failed == 0)
    return "data quality: " + std::string(total == 1 ? "the check" : "all " + std::to_string(total) + " checks") +
           " passed";
  return "data quality: " + std::to_string(failed) + " of " + std::to_string(total) + " checks failed";
}

void add_quality_outcome(const DriftRun& run, Outcome& outcome) {
  outcome.fields["quality"] = quality_json(run.quality);
  if (!run.schema_path.empty()) outcome.fields["schema"] = run.schema_path;
  MarkdownTable table({"Check", "Column", "Result", "Details", "Examples"});
  std::string lines;
  for (std::size_t i : quality_order(run.quality)) {
    const auto& finding = run.quality[i];
    const std::string message = valid_utf8(finding.message);
    outcome.checks.push_back({name_of(finding), finding.passed, message});
    table.add_row({finding.check, finding.column.empty() ? "—" : markdown_code(valid_utf8(finding.column)),
                   finding.passed ? "✅ pass" : "❌ fail", markdown_text(message),
                   markdown_text(examples_text(finding))});
    lines += std::string(finding.passed ? "OK    " : "FAIL  ") + finding.check + ": " + printable(message) + "\n";
  }
  outcome.console += lines;
  outcome.markdown_body +=
      (outcome.markdown_body.empty() ? "" : "\n") + std::string("### Data quality\n\n") + table.render();
  const std::size_t failed = failed_count(run.quality);
  outcome.dotenv.push_back({"QUALITY", failed ? "fail" : "pass"});
  outcome.dotenv.push_back({"QUALITY_CHECKS", std::to_string(run.quality.size())});
  outcome.dotenv.push_back({"QUALITY_FAILED", std::to_string(failed)});
}

std::string quality_html(const DriftRun& run) {
  if (!run.quality_checked) return "";
  std::string html =
      "<h2 id=\"quality\">Data quality</h2><p class=\"meta\">" + escape_html(quality_headline(run)) +
      "</p>\n<table><thead><tr><th>Check</th><th>Column</th><th>Result</th><th>Details</th><th>Examples</th>"
      "</tr></thead><tbody>\n";
  for (std::size_t i : quality_order(run.quality)) {
    const auto& f = run.quality[i];
    html += "<tr class=\"" + std::string(f.passed ? "ok" : "drift") + "\"><td>" + f.check + "</td><td>" +
            escape_html(valid_utf8(f.column)) + "</td><td>" + (f.passed ? "pass" : "fail") + "</td><td>" +
            escape_html(valid_utf8(f.message)) + "</td><td>" + escape_html(examples_text(f)) + "</td></tr>\n";
  }
  return html + "</tbody></table>\n";
}

std::string quality_openmetrics(const DriftRun& run) {
  if (!run.quality_checked) return "";
  std::string out =
      "# HELP ml_drift_quality_failed 1 when the data-quality check failed on the column (column \"\" for dataset "
      "checks), "
      "else 0\n# TYPE ml_drift_quality_failed gauge\n";
  for (const auto& f : run.quality) {
    out += "ml_drift_quality_failed{check=\"" + f.check + "\",column=\"" + escape_label_value(valid_utf8(f.column)) +
           "\"} " + (f.passed ? "0" : "1") + "\n";
  }
  out +=
      "# HELP ml_drift_quality_failed_checks Number of data-quality checks that failed\n"
      "# TYPE ml_drift_quality_failed_checks gauge\nml_drift_quality_failed_checks " +
      std::to_string(failed_count(run.quality)) + "\n";
  return out;
}

}  // namespace lean
