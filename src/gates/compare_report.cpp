#include "gates/compare_report.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/format.hpp"
#include "core/printable.hpp"
#include "gates/check_line.hpp"
#include "metrics/tolerance.hpp"
#include "report/markdown.hpp"

namespace lean {
namespace {

using ordered_json = nlohmann::ordered_json;

const char* direction_word(const Direction& direction) { return direction.lower_is_better ? "lower" : "higher"; }
const char* bound_word(const Direction& direction) { return direction.lower_is_better ? "<= " : ">= "; }

// "+0.019 (+2.18%)" for the markdown table; "+0.019, +2.18%" inside a sentence's parentheses.
std::string change_text(double baseline, double candidate, bool in_parentheses = false) {
  std::string text = format_signed(candidate - baseline);
  if (baseline == 0) return text;
  const std::string percent = format_percent((candidate - baseline) / std::fabs(baseline));
  return in_parentheses ? text + ", " + percent : text + " (" + percent + ")";
}

// Three decimals for a sentence: "0.871", "+0.018".
std::string short_number(double value, bool sign = false) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, sign ? "%+.3f" : "%.3f", value == 0 ? 0.0 : value);
  return buffer;
}

// p in 2 decimals (3 below 0.01, "< 0.001" below that), with more digits where fewer would
// read as alpha or on its other side: 0.0462 against 0.05 is "p = 0.046", never "p = 0.05".
std::string p_text(double p, double alpha) {
  if (p < 0.001 && alpha > 0.001) return "p < 0.001";
  const bool fixed = p >= 0.001;
  char buffer[64];
  for (int digits = fixed ? (p < 0.01 ? 3 : 2) : 2;; ++digits) {
    std::snprintf(buffer, sizeof buffer, fixed ? "%.*f" : "%.*g", digits, p);
    const double shown = std::strtod(buffer, nullptr);
    if (digits >= 17 || ((shown < alpha) == (p < alpha) && (shown == alpha) == (p == alpha))) break;
  }
  return std::string("p = ") + buffer;
}

// The markdown p column: the number of p_text, and "< 0.001" as the console says it.
std::string p_cell(double p, double alpha) {
  const std::string text = p_text(p, alpha);
  return text == "p < 0.001" ? "< 0.001" : text.substr(4);
}

std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The markdown verdict of a guard: within, significantly worse, or regressed.
std::string guard_verdict_cell(const GuardResult& guard) {
  return guard.passed                ? "✅ within " + guard.guard.spelled
         : guard.significantly_worse ? "❌ significantly worse"
                                     : "❌ regressed beyond " + guard.guard.spelled;
}

// Metrics mode: the rule the primary metric had to meet, ">= 0.87" (as many digits as tell
// it from the candidate).
std::string metrics_rule(const CompareResult& r) {
  if (r.relative_to_zero) {
    return std::string("strictly ") + (r.direction.lower_is_better ? "< 0" : "> 0") +
           " (relative margin against a baseline of 0)";
  }
  return bound_word(r.direction) + distinct_texts(r.candidate, r.required).second;
}

// Predictions mode: the sentence every output shares.
std::string predictions_sentence(const CompareResult& r) {
  const double delta = r.candidate - r.baseline;
  const std::string change = r.metric + " " + short_number(delta, true) + " (" + short_number(r.baseline) + " → " +
                             short_number(r.candidate) + ")";
  const std::optional<Significance>& s = r.significance;
  if (s && s->significantly_worse()) {
    return change + " is significantly worse: " + p_text(s->p_worse, s->alpha) + " (" + s->description + ", " +
           with_thousands(s->n) + (s->n == 1 ? " paired row)" : " paired rows)");
  }
  if (!r.meets_margin)
    return change + " does not meet the margin (" + bound_word(r.direction) + format_human(r.required) + ")";
  if (!s) return change + " meets the margin (" + bound_word(r.direction) + format_human(r.required) + ")";
  if (s->significant()) {
    return change + ", significant: " + p_text(s->p_value, s->alpha) + " (" + s->description + ", " +
           with_thousands(s->n) + (s->n == 1 ? " paired row)" : " paired rows)");
  }
  if (!s->spread) {
    return r.metric + " " + short_number(delta, true) + " meets the margin but is not significant (" + s->description +
           " on " + with_thousands(s->n) + (s->n == 1 ? " row" : " rows") + ": p = 1)";
  }
  char alpha[32];
  std::snprintf(alpha, sizeof alpha, "%g", s->alpha);
  const double sign = r.direction.lower_is_better ? -1.0 : 1.0;
  return r.metric + " " + short_number(delta, true) + " meets the margin but is not significant (" +
         p_text(s->p_value, s->alpha) + " ≥ " + alpha + "; with " + with_thousands(s->n) + " rows only " +
         (r.direction.lower_is_better ? "drops below " : "gains above ") +
         short_number(s->min_detectable_delta * sign, true) + " are detectable)";
}

// Why the primary metric passed or failed: the decision's reason unless a guard regressed.
std::string primary_reason(const CompareResult& r) {
  if (r.predictions) return predictions_sentence(r);
  const std::string candidate_text = distinct_texts(r.candidate, r.required).first;
  return r.metric + " " + candidate_text + (r.primary_passed ? " meets " : " does not meet ") + metrics_rule(r);
}

std::string decision_reason(const CompareResult& r) {
  if (r.absent) {
    const std::string rule_origin = !r.if_no_baseline.empty() ? ""
                                    : r.registry              ? " (the default for a registry baseline)"
                                                              : " (the default for a baseline file)";
    return "no baseline (" + *r.absent + "); --if-no-baseline " + no_baseline_rule(r) + rule_origin;
  }
  const std::vector<std::string> regressed = r.regressed();
  if (!r.primary_passed || regressed.empty()) return primary_reason(r);
  std::string reason = "guard regressed: ";
  for (std::size_t i = 0; i < regressed.size(); ++i) reason += (i ? ", " : "") + regressed[i];
  return reason;
}

ordered_json registry_json(const RegistryBaselineFacts& facts) {
  const auto or_null = [](const std::optional<std::string>& text) {
    return text ? ordered_json(*text) : ordered_json(nullptr);
  };
  ordered_json report = {{"registry", facts.registry},
                         {"model", facts.model},
                         {"channel", facts.channel},
                         {"version", or_null(facts.version)}};
  if (facts.file) {  // predictions mode
    report["file"] = *facts.file;
    report["label_sha256"] = or_null(facts.label_sha256);
  }
  return report;
}

// The outcome when there is no baseline yet: promoted (a skipped check) or kept by the rule.
Outcome no_baseline_outcome(const CompareResult& r, Outcome outcome) {
  const std::string reason = decision_reason(r);
  outcome.status = r.promote ? ExitStatus::pass : ExitStatus::gate_failed;
  outcome.fields["decision"] = r.promote ? "promote" : "keep";
  outcome.fields["reason"] = reason;
  outcome.fields["primary"] = primary_json(r);
  outcome.fields["guards"] = ordered_json::array();
  outcome.headline = r.promote ? "promote without a comparison" : "keep";
  // Promoted without a comparison: a skipped check, so JUnit shows the reason too.
  outcome.checks.push_back({r.metric + " beats the baseline", r.promote, reason, r.promote});
  MarkdownTable table({"Metric", "Baseline", "Candidate", "Change", "Verdict"});
  table.add_row(
      {markdown_code(r.metric), "—", format_human(r.candidate), "—", r.promote ? "✅ first model" : "❌ no baseline"});
  outcome.markdown_body =
      table.render() + "\n" + (r.promote ? "Promoted without a comparison: " : "Kept: ") + markdown_text(reason) + "\n";
  outcome.console = "ml-compare: " + printable(outcome.headline + ": " + reason) + "\n";
  outcome.dotenv = {{"DECISION", r.promote ? "promote" : "keep"}};
  return outcome;
}

}  // namespace

CompareRow primary_row(const CompareResult& r) {
  CompareRow row;
  if (r.predictions) {
    const std::string sentence = predictions_sentence(r);
    const std::optional<Significance>& s = r.significance;
    // A stable name (the verdict changes run to run); the sentence is the failure's message,
    // and a passed check's <system-out>.
    row.check = {r.metric + " beats the baseline", r.primary_passed, sentence};
    row.check.message_when_passed = true;
    row.cells = {markdown_code(r.metric), format_human(r.baseline), format_human(r.candidate),
                 format_signed(r.candidate - r.baseline),
                 // A significantly worse candidate: the p of "worse", as the sentence gives it.
                 !s                         ? "—"
                 : s->significantly_worse() ? p_cell(s->p_worse, s->alpha)
                                            : p_cell(s->p_value, s->alpha),
                 r.primary_passed                ? "✅ better"
                 : s && s->significantly_worse() ? "❌ significantly worse"
                 : r.meets_margin                ? "❌ not significant"
                                                 : "❌ below the margin"};
    return row;
  }
  const std::string rule = metrics_rule(r);
  const std::string candidate_text = distinct_texts(r.candidate, r.required).first;
  const std::string baseline_text = distinct_texts(r.candidate, r.baseline).second;
  const std::string message = r.metric + " is " + candidate_text + " against " + baseline_text + " (" +
                              change_text(r.baseline, r.candidate, true) + "), required " + rule + ", " +
                              direction_word(r.direction) + " is better (" + r.direction.reason + ")";
  row.check = {r.metric + " beats the baseline", r.primary_passed, message};
  const auto [baseline_cell, candidate_cell] = distinct_texts(r.baseline, r.candidate);
  row.cells = {markdown_code(r.metric), baseline_cell, candidate_cell, change_text(r.baseline, r.candidate),
               r.primary_passed ? "✅ better" : "❌ needs " + rule};
  return row;
}

CompareRow guard_row(const CompareResult& r, const GuardResult& g) {
  const std::string bound = bound_word(g.direction);
  CompareRow row;
  std::string message;
  if (r.predictions) {
    message = "guard " + g.guard.metric + " " + short_number(g.candidate - g.baseline, true) + " (" +
              short_number(g.baseline) + " → " + short_number(g.candidate) + "), allowed " + bound +
              format_human(g.check.bound) + " (tolerance " + g.guard.spelled + ")";
    if (g.significantly_worse) {
      message += ", significantly worse: " + p_text(g.test->p_worse, g.test->alpha) + " (" + g.test->description + ")";
    }
    row.cells = {markdown_code(g.guard.metric) + " (guard)",
                 format_human(g.baseline),
                 format_human(g.candidate),
                 format_signed(g.candidate - g.baseline),
                 g.test ? p_cell(g.test->p_worse, g.test->alpha) : "—",
                 guard_verdict_cell(g)};
  } else {
    const auto [candidate_text, bound_number] = distinct_texts(g.candidate, g.check.bound);
    message = "guard " + g.guard.metric + " is " + candidate_text + " against " +
              distinct_texts(g.candidate, g.baseline).second + " (" + change_text(g.baseline, g.candidate, true) +
              "), allowed " + bound + bound_number + " (tolerance " + g.guard.spelled + "), " +
              direction_word(g.direction) + " is better (" + g.direction.reason + ")";
    const auto [baseline_cell, candidate_cell] = distinct_texts(g.baseline, g.candidate);
    row.cells = {markdown_code(g.guard.metric) + " (guard)", baseline_cell, candidate_cell,
                 change_text(g.baseline, g.candidate), guard_verdict_cell(g)};
  }
  row.check = {"guard " + g.guard.metric, g.passed, message};
  return row;
}

ordered_json primary_json(const CompareResult& r) {
  ordered_json primary;
  primary["metric"] = r.metric;
  primary["direction"] = direction_word(r.direction);
  primary["direction_reason"] = r.direction.reason;
  primary[r.margin.relative ? "min_rel_delta" : "min_delta"] = r.margin.value;
  if (r.absent) {
    primary["baseline"] = nullptr;
    primary["candidate"] = r.candidate;
    primary["delta"] = nullptr;
    primary["rel_delta"] = nullptr;
    primary["required"] = nullptr;
    primary["passed"] = r.promote;
    return primary;
  }
  const double delta = r.candidate - r.baseline;
  primary["baseline"] = r.baseline;
  primary["candidate"] = r.candidate;
  primary["delta"] = delta;
  primary["rel_delta"] = r.baseline != 0 ? ordered_json(delta / std::fabs(r.baseline)) : ordered_json(nullptr);
  primary["required"] = r.required;
  if (r.predictions) primary["meets_margin"] = r.meets_margin;
  primary["passed"] = r.primary_passed;
  return primary;
}

ordered_json guard_json(const CompareResult& r, const GuardResult& g) {
  ordered_json report;
  report["metric"] = g.guard.metric;
  report["baseline"] = g.baseline;
  report["candidate"] = g.candidate;
  report["delta"] = g.candidate - g.baseline;
  report["tolerance"] = g.guard.spelled;
  report["bound"] = g.check.bound;
  report["direction"] = direction_word(g.direction);
  if (!r.predictions) report["direction_reason"] = g.direction.reason;
  report["passed"] = g.passed;
  if (g.test) report["significance"] = significance_json(*g.test);
  return report;
}

ordered_json significance_json(const Significance& s) {
  ordered_json out;
  out["test"] = test_kind_name(s.test);
  out["description"] = s.description;
  out["alpha"] = s.alpha;
  out["p_value"] = s.p_value;
  out["p_value_worse"] = s.p_worse;
  out["statistic"] = s.statistic;
  out["n"] = s.n;
  out["delta"] = s.delta;
  out["interval"] = {
      {"low", s.interval_low}, {"high", s.interval_high}, {"level", 1 - 2 * s.alpha}, {"method", s.interval_method}};
  if (s.b) out["b"] = *s.b;
  if (s.c) out["c"] = *s.c;
  if (s.test == TestKind::bootstrap) out["bootstrap_samples"] = s.bootstrap_samples;
  out["min_detectable_delta"] = s.min_detectable_delta;
  out["significant"] = s.significant();
  out["significantly_worse"] = s.significantly_worse();
  return out;
}

Outcome compare_outcome(const CompareResult& r) {
  Outcome outcome;
  const ordered_json baseline_path = r.baseline_path.empty() ? ordered_json(nullptr) : ordered_json(r.baseline_path);
  outcome.fields[r.predictions ? "candidate_predictions" : "candidate_file"] = r.candidate_path;
  outcome.fields[r.predictions ? "baseline_predictions" : "baseline_file"] = baseline_path;
  if (r.registry) outcome.fields["baseline_registry"] = registry_json(*r.registry);
  if (r.absent) return no_baseline_outcome(r, std::move(outcome));

  std::vector<CompareRow> rows = {primary_row(r)};
  ordered_json guards = ordered_json::array();
  for (const auto& guard : r.guards) {
    rows.push_back(guard_row(r, guard));
    guards.push_back(guard_json(r, guard));
  }
  MarkdownTable table = r.predictions ? MarkdownTable({"Metric", "Baseline", "Candidate", "Change", "p", "Verdict"})
                                      : MarkdownTable({"Metric", "Baseline", "Candidate", "Change", "Verdict"});
  for (auto& row : rows) {
    outcome.console += check_line(row.check);
    table.add_row(row.cells);
    outcome.checks.push_back(std::move(row.check));
  }

  const std::string reason = decision_reason(r);
  outcome.status = r.promote ? ExitStatus::pass : ExitStatus::gate_failed;
  outcome.fields["decision"] = r.promote ? "promote" : "keep";
  outcome.fields["reason"] = reason;
  outcome.fields["primary"] = primary_json(r);
  if (r.predictions)
    outcome.fields["significance"] = r.significance ? significance_json(*r.significance) : ordered_json(nullptr);
  outcome.fields["guards"] = std::move(guards);
  outcome.headline = (r.promote       ? std::string("promote")
                      : r.predictions ? "keep"
                                      : "keep the baseline") +
                     ": " + reason;
  outcome.console += "ml-compare: " + printable(outcome.headline) + "\n";
  outcome.dotenv = {{"DECISION", r.promote ? "promote" : "keep"}};
  if (r.predictions) {
    // The sentence heads the summary (the guards' reason goes to the headline only).
    outcome.markdown_body = "**" + std::string(r.promote ? "promote" : "keep") + ":** " +
                            markdown_text(predictions_sentence(r)) + "\n\n" + table.render();
    if (r.significance) outcome.dotenv.emplace_back("P_VALUE", format_number(r.significance->p_value));
  } else {
    outcome.markdown_body = table.render();
  }
  return outcome;
}

}  // namespace lean
