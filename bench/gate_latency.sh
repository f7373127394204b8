#!/usr/bin/env bash
# Gate latency: ml-validate against the Python check our users run today, written the way
# the article's validate.py is (json + numpy + scikit-learn imports), on the same metrics
# file. Prints the median wall time of each and the ratio; the anchor is the Python check.
# Also ml-compare against the article's shell "Compare and deploy" step (its anchor).
# A benchmark, not a test: nothing here fails on a slow machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-30}
[ -x build/bin/ml-validate ] || ./scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp examples/metrics/candidate-good.json "$work/metrics.json"
cat > "$work/validate.py" <<'PY'
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score  # noqa: F401  (imported as the article's script does)

with open(sys.argv[1]) as f:
    metrics = json.load(f)
acc = np.float64(metrics["accuracy"])
if acc < 0.85:
    raise ValueError(f"Accuracy {acc:.3f} below threshold 0.85")
print(f"Validation passed: accuracy {acc:.3f}")
PY

# The article's "Compare and deploy" step, without the upload: two python -c reads and bc.
cp examples/metrics/production.json "$work/old_metrics.json"
cat > "$work/compare.sh" <<'SH'
cd "$1"
python3() { /usr/bin/python3 "$@"; }  # Debian's, as for validate.py: not a slower shim on PATH
NEW_ACC=$(python3 -c "import json; print(json.load(open('metrics.json'))['accuracy'])")
OLD_ACC=$(python3 -c "import json; print(json.load(open('old_metrics.json'))['accuracy'])" 2>/dev/null || echo 0)
if (( $(echo "$NEW_ACC > $OLD_ACC + 0.01" | bc -l) )); then echo promote; fi
SH

python=/usr/bin/python3
hyperfine --style none --warmup 3 --runs "$runs" -N --export-json "$work/times.json" \
  -n ml-validate "build/bin/ml-validate $work/metrics.json --require accuracy>=0.85 --no-ci --quiet" \
  -n python-validate "$python $work/validate.py $work/metrics.json" \
  -n ml-compare "build/bin/ml-compare --candidate $work/metrics.json --baseline $work/old_metrics.json --metric accuracy --min-delta 0.01 --no-ci --quiet" \
  -n shell-compare "bash $work/compare.sh $work" \
  -n process-start "/bin/true" >/dev/null

$python - "$work/times.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ml = results["ml-validate"]["median"]
py = results["python-validate"]["median"]
print(f"gate latency, median of {len(results['ml-validate']['times'])} runs each")
print(f"  python validate.py (anchor): {py * 1000:9.2f} ms")
print(f"  ml-validate:                 {ml * 1000:9.3f} ms")
print(f"  /bin/true (the floor: starting any process here): {results['process-start']['median'] * 1000:.3f} ms")
print(f"  ratio: ml-validate is {py / ml:.0f}x faster (target: >= 200x, and under 5 ms)")
cpu = {k: r["user"] + r["system"] for k, r in results.items()}
print(f"  CPU time (user+system, mean): python {cpu['python-validate'] * 1000:.1f} ms, "
      f"ml-validate {cpu['ml-validate'] * 1000:.2f} ms, ratio {cpu['python-validate'] / cpu['ml-validate']:.0f}x")
mc, sc = results["ml-compare"]["median"], results["shell-compare"]["median"]
print(f"  compare step: the article's python -c + bc (anchor) {sc * 1000:.2f} ms, "
      f"ml-compare {mc * 1000:.3f} ms: {sc / mc:.0f}x faster")
PY

# Instructions do not depend on what else the machine is doing: a figure to compare runs.
if command -v valgrind >/dev/null; then
  instructions=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null build/bin/ml-validate "$work/metrics.json" \
    --require 'accuracy>=0.85' --no-ci --quiet 2>&1 | sed -n 's/.*Collected : //p')
  echo "  ml-validate executes $instructions instructions (callgrind), start-up included"
fi
