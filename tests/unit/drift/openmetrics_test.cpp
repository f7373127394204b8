#include "drift/openmetrics.hpp"

#include "test_util.hpp"

using namespace lean;

TEST_CASE("OpenMetrics text: per-column gauges of tested columns, dataset gauges, escaped labels, # EOF") {
  DriftRun run;
  run.columns.resize(2);
  run.columns[0].name = "a\"b\\c";
  run.columns[0].method = Method::ks, run.columns[0].statistic = 0.25, run.columns[0].p_value = 0.01;
  run.columns[0].threshold = 0.05, run.columns[0].drift = true;
  run.columns[1].name = "skipped";
  run.columns[1].skipped = "constant: one value on both sides";
  run.dataset = {1, 1, 1.0, true};
  const std::string text = render_openmetrics(run);
  CHECK(text.find("ml_drift_column_statistic{column=\"a\\\"b\\\\c\",method=\"ks\"} 0.25\n") != std::string::npos);
  CHECK(text.find("ml_drift_column_p_value{column=\"a\\\"b\\\\c\",method=\"ks\"} 0.01\n") != std::string::npos);
  CHECK(text.find("ml_drift_column_drift{column=\"a\\\"b\\\\c\",method=\"ks\"} 1\n") != std::string::npos);
  CHECK(text.find("skipped") == std::string::npos);
  CHECK(text.find("# TYPE ml_drift_dataset_drift gauge\nml_drift_dataset_drift 1\n") != std::string::npos);
  CHECK(text.size() >= 6);
  CHECK(text.substr(text.size() - 6) == "# EOF\n");
  CHECK(render_prometheus_text(run).find("# EOF") == std::string::npos);
  CHECK(escape_label_value("x\ny") == "x\\ny");
}

TEST_CASE("a label value holds no raw control or bidi character: their printable escapes, backslash escaped") {
  CHECK(escape_label_value("a\x1b[2K\xe2\x80\xae\"b\\\nc\td") == "a\\\\e[2K\\\\u202e\\\"b\\\\\\nc\\\\td");
  CHECK(escape_label_value("caf\xc3\xa9") == "caf\xc3\xa9");
}
