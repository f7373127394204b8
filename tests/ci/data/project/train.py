"""Stand-in for a user's training script (tests/ci/test_gitlab_pipeline.py): writes model.pkl
and metrics.json; FIXTURE_QUALITY (good, worse, bad) picks the metrics."""
import json
import os

quality = os.environ.get("FIXTURE_QUALITY", "good")
metrics = {
    "good": {"accuracy": 0.891, "eval": {"f1": 0.875, "roc_auc": 0.944}, "latency": {"p95_ms": 25.6}, "model_size_mb": 43.0},
    "worse": {"accuracy": 0.866, "eval": {"f1": 0.840, "roc_auc": 0.925}, "latency": {"p95_ms": 23.1}, "model_size_mb": 38.9},
    "bad": {"accuracy": 0.801, "eval": {"f1": 0.760, "roc_auc": 0.880}, "latency": {"p95_ms": 61.0}, "model_size_mb": 40.0},
}[quality]
with open("metrics.json", "w") as f:
    json.dump(metrics, f, indent=2)
with open("model.pkl", "wb") as f:
    f.write(f"a {quality} model\n".encode() * 1000)
print(f"trained a {quality} model: accuracy {metrics['accuracy']}")
