// Answers of the Prometheus query API as ml-validate --prometheus decodes them, with every
// HTTP status class, and the durations and times the command line takes. A body of the
// wrong shape is an error naming it (lean::Error), never a JSON library exception; gap
// detection never reports more missing steps than the range has.
#include "core/error.hpp"
#include "core/timestamp.hpp"
#include "fuzz_util.hpp"
#include "prometheus/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input = lean::fuzz::text(data, size);
  (void)lean::prometheus::parse_duration(input);
  (void)lean::parse_timestamp(input);
  for (const long status : {200L, 400L, 422L, 503L}) {
    try {
      const auto answer = lean::prometheus::decode_query_response(status, input, "http://p/api/v1/query", "q");
      for (const auto& series : answer.series) {
        (void)lean::prometheus::label_set_text(series);
        const auto gaps = lean::prometheus::find_gaps(series.samples, 0, 3600, 60, 0);
        std::size_t missing = 0;
        for (const auto& gap : gaps) missing += gap.missing_steps;
        if (missing > lean::prometheus::expected_points(0, 3600, 60)) lean::fuzz::finding("more gaps than steps");
      }
    } catch (const lean::Error&) {
    }
  }
  return 0;
}
