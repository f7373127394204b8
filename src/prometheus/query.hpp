#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lean::prometheus {

// One series of a Prometheus query API answer (/api/v1/query, /api/v1/query_range): its
// label set and its samples, oldest first. A scalar answer is one series without labels.
struct Sample {
  double time = 0;  // Unix seconds
  double value = 0;
};
struct Series {
  std::vector<std::pair<std::string, std::string>> labels;  // as the server sent them
  std::vector<Sample> samples;
};
struct QueryData {
  std::string result_type;  // "vector", "scalar", "matrix" (a "string" answer is an input error)
  std::vector<Series> series;
  // The answer's "warnings" and "infos" (Prometheus 2.x/3.x: a partial answer, a result that
  // may be wrong, a hint about the query), as the server sent them, at most kShownNotes each;
  // the *_omitted counts say how many more there were.
  std::vector<std::string> warnings, infos;
  std::size_t warnings_omitted = 0, infos_omitted = 0;
};
inline constexpr std::size_t kShownNotes = 10;

// Decodes an answer of the query API (Prometheus, Thanos, Cortex/Mimir, VictoriaMetrics:
// {"status": "success", "data": {"resultType": ..., "result": ...}}). An error answer
// ({"status": "error", "errorType": ..., "error": ...}) is shown in the message: bad_data and
// execution errors (HTTP 400, 422: the query itself) are input errors (exit 3), anything
// else, and an answer that is not the API's JSON, is a remote error (exit 4). `subject`
// names the endpoint, `query_name` the query in messages.
QueryData decode_query_response(long status, std::string_view body, const std::string& subject,
                                const std::string& query_name);

// {job="api", instance="a:9100"}, the way PromQL writes a label set ({} for none).
std::string label_set_text(const Series& series);

// A Prometheus duration: "90s", "5m", "24h", "1h30m", "7d", "1w" (ms, s, m, h, d, w, y);
// nullopt when it is not one or is zero.
std::optional<double> parse_duration(const std::string& text);
// The shortest spelling of a duration in whole seconds: 86400 -> "1d", 5400 -> "1h30m".
std::string format_duration(double seconds);

// A stretch of a range query's steps without a sample.
struct Gap {
  double from = 0;  // the first missing step
  double to = 0;    // the last missing step
  std::size_t missing_steps = 0;
  double seconds = 0;  // missing_steps * step: how much of the range is not covered
};
// The steps of [start, end] every `step` seconds that have no sample in `samples` (oldest
// first), as stretches longer than `max_gap` seconds (0: every missing step).
std::vector<Gap> find_gaps(const std::vector<Sample>& samples, double start, double end, double step, double max_gap);
// How many points a range query over [start, end] every `step` seconds answers at most.
std::size_t expected_points(double start, double end, double step);

}  // namespace lean::prometheus
