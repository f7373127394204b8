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
  CHECK_FALSE(infer_direction("tokens_per_s").lower_is_better);  // a rate, not a duration
  CHECK_FALSE(infer_direction("roc_auc").lower_is_better);
  CHECK_FALSE(infer_direction("true_positive_rate").lower_is_better);
  CHECK_FALSE(infer_direction("entropy").lower_is_better);
  CHECK(infer_direction("accuracy").reason == "default");
}

TEST_CASE("names split into words at snake, kebab, camelCase and digit boundaries") {
  CHECK(metric_name_words("valLoss") == std::vector<std::string>{"val", "loss"});
  CHECK(metric_name_words("meanSquaredError") == std::vector<std::string>{"mean", "squared", "error"});
  CHECK(metric_name_words("HTTPError") == std::vector<std::string>{"http", "error"});
  CHECK(metric_name_words("eval/p95-latency_ms") == std::vector<std::string>{"eval", "p", "95", "latency", "ms"});
  CHECK(metric_name_words("f1score") == std::vector<std::string>{"f", "1", "score"});
}

TEST_CASE("sklearn's neg_ scorers are higher-is-better although they name a loss") {
  for (const char* name :
       {"neg_mean_squared_error", "neg_log_loss", "test.neg_root_mean_squared_error", "negLogLoss"}) {
    CAPTURE(name);
    CHECK_FALSE(infer_direction(name).lower_is_better);
  }
  CHECK(infer_direction("neg_log_loss").reason ==
        "the name starts with \"neg\" (a negated loss, as sklearn's neg_* scorers)");
  CHECK_FALSE(infer_direction("negative_predictive_value").lower_is_better);
}

TEST_CASE("the issue's real metric names that improve downwards are lower-is-better") {
  for (const char* name : {"mape",
                           "smape",
                           "rmsle",
                           "logloss",
                           "mlogloss",
                           "wer",
                           "cer",
                           "perplexity",
                           "brier_score",
                           "nll",
                           "cross_entropy",
                           "kl_divergence",
                           "false_positive_rate",
                           "fpr",
                           "fnr",
                           "memory_mb",
                           "model_size_mb",
                           "runtime_s",
                           "valLoss",
                           "meanSquaredError",
                           "val-loss",
                           "eval.p95_ms"}) {
    CAPTURE(name);
    CHECK(infer_direction(name).lower_is_better);
  }
  CHECK(infer_direction("false_positive_rate").reason == "the name contains \"false positive rate\"");
  CHECK(infer_direction("runtime_s").reason == "the name contains \"runtime\"");
  CHECK(infer_direction("model_size_mb").reason == "the name ends in the unit \"mb\"");
}
