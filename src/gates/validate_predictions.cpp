#include "gates/validate_predictions.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/format.hpp"
#include "cli/prediction_options.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

namespace po = boost::program_options;
using ordered_json = nlohmann::ordered_json;

constexpr std::size_t kWorstSlicesShown = 5;

std::vector<Requirement> slice_requirements(const po::variables_map& vm) {
  std::vector<Requirement> out;
  if (!vm.count("require-slices")) return out;
  for (const auto& text : vm["require-slices"].as<std::vector<std::string>>()) {
    try {
      out.push_back(parse_requirement(text));
    } catch (const ExpressionError& e) {
      throw_usage("invalid --require-slices \"" + text + "\": " + e.what());
    }
    if (out.back().aggregate != Aggregate::none) throw_usage("\"" + text + "\" aggregates a history; --require-slices checks metrics");
  }
  return out;
}

// A computed metric that is not finite (mse of values near 1e200 overflows a double) is an
// input error naming it: JSON has no infinity, it would be written and checked as null.
void refuse_non_finite(const ordered_json& node, const std::string& name, const std::string& path, const std::string& where) {
  if (node.is_object()) {
    for (const auto& [key, child] : node.items()) refuse_non_finite(child, name.empty() ? key : name + "." + key, path, where);
  } else if (node.is_number_float() && !std::isfinite(node.get<double>())) {
    throw_input(path, "metric \"" + name + "\"" + where + " overflows: it is not a finite number (the values are too large for a double)");
  }
}

// A lower value fails a >= or > check first: those slices are the worst.
bool lower_is_worse(Comparison op) { return op == Comparison::ge || op == Comparison::gt; }

}  // namespace

void declare_validate_prediction_options(po::options_description& options) {
  options.add_options()
      ("predictions", po::value<std::string>()->value_name("FILE"),
       "compute the metrics from a predictions CSV/TSV (plain or gzip) instead of reading a metrics file");
  declare_prediction_column_options(options);
  options.add_options()
      ("slice-by", po::value<std::string>()->value_name("COL"), "also compute every metric per value of COL")
      ("min-slice-size", po::value<long long>()->default_value(30)->value_name("N"),
       "--require-slices checks only slices of at least N rows")
      ("require-slices", po::value<std::vector<std::string>>()->composing()->value_name("EXPR"),
       "a check every slice must pass (repeatable)")
      ("write-metrics", po::value<std::string>()->value_name("FILE"), "with --predictions or --prometheus: write the computed or queried metrics as a metrics JSON");
}

PredictionMetrics evaluate_predictions_option(const po::variables_map& vm) {
  // Signed, so that -1 is refused rather than wrapped to a size no slice reaches.
  if (vm["min-slice-size"].as<long long>() < 0) throw_usage("--min-slice-size must be 0 or more");
  PredictionColumns columns = prediction_columns(vm);
  if (vm.count("slice-by")) columns.slice = vm["slice-by"].as<std::string>();
  if (vm.count("require-slices") && !vm.count("slice-by")) throw_usage("--require-slices needs --slice-by COL");
  PredictionMetrics run;
  run.path = vm["predictions"].as<std::string>();
  const PredictionTable table = read_predictions(run.path, columns);
  run.task = table.task;
  const std::string average = vm.count("average") ? vm["average"].as<std::string>() : "";
  const Evaluator evaluator(table, average);
  run.evaluation = evaluator.all();
  refuse_non_finite(run.evaluation.metrics, "", run.path, "");
  ordered_json document = metrics_document(run.evaluation, table);
  if (!columns.slice.empty()) {
    run.slice_column = columns.slice;
    std::map<std::string, std::vector<std::size_t>> rows_by_value;
    for (std::size_t row = 0; row < table.rows; ++row) rows_by_value[table.slice_values[row]].push_back(row);
    ordered_json slices = ordered_json::object();
    for (const auto& [value, rows] : rows_by_value) {
      const PredictionTable part = table.subset(rows);
      Evaluation evaluation = Evaluator(part, evaluator.average()).all();
      refuse_non_finite(evaluation.metrics, "", run.path, " in slice " + columns.slice + "=" + value);
      slices[value] = evaluation.metrics;
      run.slice_rows[value] = rows.size();
      run.slices.emplace(value, std::move(evaluation));
    }
    document["slices"] = {{columns.slice, slices}};
  }
  run.document = document;
  run.metrics = MetricSet::from_json(nlohmann::json::parse(document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), run.path);
  if (vm.count("write-metrics")) write_file_atomically(vm["write-metrics"].as<std::string>(), document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return run;
}

std::optional<double> prediction_metric(const PredictionMetrics& run, const Evaluation& evaluation,
                                        const std::string& metric, bool allow_missing, const std::string& where) {
  if (auto it = evaluation.undefined.find(metric); it != evaluation.undefined.end()) {
    if (allow_missing) return std::nullopt;
    throw_input(run.path, metric + " is undefined" + where + ": " + it->second);
  }
  if (&evaluation == &run.evaluation) return allow_missing ? run.metrics.find_number(metric) : run.metrics.number(metric);
  // A slice's metric: its own set (a label absent from the slice has no per-class metrics).
  const MetricSet set = MetricSet::from_json(nlohmann::json::parse(evaluation.metrics.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), run.path);
  return allow_missing ? set.find_number(metric) : set.number(metric);
}

void add_slice_checks(const PredictionMetrics& run, const po::variables_map& vm, bool allow_missing, Outcome& outcome) {
  outcome.fields["predictions"] = {{"file", run.path}, {"task", task_name(run.task)}};
  if (run.slice_column.empty()) return;
  const std::vector<Requirement> requirements = slice_requirements(vm);
  const auto min_size = static_cast<std::size_t>(vm["min-slice-size"].as<long long>());
  ordered_json report;
  report["column"] = run.slice_column;
  report["min_slice_size"] = min_size;
  ordered_json too_small = ordered_json::array();
  for (const auto& [value, rows] : run.slice_rows) {
    if (rows < min_size) too_small.push_back({{"slice", value}, {"n", rows}});
  }
  report["too_small"] = too_small;
  // Not a failure (the gate has nothing to say about slices it does not check), but never silent.
  if (!requirements.empty() && !run.slice_rows.empty() && too_small.size() == run.slice_rows.size()) {
    outcome.console += "WARN  every slice of " + run.slice_column + " has fewer than " + std::to_string(min_size) +
                       " rows (--min-slice-size): no --require-slices check was evaluated\n";
  }
  ordered_json checks = ordered_json::array();
  int failed = 0;
  MarkdownTable table({"Slice", "Check", "Value", "Result"});
  for (const auto& req : requirements) {
    struct Row {
      std::string slice;
      std::optional<double> value;
      bool passed;
    };
    std::vector<Row> rows;
    for (const auto& [value, evaluation] : run.slices) {
      if (run.slice_rows.at(value) < min_size) continue;
      const std::optional<double> metric =
          prediction_metric(run, evaluation, req.metric, allow_missing, " in slice " + run.slice_column + "=" + value);
      rows.push_back({value, metric, metric ? compare(*metric, req.op, req.threshold) : true});
    }
    // Worst first: the slices most likely to fail this check.
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      if (!a.value || !b.value) return a.value.has_value() && !b.value.has_value();
      return lower_is_worse(req.op) ? *a.value < *b.value : *a.value > *b.value;
    });
    ordered_json worst = ordered_json::array();
    for (const auto& row : rows) {
      const std::string name = run.slice_column + "=" + row.slice + ": " + describe(req);
      std::string message;
      if (!row.value) {
        message = req.metric + " in slice " + run.slice_column + "=" + row.slice + " is missing (allowed by --allow-missing)";
      } else {
        message = req.metric + " in slice " + run.slice_column + "=" + row.slice + " is " + format_human(*row.value) +
                  (row.passed ? " (" : ", required ") + comparison_text(req.op) + " " + format_human(req.threshold) +
                  (row.passed ? ")" : "");
      }
      if (!row.passed) ++failed;
      outcome.checks.push_back({name, row.passed, message, !row.value});
      outcome.console += std::string(!row.value ? "SKIP  " : row.passed ? "PASS  " : "FAIL  ") + message + "\n";
      ordered_json check = {{"expr", req.text}, {"slice", row.slice}, {"n", run.slice_rows.at(row.slice)},
                            {"value", row.value ? ordered_json(*row.value) : ordered_json(nullptr)}, {"passed", row.passed}};
      if (!row.value) {  // as the checks of the whole file say it
        check["skipped"] = true;
        check["skip_reason"] = "metric missing, allowed by --allow-missing";
      }
      checks.push_back(check);
      if (worst.size() < kWorstSlicesShown && row.value) {
        worst.push_back({{"slice", row.slice}, {"value", *row.value}});
        table.add_row({markdown_code(row.slice), markdown_code(describe(req)), format_human(*row.value),
                       row.passed ? "✅ pass" : "❌ fail"});
      }
    }
    report["worst"][req.text] = worst;
  }
  report["checks"] = checks;
  report["failed"] = failed;
  outcome.fields["slices"] = report;
  if (!requirements.empty()) {
    outcome.markdown_body += "\n**Worst slices by " + run.slice_column + "**\n\n" + table.render();
  }
  if (failed) outcome.status = ExitStatus::gate_failed;
  if (!requirements.empty()) {  // the headline counts every check, the slices' too
    std::size_t all_failed = 0;
    for (const auto& check : outcome.checks) all_failed += check.passed ? 0 : 1;
    const std::size_t total = outcome.checks.size();
    outcome.headline = all_failed ? std::to_string(all_failed) + " of " + std::to_string(total) + " checks failed"
                                  : std::to_string(total) + " of " + std::to_string(total) + " checks passed";
    outcome.headline += " (" + std::to_string(checks.size()) + " on slices of " + run.slice_column + ")";
  }
  // The summary line last, with the slice checks counted.
  if (const auto summary = outcome.console.rfind("ml-validate: "); summary != std::string::npos) {
    const std::string slice_lines = outcome.console.substr(outcome.console.find('\n', summary) + 1);
    outcome.console.erase(summary);
    outcome.console += slice_lines;
  }
  outcome.console += "ml-validate: " + std::string(status_word(outcome.status)) + " (" + outcome.headline + ")\n";
}

}  // namespace lean
