#include "gates/validate_report.hpp"

#include "core/format.hpp"
#include "core/printable.hpp"
#include "gates/check_line.hpp"
#include "metrics/tolerance.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::size_t kWorstSlicesShown = 5;

const char* verdict_cell(const Check& check) {
  return check.skipped ? "⚪ skipped" : check.passed ? "✅ pass" : "❌ fail";
}

// A skipped check's reason: the metric is missing, or undefined on the rows and why (`undefined`).
std::string skip_reason(const std::string& undefined) {
  return undefined.empty() ? "metric missing, allowed by --allow-missing"
                           : "metric undefined: " + undefined + ", allowed by --allow-missing";
}
std::string skipped_because(const std::string& undefined) {
  return undefined.empty() ? " is missing (allowed by --allow-missing)"
                           : " is undefined: " + undefined + " (allowed by --allow-missing)";
}

std::string summary_line(const Outcome& outcome) {
  return "ml-validate: " + std::string(status_word(outcome.status)) + " (" + printable(outcome.headline) + ")\n";
}

// The --require-slices checks, added to an outcome built from the --require checks.
void add_slice_checks(const PredictionsResult& result, Outcome& outcome) {
  outcome.fields["predictions"] = {{"file", result.path}, {"task", task_name(result.task)}};
  if (result.slice_column.empty()) return;
  ordered_json report;
  report["column"] = result.slice_column;
  report["min_slice_size"] = result.min_slice_size;
  ordered_json too_small = ordered_json::array();
  for (const auto& [value, rows] : result.too_small) too_small.push_back({{"slice", value}, {"n", rows}});
  report["too_small"] = too_small;
  const bool checked = !result.slice_checks.empty();
  // Not a failure (the gate has nothing to say about slices it does not check), but never silent.
  const bool all_too_small = checked && result.slices > 0 && result.too_small.size() == result.slices;
  const std::string too_small_note = " has fewer than " + std::to_string(result.min_slice_size) +
                                     " rows (--min-slice-size): no --require-slices check was evaluated";
  if (all_too_small)
    outcome.console += "WARN  every slice of " + printable(result.slice_column) + too_small_note + "\n";
  // Some slices too small, others checked: how many were left out, on the console and in the markdown.
  const bool some_too_small = checked && !all_too_small && !result.too_small.empty();
  auto some_note = [&](const std::string& column) {
    return std::to_string(result.too_small.size()) + " of " + std::to_string(result.slices) + " slices of " + column +
           (result.too_small.size() == 1 ? " has" : " have") + " fewer than " + std::to_string(result.min_slice_size) +
           " rows (--min-slice-size): not checked by --require-slices (listed in the report's slices.too_small)";
  };
  if (some_too_small) outcome.console += "WARN  " + some_note(printable(result.slice_column)) + "\n";
  ordered_json checks = ordered_json::array();
  int failed = 0;
  MarkdownTable table({"Slice", "Check", "Value", "Result"});
  bool table_has_rows = false;
  for (const auto& requirement : result.slice_checks) {
    ordered_json worst = ordered_json::array();
    for (const auto& slice : requirement.slices) {
      ValidateRow row = slice_row(result.slice_column, requirement.requirement, slice);
      if (!slice.passed) ++failed;
      outcome.console += check_line(row.check);
      outcome.checks.push_back(std::move(row.check));
      checks.push_back(std::move(row.report));
      if (worst.size() < kWorstSlicesShown && slice.value) {
        worst.push_back({{"slice", slice.slice}, {"value", *slice.value}});
        table.add_row(std::move(row.cells));
        table_has_rows = true;
      }
    }
    report["worst"][requirement.requirement.text] = worst;
  }
  report["checks"] = checks;
  report["failed"] = failed;
  outcome.fields["slices"] = report;
  const std::string heading = "\n**Worst slices by " + markdown_text(result.slice_column) + "**";
  // No table of a header only: the slices were all too small (said so) or all skipped.
  if (table_has_rows) outcome.markdown_body += heading + "\n\n" + table.render();
  if (some_too_small) outcome.markdown_body += "\n" + markdown_text(some_note(result.slice_column)) + "\n";
  else if (all_too_small)
    outcome.markdown_body += heading + ": none, every slice" + markdown_text(too_small_note) + "\n";
}

// The counts of every check, the slices' too, from the checks themselves: the report, the
// headline and the dotenv file say the same numbers.
void add_counts(const ValidateResult& result, Outcome& outcome) {
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& check : outcome.checks) check.skipped ? ++skipped : check.passed ? ++passed : ++failed;
  outcome.status = failed ? ExitStatus::gate_failed : ExitStatus::pass;
  outcome.fields["passed"] = passed;
  outcome.fields["failed"] = failed;
  outcome.fields["skipped"] = skipped;
  const std::string total = std::to_string(outcome.checks.size());
  outcome.headline = failed ? std::to_string(failed) + " of " + total + " checks failed"
                            : std::to_string(passed) + " of " + total + " checks passed";
  if (skipped) outcome.headline += ", " + std::to_string(skipped) + " skipped";
  if (result.predictions && !result.predictions->slice_checks.empty()) {
    std::size_t on_slices = 0;
    for (const auto& requirement : result.predictions->slice_checks) on_slices += requirement.slices.size();
    outcome.headline += " (" + std::to_string(on_slices) + " on slices of " + result.predictions->slice_column + ")";
  }
  outcome.dotenv = {
      {"PASSED", std::to_string(passed)}, {"FAILED", std::to_string(failed)}, {"SKIPPED", std::to_string(skipped)}};
}

}  // namespace

ValidateRow requirement_row(const RequirementResult& result) {
  const Requirement& req = result.requirement;
  ValidateRow row;
  row.report["expr"] = req.text;
  row.report["metric"] = req.metric;
  if (req.aggregate != Aggregate::none) row.report["aggregate"] = aggregate_name(req.aggregate);
  row.report["op"] = comparison_text(req.op);
  row.report["threshold"] = req.threshold;
  row.report["value"] = result.value ? ordered_json(*result.value) : ordered_json(nullptr);
  row.report["passed"] = result.passed;
  const std::string left = req.aggregate == Aggregate::none
                               ? req.metric
                               : std::string(aggregate_name(req.aggregate)) + "(" + req.metric + ")";
  // As many digits as it takes to tell the value from the threshold.
  auto [value_text, threshold_text] = distinct_texts(result.value.value_or(0), req.threshold);
  std::string message;
  if (!result.value) {
    value_text = result.undefined.empty() ? "missing" : "undefined";
    row.report["skipped"] = true;
    row.report["skip_reason"] = skip_reason(result.undefined);
    message = left + skipped_because(result.undefined);
  } else if (result.passed) {
    message = left + " is " + value_text + " (" + comparison_text(req.op) + " " + threshold_text + ")";
  } else {
    message = left + " is " + value_text + ", required " + comparison_text(req.op) + " " + threshold_text;
  }
  row.check = {describe(req), result.passed, message, !result.value};
  row.cells = {markdown_code(row.check.name), value_text, verdict_cell(row.check)};
  return row;
}

ValidateRow slice_row(const std::string& column, const Requirement& req, const SliceCheck& slice) {
  ValidateRow row;
  const std::string where = req.metric + " in slice " + column + "=" + slice.slice;
  std::string message;
  if (!slice.value) {
    message = where + skipped_because(slice.undefined);
  } else {
    message = where + " is " + format_human(*slice.value) + (slice.passed ? " (" : ", required ") +
              comparison_text(req.op) + " " + format_human(req.threshold) + (slice.passed ? ")" : "");
  }
  row.check = {column + "=" + slice.slice + ": " + describe(req), slice.passed, message, !slice.value};
  row.report = {{"expr", req.text},
                {"slice", slice.slice},
                {"n", slice.n},
                {"value", slice.value ? ordered_json(*slice.value) : ordered_json(nullptr)},
                {"passed", slice.passed}};
  if (!slice.value) {  // as the checks of the whole file say it
    row.report["skipped"] = true;
    row.report["skip_reason"] = skip_reason(slice.undefined);
  }
  if (slice.value) {
    row.cells = {markdown_code(slice.slice), markdown_code(describe(req)), format_human(*slice.value),
                 slice.passed ? "✅ pass" : "❌ fail"};
  }
  return row;
}

Outcome validate_outcome(const ValidateResult& result) {
  Outcome outcome;
  ordered_json checks = ordered_json::array();
  MarkdownTable table({"Check", "Value", "Result"});
  for (const auto& checked : result.checks) {
    ValidateRow row = requirement_row(checked);
    outcome.console += check_line(row.check);
    table.add_row(std::move(row.cells));
    outcome.checks.push_back(std::move(row.check));
    checks.push_back(std::move(row.report));
  }
  outcome.fields["sources"] = result.sources;
  if (result.history) {
    outcome.fields["history"] = {{"file", result.history->path},
                                 {"records", result.history->records},
                                 {"records_in_file", result.history->records_in_file}};
  }
  outcome.fields["checks"] = std::move(checks);
  for (const char* count : {"passed", "failed", "skipped"})
    outcome.fields[count] = 0;  // their place; add_counts sets them
  outcome.markdown_body = table.render();
  if (result.predictions) add_slice_checks(*result.predictions, outcome);
  add_counts(result, outcome);
  if (result.prometheus) {
    ordered_json queries = ordered_json::array();
    for (const auto& s : *result.prometheus) queries.push_back(s.report);
    ordered_json source = {{"url", result.sources.front()}};
    if (result.prometheus_range) source["range"] = prometheus::format_duration(*result.prometheus_range);
    source["queries"] = std::move(queries);
    outcome.fields["prometheus"] = std::move(source);
    outcome.console += summary_line(outcome);
    // Its GAP lines go before the summary line (and may fail the gate, which it then says).
    if (result.prometheus_range) prometheus::add_completeness(outcome, *result.prometheus, result.require_complete);
    return outcome;
  }
  // The summary line last, with every check counted.
  outcome.console += summary_line(outcome);
  return outcome;
}

}  // namespace lean
