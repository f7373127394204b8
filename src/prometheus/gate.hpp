#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/http_client.hpp"
#include "prometheus/query.hpp"
#include "report/outcome.hpp"

namespace lean::prometheus {

// What ml-validate --prometheus asks: each query becomes the metric NAME.
struct GateQuery {
  std::string name;
  std::string promql;
};
struct GateRequest {
  std::string url;
  std::vector<GateQuery> queries;
  double at = 0;                // evaluation time (the end of a range), Unix seconds
  std::optional<double> range;  // seconds: query_range over [at - range, at]
  double step = 300;            // seconds, with range
  double max_gap = 0;           // seconds of missing steps tolerated, with range
  bool allow_missing = false;   // a query without data is skipped instead of exit 3
  http::ClientOptions http;
};

// One query's answer, reduced to the values a gate checks.
struct GateSeries {
  std::string name;
  std::string promql;
  bool missing = false;           // no data, allowed by allow_missing
  std::vector<double> values;     // instant: one value; range: the points, oldest first
  std::vector<Gap> gaps;          // range only: stretches without points beyond max_gap
  nlohmann::ordered_json report;  // what the report shows of it: query, time(s), labels, values
};

// "NAME=PROMQL" (the first "=" splits; NAME is a metric name: a letter, then letters,
// digits, "_" and "."). Usage error otherwise.
GateQuery parse_gate_query(const std::string& text);

// Evaluates every query (credentials from the environment: Credentials::from_env). No data
// is an input error naming the query ("the query returned no data"), unless allow_missing;
// more than one series is an input error listing up to 10 label sets.
std::vector<GateSeries> query_for_gate(const GateRequest& request);

// The metrics JSON --write-metrics writes: instant queries as {"NAME": value}, range queries
// as {"NAME": {"mean": .., "min": .., "max": .., "median": .., "last": .., "count": ..}}.
nlohmann::ordered_json gate_metrics_json(const std::vector<GateSeries>& series, bool range);

// The URL as reports and messages show it (no credentials, no query string).
std::string shown_url(const std::string& url);

// Adds the gaps of range queries to a gate's outcome: a "GAP" line each, the report's
// "gaps" count, and with require_complete a failed check "complete(NAME)" per query with a
// gap, which fails the gate (exit 1).
void add_completeness(Outcome& outcome, const std::vector<GateSeries>& series, bool require_complete);

}  // namespace lean::prometheus
