#!/usr/bin/env bash
# Drift check speed and memory: ml-drift against the pandas + scipy script teams run today,
# on the same two CSV files of ROWS rows (default 1,000,000) each: 15 numeric and 3
# categorical columns, five of them drifted, missing cells in several, quoted text with
# commas and doubled quotes. Both compute the same statistics (the `auto` choice: normed
# Wasserstein for numbers, Jensen-Shannon for categories); the script checks they agree.
# Prints wall, user and system time and peak memory (max RSS, GNU time) of ml-drift on
# every core and with --threads 1 (medians of RUNS, interleaved so load spreads), of the
# Python script (the anchor, median of PY_RUNS, default 3, its runs spread among ml-drift's),
# and the floor: both files read, and read with every field scanned by std::from_chars
# (bench/drift_floor.cpp). A --quality run (the data-quality checks; once more with a --unique
# column) gives its slowdown against the plain run of the same round. DATA=dir keeps the generated files there for the next run; SETTLE_GIB
# (below) is how much memory is touched once first. A benchmark, not a test: nothing here
# fails on a slow machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
runs=${RUNS:-3}
[ -x build/bin/ml-drift ] || ./scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=${DATA:-$work}
mkdir -p "$data"
python=/usr/bin/python3

if [ -s "$data/current.csv" ] && [ "$(cat "$data/rows" 2>/dev/null)" = "$rows" ]; then
  echo "reusing 2 x $rows rows in $data"
else
echo "generating 2 x $rows rows..."
$python - "$data" "$rows" <<'PY'
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
echo "$rows" >"$data/rows"
fi
ls -l "$data"/*.csv | awk '{printf "  %s: %.0f MB\n", $NF, $5 / 1e6}'

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

ref="$data/reference.csv" cur="$data/current.csv"
measure() {  # label, command...: "wall user sys maxrss_kib" of one run, appended to $work/label.runs
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/$label.time" "$@" >/dev/null
  tail -n 1 "$work/$label.time" >>"$work/$label.runs"  # after "Command exited with non-zero status 1" on a failed gate
}

# A virtual machine's host backs the guest's memory when the guest first touches it: on a VM
# just booted, zeroing fresh pages cost about 2 s per GiB here (0.25 s once touched before), and
# it lands as system time on whichever run meets such pages first — the varying system time
# of the first measurements. SETTLE_GIB GiB (default 8; 0 skips it) are touched once, all
# together, before any run, so that every run meets memory in the same state.
settle=${SETTLE_GIB:-8}
if [ "$settle" -gt 0 ]; then
  echo "touching $settle GiB of memory once (SETTLE_GIB)..."
  $python -c "import sys, numpy; held = [numpy.ones(1 << 27) for _ in range(int(sys.argv[1]))]" "$settle"
fi
py_runs=${PY_RUNS:-3}
echo "running the floor, then ml-drift $runs times each way with pandas + scipy $py_runs times among them..."
c++ -O2 -std=c++20 -pthread -o "$work/drift_floor" bench/drift_floor.cpp
"$work/drift_floor" "$ref" "$cur" >"$work/floor" 2>/dev/null
# The machine's speed drifts over minutes (the same run took 0.4 s and 0.6 s of user time an
# hour apart here), so the anchor's runs are spread among ml-drift's rather than all first,
# and each ml-drift configuration runs once per round, side by side.
py_every=$((runs / py_runs > 0 ? runs / py_runs : 1))
py_done=0
anchor() {  # the anchor's wall time varies too (14-18 s here): a median
  measure python $python "$work/drift.py" "$ref" "$cur" "$work/py.json"
  py_done=$((py_done + 1))
}
# --quality: every check and the row hashes; then with a --unique column too.
for round in $(seq "$runs"); do
  if [ $(((round - 1) % py_every)) -eq 0 ] && [ "$py_done" -lt "$py_runs" ]; then anchor; fi
  measure ml build/bin/ml-drift --reference "$ref" --current "$cur" --no-ci --quiet --report "$work/ml.json" || true
  measure ml1 build/bin/ml-drift --reference "$ref" --current "$cur" --no-ci --quiet --threads 1 \
    --report "$work/ml1.json" || true
  measure mlq build/bin/ml-drift --reference "$ref" --current "$cur" --quality --no-ci --quiet \
    --report "$work/mlq.json" || true
  measure mlqu build/bin/ml-drift --reference "$ref" --current "$cur" --quality --unique num_01 --no-ci --quiet \
    --report "$work/mlqu.json" || true
done
while [ "$py_done" -lt "$py_runs" ]; do anchor; done
cmp -s "$work/ml.json" "$work/ml1.json" || { echo "the --threads 1 report differs from the default one" >&2; exit 1; }

$python - "$work" <<'PY'
import json
import statistics
import sys

work = sys.argv[1]
def runs(label):  # medians of wall, user, sys, and the largest max RSS in MiB
    rows = [list(map(float, line.split())) for line in open(f"{work}/{label}.runs")]
    wall, user, system = (statistics.median(r[k] for r in rows) for k in range(3))
    return wall, user, system, max(r[3] for r in rows) / 1024, len(rows)
py, ml, one, quality, unique = runs("python"), runs("ml"), runs("ml1"), runs("mlq"), runs("mlqu")
def walls(label):
    return [float(line.split()[0]) for line in open(f"{work}/{label}.runs")]
def cpus(label):
    return [float(line.split()[1]) + float(line.split()[2]) for line in open(f"{work}/{label}.runs")]
def paired(label, of=walls):  # the median of each round's ratio to the plain run beside it
    return statistics.median(a / b for a, b in zip(of(label), of("ml")))
floor_read, floor_scan = map(float, open(f"{work}/floor").read().split())
py_result = json.load(open(f"{work}/py.json"))
ml_result = {c["name"]: c for c in json.load(open(f"{work}/ml.json"))["columns"]}
worst = max(abs(ml_result[k]["statistic"] - v["statistic"]) / max(abs(v["statistic"]), 1e-300) for k, v in py_result.items())
assert all(ml_result[k]["method"] == v["method"] and ml_result[k]["drift"] == v["drift"] for k, v in py_result.items()), "results differ"
drifted = sum(v["drift"] for v in py_result.values())
print(f"same statistics on all {len(py_result)} columns ({drifted} drifted); largest relative difference {worst:.1e}; "
      "--threads 1 and default reports identical")
print(f"{'':28}{'wall s':>8}{'user s':>8}{'sys s':>8}{'peak MiB':>10}")
for name, r in (("pandas + scipy (anchor)", py), ("ml-drift (every core)", ml), ("ml-drift --threads 1", one),
                ("ml-drift --quality", quality), ("  and --unique num_01", unique)):
    print(f"  {name:26}{r[0]:8.2f}{r[1]:8.2f}{r[2]:8.2f}{r[3]:10.0f}" + (f"   (median of {r[4]})" if r[4] > 1 else ""))
print(f"  {'floor: read both files':26}{floor_read:8.2f}")
print(f"  {'floor: read + from_chars':26}{floor_scan:8.2f}   (every field, one thread a file; best of 3)")
print(f"ratios: ml-drift is {py[0] / ml[0]:.1f}x faster than pandas + scipy (target >= 40x) with {ml[3] / py[3]:.2f} of its "
      f"peak memory (target <= 0.33); system time {ml[2] / (ml[1] + ml[2]) * 100:.1f}% of CPU (target < 10%); "
      f"{ml[0] / floor_scan:.2f}x the floor (target <= 2x)")
print(f"  ml-drift wall over the rounds: {min(walls('ml')):.2f} to {max(walls('ml')):.2f} s")
findings = json.load(open(f"{work}/mlq.json"))["quality"]
print(f"  --quality: {len(findings)} checks, {sum(not f['passed'] for f in findings)} failed; "
      f"{(paired('mlq') - 1) * 100:+.1f}% wall, {(paired('mlq', cpus) - 1) * 100:+.1f}% CPU vs the plain run of each "
      f"round (medians; target <= +15%), {py[0] / quality[0]:.1f}x faster than pandas + scipy (target >= 25x); "
      f"with --unique num_01 {(paired('mlqu') - 1) * 100:+.1f}% wall, {py[0] / unique[0]:.1f}x pandas")
PY
