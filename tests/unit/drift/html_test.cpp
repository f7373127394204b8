#include "drift/html.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("the HTML report is self-contained, escapes names and draws drifted columns first") {
  DriftRun run;
  run.columns.resize(2);
  run.columns[0].name = "calm";
  run.columns[0].method = Method::ks, run.columns[0].statistic = 0.1, run.columns[0].p_value = 0.5;
  run.columns[0].threshold = 0.05;
  run.columns[0].chart = {true, {}, {0, 1, 2}, {0.5, 0.5}, {0.4, 0.6}, false};
  run.columns[1].name = "<script>alert(1)</script>";
  run.columns[1].numeric = false;
  run.columns[1].method = Method::chi2, run.columns[1].statistic = 9, run.columns[1].p_value = 0.001;
  run.columns[1].threshold = 0.05, run.columns[1].drift = true;
  run.columns[1].chart = {false, {"a&b", "c"}, {}, {0.9, 0.1}, {0.2, 0.8}, false};
  run.dataset = {2, 1, 0.5, true};
  const std::string html = render_drift_html(run);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;") != std::string::npos);
  CHECK(html.find("a&amp;b") != std::string::npos);
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // the SVG namespace only
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("id=\"c1\"") < html.find("id=\"c0\""));
  CHECK(html.find("Dataset drift") != std::string::npos);
}

TEST_CASE("the HTML states each threshold's direction, the excluded columns and long-tailed bins") {
  DriftRun run;
  run.columns.resize(2);
  run.columns[0].name = "p";
  run.columns[0].method = Method::ks, run.columns[0].statistic = 0.1, run.columns[0].p_value = 0.5;
  run.columns[0].threshold = 0.05;
  run.columns[0].chart = {true, {}, {0, 1, 1000}, {0.5, 0.5}, {0.4, 0.6}, true};
  run.columns[1].name = "d";
  run.columns[1].method = Method::wasserstein, run.columns[1].statistic = 0.3, run.columns[1].threshold = 0.1;
  run.columns[1].drift = true;
  run.excluded = {"id", "ts"};
  run.dataset = {2, 1, 0.5, true};
  const std::string html = render_drift_html(run);
  CHECK(html.find("<th>Drift when</th>") != std::string::npos);
  CHECK(html.find("<td class=\"n\">p &lt; 0.05</td>") != std::string::npos);
  CHECK(html.find("<td class=\"n\">statistic ≥ 0.1</td>") != std::string::npos);
  CHECK(html.find("Not compared (--columns / --exclude): id, ts") != std::string::npos);
  CHECK(html.find("long-tailed: bins at the reference's quantiles") != std::string::npos);
}
