// Predictions files as ml-validate --predictions reads them (first byte: the task), then
// every metric computed: whatever the bytes, an input error or metrics, never a crash.
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
  try {
    const lean::PredictionTable table = lean::read_predictions(path, columns);
    const lean::Evaluator evaluator(table, "");
    (void)evaluator.all().metrics.dump(-1, ' ', false,
                                       nlohmann::json::error_handler_t::replace);  // as ml-validate writes it
  } catch (const lean::Error&) {
  }
  return 0;
}
