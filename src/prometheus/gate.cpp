#include "prometheus/gate.hpp"

#include <cmath>
#include <iostream>
#include <tuple>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/redact.hpp"
#include "core/suggest.hpp"
#include "core/timestamp.hpp"
#include "core/url.hpp"
#include "metrics/expression.hpp"
#include "prometheus/client.hpp"

namespace lean::prometheus {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::size_t kListedSeries = 10;

[[noreturn]] void throw_series(const std::string& subject, const GateQuery& query, const QueryData& data) {
  std::string labels;
  for (std::size_t i = 0; i < data.series.size() && i < kListedSeries; ++i) {
    labels += (i ? ", " : "") + label_set_text(data.series[i]);
  }
  if (data.series.size() > kListedSeries) labels += ", ...";
  throw Error(ExitStatus::input_data, subject,
              "query " + query.name + ": returned " + std::to_string(data.series.size()) +
                  " series, a gate needs one (aggregate them, e.g. sum(...) or max(...)): " + labels);
}

void check_finite(const std::string& subject, const GateQuery& query, const Sample& sample) {
  if (!std::isfinite(sample.value)) {
    throw Error(ExitStatus::input_data, subject,
                "query " + query.name + ": returned " + format_number(sample.value) + " at " +
                    format_timestamp(sample.time) + ", not a finite number (a division by zero: no requests?)");
  }
}

// A letter, then up to 127 letters, digits, '_' and '.'.
bool is_query_name(const std::string& name) {
  const auto is_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (name.empty() || name.size() > 128 || !is_letter(name[0])) return false;
  for (char c : name) {
    if (!is_letter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '.') return false;
  }
  return true;
}

// The answer's warnings and infos change no verdict, but a person must see them (a partial
// answer, a store that did not reply, can make a gate pass on too little data): in the
// query's report and one stderr line each, redacted and escaped like an error line.
void report_notes(GateSeries& series, const std::string& subject, const QueryData& data) {
  for (const auto& [key, kind, notes, omitted] :
       {std::tuple{"warnings", "warning", &data.warnings, data.warnings_omitted},
        std::tuple{"infos", "info", &data.infos, data.infos_omitted}}) {
    if (notes->empty()) continue;
    series.report[key] = *notes;
    if (omitted > 0) series.report[std::string(key) + "_omitted"] = omitted;
    const std::string prefix = "'" + subject + "': query " + series.name + ": ";
    for (const auto& note : *notes)
      std::cerr << "ml-validate: " << kind << ": " << safe_line(prefix + note) << std::endl;
    if (omitted > 0) {
      std::cerr << "ml-validate: " << kind << ": "
                << safe_line(prefix + std::to_string(omitted) + " more " + key + " (not shown)") << std::endl;
    }
  }
}

}  // namespace

GateQuery parse_gate_query(const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw_usage("invalid --query \"" + text + "\": write NAME=PROMQL, e.g. error_rate='sum(rate(errors[5m]))'");
  }
  GateQuery query{text.substr(0, eq), text.substr(eq + 1)};
  if (!is_query_name(query.name)) {
    throw_usage("invalid --query name \"" + query.name + "\": a letter, then letters, digits, _ and .");
  }
  return query;
}

std::vector<GateSeries> query_for_gate(const GateRequest& request) {
  Client client(request.url, Credentials::from_env(), request.http);
  std::vector<GateSeries> out;
  const double start = request.range ? request.at - *request.range : request.at;
  for (const auto& query : request.queries) {
    const std::string subject = client.shown_url() + (request.range ? "/api/v1/query_range" : "/api/v1/query");
    const QueryData data = request.range ? client.range(query.name, query.promql, start, request.at, request.step)
                                         : client.instant(query.name, query.promql, request.at);
    GateSeries series;
    series.name = query.name;
    series.promql = query.promql;
    series.report["name"] = query.name;
    series.report["query"] = query.promql;
    if (request.range) {
      series.report["start"] = format_timestamp(start);
      series.report["end"] = format_timestamp(request.at);
      series.report["step"] = format_duration(request.step);
    } else {
      series.report["time"] = format_timestamp(request.at);
    }
    report_notes(series, subject, data);
    // A range vector (`metric[2h]`) answers an instant query with many samples: which one to
    // gate is not ours to guess.
    if (!request.range && data.result_type == "matrix") {
      throw Error(ExitStatus::input_data, subject,
                  "query " + query.name +
                      ": returns a range vector, a gate needs one value (give an instant "
                      "expression, e.g. max_over_time(...[2h]), or --range to check every point)");
    }
    if (data.series.size() > 1) throw_series(subject, query, data);
    if (data.series.empty() || data.series.front().samples.empty()) {
      if (!request.allow_missing) {
        throw Error(ExitStatus::input_data, subject,
                    "query " + query.name + ": the query returned no data" + (request.range ? " in the range" : "") +
                        " (--allow-missing skips it)");
      }
      series.missing = true;
      series.report["missing"] = true;
      out.push_back(std::move(series));
      continue;
    }
    const Series& answer = data.series.front();
    ordered_json labels = ordered_json::object();
    for (const auto& [name, value] : answer.labels) labels[name] = value;
    series.report["labels"] = labels;
    for (const auto& sample : answer.samples) {
      check_finite(subject, query, sample);
      series.values.push_back(sample.value);
    }
    if (request.range) {
      series.gaps = find_gaps(answer.samples, start, request.at, request.step, request.max_gap);
      series.report["points"] = answer.samples.size();
      series.report["expected_points"] = expected_points(start, request.at, request.step);
      ordered_json gaps = ordered_json::array();
      for (const auto& gap : series.gaps) {
        gaps.push_back({{"from", format_timestamp(gap.from)},
                        {"to", format_timestamp(gap.to)},
                        {"missing_steps", gap.missing_steps},
                        {"duration", format_duration(gap.seconds)}});
      }
      series.report["gaps"] = gaps;
    } else {
      series.report["value"] = series.values.front();
      series.report["sample_time"] = format_timestamp(answer.samples.front().time);
    }
    out.push_back(std::move(series));
  }
  return out;
}

std::string shown_url(const std::string& url) {
  return sanitize(http::redact_url(with_lowercase_scheme(url)), Credentials{}.secrets());
}

void add_completeness(Outcome& outcome, const std::vector<GateSeries>& series, bool require_complete) {
  std::string lines;
  int failed = 0;
  std::size_t gaps = 0;
  for (const auto& s : series) {
    if (s.gaps.empty()) continue;
    gaps += s.gaps.size();
    std::vector<std::string> stretches;
    for (const auto& gap : s.gaps) {
      stretches.push_back(format_timestamp(gap.from) + ".." + format_timestamp(gap.to) + " (" +
                          std::to_string(gap.missing_steps) + " step" + (gap.missing_steps == 1 ? "" : "s") + ", " +
                          format_duration(gap.seconds) + ")");
    }
    const std::string message = s.name + " has no data " + join_limited(stretches, 10);
    if (require_complete) {
      ++failed;
      outcome.checks.push_back({"complete(" + s.name + ")", false, message + " (--require-complete)"});
      outcome.fields["checks"].push_back(
          {{"expr", "complete(" + s.name + ")"}, {"metric", s.name}, {"passed", false}, {"gaps", s.report["gaps"]}});
      lines += "FAIL  " + message + " (--require-complete)\n";
    } else {
      lines += "GAP   " + message + "\n";
    }
  }
  outcome.fields["gaps"] = gaps;
  if (lines.empty()) return;
  // The gap lines go before the summary line build_outcome ended the console with.
  const std::size_t summary = outcome.console.rfind("ml-validate: ");
  std::string tail = summary == std::string::npos ? "" : outcome.console.substr(summary);
  outcome.console.erase(summary == std::string::npos ? outcome.console.size() : summary);
  outcome.console += lines;
  if (failed) {
    outcome.fields["failed"] = outcome.fields["failed"].get<int>() + failed;
    outcome.status = ExitStatus::gate_failed;
    outcome.headline += std::string(outcome.headline.empty() ? "" : "; ") + std::to_string(failed) + " quer" +
                        (failed == 1 ? "y" : "ies") + " with gaps in the data";
    tail = "ml-validate: " + std::string(status_word(outcome.status)) + " (" + outcome.headline + ")\n";
  }
  outcome.console += tail;
}

ordered_json gate_metrics_json(const std::vector<GateSeries>& series, bool range) {
  ordered_json out = ordered_json::object();
  for (const auto& s : series) {
    if (s.missing) continue;
    if (!range) {
      out[s.name] = s.values.front();
      continue;
    }
    ordered_json summary;
    for (const Aggregate aggregate :
         {Aggregate::mean, Aggregate::min, Aggregate::max, Aggregate::median, Aggregate::last, Aggregate::count}) {
      if (aggregate == Aggregate::count) summary["count"] = s.values.size();  // 49, not 49.0
      else summary[aggregate_name(aggregate)] = aggregate_values(aggregate, s.values);
    }
    out[s.name] = summary;
  }
  return out;
}

}  // namespace lean::prometheus
