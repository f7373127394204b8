#!/usr/bin/env bash
# Significance and metric speed, against the Python code teams write today, in one run:
# 1. the paired bootstrap of a confusion-matrix metric (f1 of two binary models on ROWS rows,
#    default 1,000,000; N resamples, default 10,000): ml-compare --test bootstrap (a
#    multinomial draw of the joint label x candidate x baseline cells per resample) against
#    the usual numpy + sklearn loop (index resampling, sklearn.metrics.f1_score per resample)
#    at the same N. numpy+sklearn is timed on PY_RESAMPLES resamples (default 200) and scaled
#    to N: running it 10,000 times on a million rows would take hours.
# 2. the metrics of METRIC_ROWS binary predictions (default 10,000,000): ml-validate
#    --predictions (every metric) against pandas.read_csv + sklearn (accuracy, f1, roc_auc,
#    log_loss), wall time and peak memory (max RSS, GNU time).
# The anchors are the Python versions. With BEFORE=/path/to/an/older/ml-compare, part 1 also
# times that binary's bootstrap on the same data and prints the speed-up against it (and
# whether both reports agree); with BEFORE_VALIDATE=/path/to/an/older/ml-validate, part 2
# likewise (and whether both metrics files are byte-identical). A benchmark, not a test:
# nothing here fails on a slow (or loaded) machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
samples=${SAMPLES:-10000}
py_samples=${PY_RESAMPLES:-200}
metric_rows=${METRIC_ROWS:-10000000}
[ -x build/bin/ml-compare ] || ./scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=/usr/bin/python3

echo "generating $rows paired rows and $metric_rows binary predictions..."
$python - "$work" "$rows" "$metric_rows" <<'PY'
import sys
import numpy as np
import pandas as pd

work, rows, metric_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(11)
def predictions(n, noise):
    y = rng.integers(0, 2, n)
    score = np.round(1 / (1 + np.exp(-(1.2 * (2 * y - 1) + noise * rng.normal(0, 1, n)))), 4)
    return y, score
y, base = predictions(rows, 1.3)
cand = np.round(1 / (1 + np.exp(-(1.25 * (2 * y - 1) + 1.3 * rng.normal(0, 1, rows)))), 4)
pd.DataFrame({"y_true": y, "y_pred": (cand >= 0.5).astype(int)}).to_csv(f"{work}/cand.csv", index=False)
pd.DataFrame({"y_true": y, "y_pred": (base >= 0.5).astype(int)}).to_csv(f"{work}/base.csv", index=False)
y, score = predictions(metric_rows, 1.3)
pd.DataFrame({"y_true": y, "y_pred": (score >= 0.5).astype(int), "y_score": score}).to_csv(f"{work}/pred.csv", index=False)
PY
ls -l "$work"/*.csv | awk '{printf "  %s: %.0f MB\n", $NF, $5 / 1e6}'

timed() {  # label command...: prints "wall_seconds max_rss_kb cpu_seconds" (cpu: user + system)
  local label=$1
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/$label.time" "$@" >/dev/null
  # The last line: GNU time puts "Command exited with non-zero status N" above it (a gate that says no).
  tail -n 1 "$work/$label.time" | awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}'
}

echo "1. paired bootstrap of f1, $samples resamples of $rows rows"
read -r ml_boot _ < <(timed ml_boot build/bin/ml-compare --candidate-predictions "$work/cand.csv" \
  --baseline-predictions "$work/base.csv" --metric f1 --significance 0.05 --test bootstrap \
  --bootstrap-samples "$samples" --no-ci --quiet --report "$work/r.json" || true)
read -r ml_read _ < <(timed ml_read build/bin/ml-compare --candidate-predictions "$work/cand.csv" \
  --baseline-predictions "$work/base.csv" --metric f1 --no-ci --quiet || true)
cat > "$work/boot.py" <<'PY'
import sys, time
import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
work, resamples = sys.argv[1], int(sys.argv[2])
c, b = pd.read_csv(f"{work}/cand.csv"), pd.read_csv(f"{work}/base.csv")
y, pc, pb = c.y_true.to_numpy(), c.y_pred.to_numpy(), b.y_pred.to_numpy()
rng = np.random.default_rng(0)
start = time.perf_counter()
deltas = []
for _ in range(resamples):
    i = rng.integers(0, len(y), len(y))
    deltas.append(f1_score(y[i], pc[i]) - f1_score(y[i], pb[i]))
p = (1 + sum(d <= 0 for d in deltas)) / (resamples + 1)
print(time.perf_counter() - start, p)
PY
read -r py_loop py_p < <($python "$work/boot.py" "$work" "$py_samples")
if [ -n "${BEFORE:-}" ]; then
  read -r before_boot _ < <(timed before_boot "$BEFORE" --candidate-predictions "$work/cand.csv" \
    --baseline-predictions "$work/base.csv" --metric f1 --significance 0.05 --test bootstrap \
    --bootstrap-samples "$samples" --no-ci --quiet --report "$work/before.json" || true)
  $python - "$before_boot" "$ml_boot" "$ml_read" "$samples" "$work/before.json" "$work/r.json" <<'PY'
import json, sys
before, after, read, samples = map(float, sys.argv[1:5])
same = json.load(open(sys.argv[5]))["significance"] == json.load(open(sys.argv[6]))["significance"]
b, a = max(before - read, 1e-3), max(after - read, 1e-3)
print(f"  against BEFORE: bootstrap {b:.2f} s -> {a:.2f} s ({b / samples * 1e6:.1f} -> {a / samples * 1e6:.1f} us a resample): "
      f"{b / a:.1f}x faster; the same significance report: {'yes' if same else 'NO'}")
PY
fi
$python - "$ml_boot" "$ml_read" "$py_loop" "$py_samples" "$samples" "$py_p" "$work/r.json" <<'PY'
import json, sys
ml_boot, ml_read, py_loop, py_samples, samples, py_p = map(float, sys.argv[1:7])
report = json.load(open(sys.argv[7]))["significance"]
py_scaled = py_loop * samples / py_samples
ml_only = max(ml_boot - ml_read, 1e-3)
print(f"  ml-compare: {ml_boot:.2f} s in all, of which reading and metrics {ml_read:.2f} s: bootstrap ~{ml_only:.3f} s "
      f"(p = {report['p_value']:.4f})")
print(f"  numpy + sklearn: {py_loop:.1f} s for {py_samples:.0f} resamples -> {py_scaled:.0f} s for {samples:.0f} "
      f"(p = {py_p:.4f} on {py_samples:.0f})")
print(f"  ratio (resampling only): ml-compare is {py_scaled / ml_only:.0f}x faster (target >= 100x); "
      f"end to end incl. reading both files: {py_scaled / ml_boot:.0f}x")
PY

echo "2. metrics of $metric_rows binary predictions"
read -r ml_wall ml_rss ml_cpu < <(timed ml_metrics build/bin/ml-validate --predictions "$work/pred.csv" \
  --write-metrics "$work/m.json" --no-ci --quiet)
cat > "$work/metrics.py" <<'PY'
import sys
import pandas as pd
from sklearn import metrics as m
d = pd.read_csv(sys.argv[1])
print(m.accuracy_score(d.y_true, d.y_pred), m.f1_score(d.y_true, d.y_pred),
      m.roc_auc_score(d.y_true, d.y_score), m.log_loss(d.y_true, d.y_score))
PY
read -r py_wall py_rss py_cpu < <(timed py_metrics $python "$work/metrics.py" "$work/pred.csv")
if [ -n "${BEFORE_VALIDATE:-}" ]; then
  read -r before_wall before_rss before_cpu < <(timed before_metrics "$BEFORE_VALIDATE" --predictions "$work/pred.csv" \
    --write-metrics "$work/before_m.json" --no-ci --quiet)
  same=NO
  cmp -s "$work/before_m.json" "$work/m.json" && same=yes
  echo "  against BEFORE_VALIDATE: $before_cpu s -> $ml_cpu s CPU, $((before_rss / 1024)) -> $((ml_rss / 1024)) MB peak;" \
    "byte-identical metrics: $same"
fi
$python - "$ml_wall" "$ml_rss" "$ml_cpu" "$py_wall" "$py_rss" "$py_cpu" <<'PY'
import sys
ml_wall, ml_rss, ml_cpu, py_wall, py_rss, py_cpu = map(float, sys.argv[1:])
print(f"  ml-validate --predictions (all metrics): {ml_wall:.2f} s wall, {ml_cpu:.2f} s CPU, {ml_rss / 1024:.0f} MB peak")
print(f"  pandas.read_csv + sklearn (4 metrics):  {py_wall:.2f} s wall, {py_cpu:.2f} s CPU, {py_rss / 1024:.0f} MB peak")
# On a shared machine the wall time mostly measures waiting for a core: CPU time is the fairer figure.
print(f"  ratio: {py_wall / ml_wall:.1f}x faster by wall time, {py_cpu / ml_cpu:.1f}x by CPU time (target >= 30x), "
      f"{ml_rss / py_rss:.2f} of the peak memory (target <= 0.33)")
PY
