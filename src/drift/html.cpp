#include "drift/html.hpp"

#include <algorithm>
#include <cstdio>

#include "core/version.hpp"
#include "drift/quality_report.hpp"
#include "report/outputs.hpp"

namespace lean {
namespace {

constexpr double kWidth = 640, kHeight = 190;
constexpr double kLeft = 44, kRight = 10, kTop = 12, kBottom = 40;
constexpr std::size_t kLabelChars = 14;

const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:24px auto;max-width:1080px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 4px}
.verdict{padding:14px 18px;border-radius:8px;margin-bottom:16px}
.verdict.fail{background:#ffebe9;border:1px solid #ff8182}.verdict.pass{background:#dafbe1;border:1px solid #4ac26b}
.meta{color:#59636e;font-size:13px}
table{border-collapse:collapse;width:100%;margin:12px 0 24px;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d1d9e0}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.drift td:first-child{border-left:4px solid #cf222e}tr.skip{color:#59636e}
.cols{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px}
section{border:1px solid #d1d9e0;border-radius:8px;padding:12px}section.drift{border-color:#cf222e}
.badge{font-size:12px;border-radius:10px;padding:1px 8px;margin-left:6px;color:#fff;background:#1a7f37}
.badge.drift{background:#cf222e}.badge.skip{background:#818b98}
svg{width:100%;height:auto;display:block}svg text{font-size:10px;fill:#59636e}
.ref{fill:#0969da;fill-opacity:.45}.cur{fill:#fb8500;fill-opacity:.45;stroke:#bc4c00;stroke-width:.6}
.axis{fill:none;stroke:#8c959f;stroke-width:1}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
)";

std::string fixed(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::string shorten(const std::string& text) {
  if (text.size() <= kLabelChars) return text;
  std::size_t cut = kLabelChars - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return text.substr(0, cut) + "…";
}

// One <path> with a rectangle per bar: far smaller than one <rect> element per bar.
std::string bars_path(const std::vector<double>& lefts, double width, const std::vector<double>& heights,
                      double scale) {
  std::string d;
  const double base = kHeight - kBottom;
  for (std::size_t i = 0; i < heights.size(); ++i) {
    const double h = heights[i] * scale;
    if (h <= 0) continue;
    d += "M" + fixed(lefts[i]) + " " + fixed(base) + "v-" + fixed(h) + "h" + fixed(width) + "v" + fixed(h) + "z";
  }
  return d;
}

std::string chart_svg(const Chart& chart, const std::string& title) {
  const std::size_t bars = chart.reference_share.size();
  std::string svg = "<svg viewBox=\"0 0 " + fixed(kWidth) + " " + fixed(kHeight) +
                    "\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>" + escape_html(title) + "</title>";
  if (bars == 0) return svg + "</svg>";
  double top = 0;
  for (std::size_t i = 0; i < bars; ++i) top = std::max({top, chart.reference_share[i], chart.current_share[i]});
  if (top <= 0) top = 1;
  const double plot_width = kWidth - kLeft - kRight, plot_height = kHeight - kTop - kBottom;
  const double scale = plot_height / top;
  const double step = plot_width / static_cast<double>(bars);
  std::vector<double> lefts;
  for (std::size_t i = 0; i < bars; ++i) lefts.push_back(kLeft + step * static_cast<double>(i));
  const double base = kHeight - kBottom;
  svg += "<path class=\"axis\" d=\"M" + fixed(kLeft) + " " + fixed(kTop) + "V" + fixed(base) + "H" +
         fixed(kWidth - kRight) + "\"/>";
  svg += "<text x=\"" + fixed(kLeft - 4) + "\" y=\"" + fixed(kTop + 8) + "\" text-anchor=\"end\">" +
         escape_html(short_number(top * 100)) + "%</text>";
  svg += "<text x=\"" + fixed(kLeft - 4) + "\" y=\"" + fixed(base) + "\" text-anchor=\"end\">0</text>";
  if (chart.histogram) {
    svg += "<path class=\"ref\" d=\"" + bars_path(lefts, step, chart.reference_share, scale) + "\"/>";
    svg += "<path class=\"cur\" d=\"" + bars_path(lefts, step, chart.current_share, scale) + "\"/>";
    const std::size_t marks[] = {0, chart.edges.size() / 2, chart.edges.size() - 1};
    const char* anchors[] = {"start", "middle", "end"};
    for (int m = 0; m < 3; ++m) {
      const std::size_t k = marks[m];
      const double x = kLeft + step * static_cast<double>(k);
      svg += "<text x=\"" + fixed(x) + "\" y=\"" + fixed(base + 14) + "\" text-anchor=\"" + anchors[m] + "\">" +
             escape_html(short_number(chart.edges[k])) + "</text>";
    }
    if (chart.quantile_bins) {
      svg += "<text x=\"" + fixed(kLeft + plot_width / 2) + "\" y=\"" + fixed(base + 28) +
             "\" text-anchor=\"middle\">long-tailed: bins at the reference's quantiles (not to scale)</text>";
    }
  } else {
    // Side by side within each category, so both stay visible however they compare.
    const double width = step * 0.4;
    std::vector<double> cur_lefts;
    for (std::size_t i = 0; i < bars; ++i) {
      lefts[i] += step * 0.1;
      cur_lefts.push_back(lefts[i] + width);
    }
    svg += "<path class=\"ref\" d=\"" + bars_path(lefts, width, chart.reference_share, scale) + "\"/>";
    svg += "<path class=\"cur\" d=\"" + bars_path(cur_lefts, width, chart.current_share, scale) + "\"/>";
    for (std::size_t i = 0; i < bars; ++i) {
      const double x = cur_lefts[i];
      svg += "<text x=\"" + fixed(x) + "\" y=\"" + fixed(base + 12) + "\" text-anchor=\"end\" transform=\"rotate(-30 " +
             fixed(x) + " " + fixed(base + 12) + ")\">" + escape_html(shorten(valid_utf8(chart.labels[i]))) + "</text>";
    }
  }
  return svg + "</svg>";
}

// The rule that decides drift: "p < 0.05" for a test, "≥ 0.1" for a distance.
std::string threshold_rule(const ColumnResult& column) {
  if (!column.threshold) return "—";
  const bool p_value = column.method && gives_p_value(*column.method);
  return (p_value ? "p < " : "statistic ≥ ") + short_number(*column.threshold);
}

std::string column_details(const ColumnResult& column) {
  std::string out = column.numeric ? "numeric" : "categorical";
  if (column.method) out += " · " + std::string(method_name(*column.method));
  if (column.statistic) out += " · statistic " + short_number(*column.statistic);
  if (column.p_value) out += " · p " + short_number(*column.p_value);
  if (column.p_value_adjusted) out += " (adjusted " + short_number(*column.p_value_adjusted) + ")";
  if (column.threshold) out += " · drift when " + threshold_rule(column);
  out += " · n " + std::to_string(column.n_reference) + " / " + std::to_string(column.n_current);
  out += " · missing " + std::to_string(column.missing_reference) + " / " + std::to_string(column.missing_current);
  if (!column.skipped.empty()) out += " · skipped: " + column.skipped;
  return escape_html(out);
}

std::string badge(const ColumnResult& column) {
  if (column.drift) return "<span class=\"badge drift\">drift</span>";
  if (!column.skipped.empty()) return "<span class=\"badge skip\">skipped</span>";
  return "<span class=\"badge\">no drift</span>";
}

}  // namespace

std::string escape_html(const std::string& text) {
  return escape_xml(text);  // valid HTML5 and SVG; controls and bidi characters shown as escapes
}

std::string render_drift_html(const DriftRun& run) {
  const auto& dataset = run.dataset;
  const bool quality_failed = failed_count(run.quality) > 0;
  std::string verdict = dataset.drift ? "Dataset drift" : "No dataset drift";
  if (run.quality_checked) {
    const std::string quality = quality_failed ? "data quality failed" : "data quality passed";
    verdict = run.drift_checked ? verdict + ", " + quality : "D" + quality.substr(1);
  }
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>ml-drift: " +
      verdict + "</title><style>" + std::string(kStyle) + "</style></head><body>\n";
  html += "<div class=\"verdict " + std::string(dataset.drift || quality_failed ? "fail" : "pass") + "\"><h1>" +
          verdict + "</h1><p>" + std::to_string(dataset.drifted) + " of " + std::to_string(dataset.tested) +
          " tested columns drifted (share " + short_number(dataset.share) + ", dataset drift at " +
          short_number(run.settings.drift_share) + ")";
  const std::size_t skipped = run.columns.size() - dataset.tested;
  if (skipped) html += "; " + std::to_string(skipped) + " skipped";
  html += ".</p><p class=\"meta\">reference " + escape_html(valid_utf8(run.reference_path)) + " (" +
          std::to_string(run.reference_rows) + " rows) · current " + escape_html(valid_utf8(run.current_path)) + " (" +
          std::to_string(run.current_rows) + " rows) · correction " + correction_name(run.settings.correction) +
          " · ml-drift " + kVersion + "</p></div>\n";
  html += quality_html(run);

  const auto order = reading_order(run.columns);
  if (!run.excluded.empty()) {
    std::string names;
    for (const auto& name : run.excluded) names += (names.empty() ? "" : ", ") + valid_utf8(name);
    html += "<p class=\"meta\">Not compared (--columns / --exclude): " + escape_html(names) + "</p>\n";
  }
  html +=
      "<table><thead><tr><th>Column</th><th>Type</th><th>Method</th><th>Statistic</th><th>p-value</th>"
      "<th>Drift when</th><th>Result</th></tr></thead><tbody>\n";
  for (std::size_t i : order) {
    const auto& c = run.columns[i];
    const char* row_class = c.drift ? "drift" : c.skipped.empty() ? "ok" : "skip";
    html += "<tr class=\"" + std::string(row_class) + "\"><td><a href=\"#c" + std::to_string(i) + "\">" +
            escape_html(valid_utf8(c.name)) + "</a></td><td>" + (c.numeric ? "numeric" : "categorical") + "</td><td>" +
            (c.method ? method_name(*c.method) : "—") + "</td><td class=\"n\">" +
            (c.statistic ? short_number(*c.statistic) : "—") + "</td><td class=\"n\">" +
            (c.p_value ? short_number(c.p_value_adjusted.value_or(*c.p_value)) : "—") + "</td><td class=\"n\">" +
            escape_html(threshold_rule(c)) + "</td><td>" +
            (c.drift             ? "drift"
             : c.skipped.empty() ? "no drift"
                                 : "skipped: " + escape_html(c.skipped)) +
            "</td></tr>\n";
  }
  html +=
      "</tbody></table>\n<p class=\"meta\"><span class=\"key ref\" style=\"background:#0969da80\"></span>reference"
      "<span class=\"key cur\" style=\"background:#fb850080\"></span>current (shares of each side's values)</p>\n"
      "<div class=\"cols\">\n";
  for (std::size_t i : order) {
    const auto& c = run.columns[i];
    const std::string name = valid_utf8(c.name);
    html += "<section id=\"c" + std::to_string(i) + "\" class=\"" + (c.drift ? "drift" : "") + "\"><h2>" +
            escape_html(name) + badge(c) + "</h2><p class=\"meta\">" + column_details(c) + "</p>" +
            chart_svg(c.chart, name + ": reference and current distributions") + "</section>\n";
  }
  html += "</div></body></html>\n";
  return html;
}

}  // namespace lean
