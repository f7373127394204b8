#!/usr/bin/env bash
# Drift check speed and memory: ml-drift against the pandas + scipy script teams run today,
# on the same two CSV files of ROWS rows (default 1,000,000) each: 15 numeric and 3
# categorical columns, five of them drifted, missing cells in several, quoted text with
# commas and doubled quotes. Both compute the same statistics (the `auto` choice: normed
# Wasserstein for numbers, Jensen-Shannon for categories); the script checks they agree.
# Prints wall time and peak memory (max RSS, GNU time) of each and the ratios; the anchor
# is the Python script. A third run adds --quality (the data-quality checks): its slowdown
# against the plain run, and its ratio against the anchor. A benchmark, not a test: nothing here fails on a slow machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
runs=${RUNS:-3}
[ -x build/bin/ml-drift ] || ./scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=/usr/bin/python3

echo "generating 2 x $rows rows..."
$python - "$work" "$rows" <<'PY'
import sys
import numpy as np
import pandas as pd

work, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
markers = np.array(["", "NA", "N/A", "null", "NaN", "None"], dtype=object)
cities = np.array(['Berlin', 'New York, NY', 'Paris', 'São Paulo', 'Say "hi"', 'Tokyo', 'Lagos, "Lekki"'], dtype=object)

def frame(drifted):
    cols = {}
    for i in range(15):
        shift = 0.35 if drifted and i < 4 else 0.0
        scale = 1.4 if drifted and i == 4 else 1.0
        values = np.round(rng.normal(10 * i + shift * (i + 1), scale * (i + 1), rows), 4).astype(object)
        if i % 3 == 0:  # missing cells, written in every spelling ml-drift accepts
            holes = np.flatnonzero(rng.random(rows) < 0.02)
            values[holes] = markers[np.arange(len(holes)) % len(markers)]
        cols[f"num_{i:02d}"] = values
    segment_p = [0.5, 0.3, 0.15, 0.05] if not drifted else [0.35, 0.35, 0.2, 0.1]
    cols["segment"] = rng.choice(["consumer", "smb", "enterprise", "public"], rows, p=segment_p)
    cols["channel"] = rng.choice(["web", "app", "store"], rows)
    cols["city"] = rng.choice(cities, rows)
    return pd.DataFrame(cols)

frame(False).to_csv(f"{work}/reference.csv", index=False)
frame(True).to_csv(f"{work}/current.csv", index=False)
PY
ls -l "$work"/*.csv | awk '{printf "  %s: %.0f MB\n", $NF, $5 / 1e6}'

cat > "$work/drift.py" <<'PY'
"""The pandas + scipy drift check: the same statistics ml-drift's `auto` computes."""
import json
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

MISSING = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]
ref = pd.read_csv(sys.argv[1], keep_default_na=False, na_values=MISSING)
cur = pd.read_csv(sys.argv[2], keep_default_na=False, na_values=MISSING)
results = {}
for column in ref.columns:
    r, c = ref[column].dropna(), cur[column].dropna()
    numeric = pd.api.types.is_numeric_dtype(r)
    distinct = pd.concat([r, c]).nunique()
    if numeric and distinct > 5:
        value = stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)
        method = "wasserstein"
    else:
        counts = pd.concat([r.value_counts().rename("r"), c.value_counts().rename("c")], axis=1).fillna(0)
        value = distance.jensenshannon(counts["r"], counts["c"], base=2)
        method = "jensenshannon"
    results[column] = {"method": method, "statistic": float(value), "drift": bool(value >= 0.1)}
json.dump(results, open(sys.argv[3], "w"))
PY

measure() {  # label, command...: wall seconds and max RSS (KiB) of one run
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" >/dev/null
  tail -n 1 "$work/$label.time"  # after "Command exited with non-zero status 1" on a failed gate
}

echo "running pandas + scipy once, ml-drift $runs times..."
read -r py_wall py_rss < <(measure python $python "$work/drift.py" "$work/reference.csv" "$work/current.csv" "$work/py.json")
ml_walls=() ml_rss=0
for _ in $(seq "$runs"); do
  read -r wall rss < <(measure ml build/bin/ml-drift --reference "$work/reference.csv" --current "$work/current.csv" \
    --no-ci --quiet --report "$work/ml.json" || true)
  ml_walls+=("$wall")
  [ "$rss" -gt "$ml_rss" ] && ml_rss=$rss
done
# The same run with the data-quality checks (--quality --unique num_01: every check, the
# row hashes and a unique column), interleaved with the plain runs above so load spreads.
quality_walls=() quality_rss=0
for _ in $(seq "$runs"); do
  read -r wall rss < <(measure mlq build/bin/ml-drift --reference "$work/reference.csv" --current "$work/current.csv" \
    --quality --unique num_01 --no-ci --quiet --report "$work/mlq.json" || true)
  quality_walls+=("$wall")
  [ "$rss" -gt "$quality_rss" ] && quality_rss=$rss
done
read -r one_wall one_rss < <(measure ml1 build/bin/ml-drift --reference "$work/reference.csv" --current "$work/current.csv" \
  --no-ci --quiet --threads 1 || true)

$python - "$work" "$py_wall" "$py_rss" "$ml_rss" "$one_wall" "$one_rss" "$quality_rss" "${quality_walls[*]}" "${ml_walls[@]}" <<'PY'
import json
import statistics
import sys

work, py_wall, py_rss, ml_rss, one_wall, one_rss = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    float(sys.argv[5]), int(sys.argv[6])
quality_rss, quality_wall = int(sys.argv[7]), statistics.median(map(float, sys.argv[8].split()))
sys.argv[7:9] = []
ml_wall = statistics.median(map(float, sys.argv[7:]))
py = json.load(open(f"{work}/py.json"))
ml = {c["name"]: c for c in json.load(open(f"{work}/ml.json"))["columns"]}
worst = max(abs(ml[k]["statistic"] - v["statistic"]) / max(abs(v["statistic"]), 1e-300) for k, v in py.items())
assert all(ml[k]["method"] == v["method"] and ml[k]["drift"] == v["drift"] for k, v in py.items()), "results differ"
drifted = sum(v["drift"] for v in py.values())
print(f"same statistics on all {len(py)} columns ({drifted} drifted); largest relative difference {worst:.1e}")
print(f"  pandas + scipy (anchor):  {py_wall:7.2f} s  {py_rss / 1024:7.0f} MiB peak")
print(f"  ml-drift (2 threads):     {ml_wall:7.2f} s  {ml_rss / 1024:7.0f} MiB peak   (median of {len(sys.argv) - 7})")
print(f"  ml-drift --threads 1:     {one_wall:7.2f} s  {one_rss / 1024:7.0f} MiB peak")
print(f"  ml-drift --quality:       {quality_wall:7.2f} s  {quality_rss / 1024:7.0f} MiB peak   (median of {len(sys.argv) - 7})")
print(f"  ratio: ml-drift is {py_wall / ml_wall:.1f}x faster (target >= 25x) "
      f"with {ml_rss / py_rss:.2f} of the peak memory (target <= 0.33)")
quality = json.load(open(f"{work}/mlq.json"))["quality"]
print(f"  --quality: {len(quality)} checks, {sum(not f['passed'] for f in quality)} failed; "
      f"{(quality_wall / ml_wall - 1) * 100:+.1f}% time vs without (target <= +15%), "
      f"{py_wall / quality_wall:.1f}x faster than pandas + scipy (target >= 25x)")
PY
