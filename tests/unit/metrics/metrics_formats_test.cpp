#include "metrics/metrics_formats.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.hpp"

TEST_CASE("YAML metrics become the same JSON a metrics file holds") {
  lean::test::TempDir dir;
  const std::string path = dir.write("m.yaml", "accuracy: 0.9\nsteps: 12\nname: 'v1'\nok: true\neval:\n  f1: 0.8\n");
  const auto json = nlohmann::ordered_json::parse(*lean::metrics_json_from_other_format(path));
  CHECK(json.dump() == R"({"accuracy":0.9,"steps":12,"name":"v1","ok":true,"eval":{"f1":0.8}})");
  CHECK_FALSE(lean::metrics_json_from_other_format(dir.write("m.json", "{}")).has_value());
}

TEST_CASE("an MLflow run: the latest value of each metric") {
  lean::test::TempDir dir;
  std::filesystem::create_directories(dir.file("run/metrics"));
  dir.write("run/meta.yaml", "run_id: x\n");
  dir.write("run/metrics/loss", "10 0.9 0\n30 0.4 5\n20 0.5 5\n40 0.7 4\n");
  const auto json = nlohmann::ordered_json::parse(*lean::metrics_json_from_other_format(dir.file("run")));
  CHECK(json["loss"].get<double>() == 0.4);  // step 5 beats step 4; timestamp 30 beats 20
}
