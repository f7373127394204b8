// Predictions files as ml-validate --predictions reads them (first byte: the task), then
// every metric computed: whatever the bytes, an input error or metrics, never a crash; and the
// read for metrics only (tallied when it can be) says the same as the read of every row.
#include "core/error.hpp"
#include "evaluate/evaluation.hpp"
#include "evaluate/predictions.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lean::fuzz::ToolRun run;
  if (size == 0) return 0;
  lean::PredictionColumns columns;
  columns.task = static_cast<lean::Task>(data[0] % 4);
  if (data[0] & 4) columns.weight = "w";
  if (data[0] & 8) columns.pos_label = "1";
  const std::string path = run.write("p.csv", lean::fuzz::text(data + 1, size - 1));
  // The metrics JSON as ml-validate writes it, or the error's text.
  const auto outcome = [&](auto read) {
    try {
      const lean::PredictionTable table = read(path, columns);
      return lean::Evaluator(table, "").all().metrics.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const lean::Error& error) {
      return "error: " + error.describe();
    }
  };
  if (outcome(lean::read_predictions) != outcome(lean::read_predictions_for_metrics)) __builtin_trap();
  return 0;
}
