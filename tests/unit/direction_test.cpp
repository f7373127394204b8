#include "metrics/direction.hpp"

#include <doctest/doctest.h>

using namespace lean;

TEST_CASE("loss-like names are lower-is-better, by whole word") {
  CHECK(infer_direction("val_loss").lower_is_better);
  CHECK(infer_direction("eval.RMSE").lower_is_better);
  CHECK(infer_direction("/latency/p95_ms").lower_is_better);
  CHECK(infer_direction("error-rate").lower_is_better);
  CHECK(infer_direction("train.time").lower_is_better);
  CHECK(infer_direction("inference_cost").lower_is_better);
  CHECK(infer_direction("val_loss").reason == "the name contains \"loss\"");
}

TEST_CASE("other names are higher-is-better") {
  CHECK_FALSE(infer_direction("accuracy").lower_is_better);
  CHECK_FALSE(infer_direction("eval.f1").lower_is_better);
  CHECK_FALSE(infer_direction("runtime_budget_ok").lower_is_better);  // "runtime" is not "time"
  CHECK(infer_direction("accuracy").reason == "default");
}
