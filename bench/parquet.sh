#!/usr/bin/env bash
# Parquet input speed: ml-drift on two snappy Parquet files of ROWS rows (default
# 1,000,000) x 18 columns (15 numeric, 3 categorical; written by DuckDB) against ml-drift on
# the same data as CSV (the anchor), and against DuckDB scanning the same columns of the
# same files (min, max and count of every column; in-process time, DuckDB on 2 threads).
# Prints wall and CPU times (medians of RUNS rounds, each running the three once) and the
# ratios. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
runs=${RUNS:-3}
[ -x build/bin/ml-drift ] || ./scripts/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "generating 2 x $rows rows (DuckDB)..."
node bench/parquet.mjs generate "$work" "$rows"
ls -l "$work"/reference.* | awk '{printf "  %s: %.0f MB\n", $NF, $5 / 1e6}'

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# The machine may be shared, and its speed drifts over minutes: CPU seconds (user + system)
# are printed beside wall time, and each round runs the three once, side by side.
measure() {  # label, command...: "wall cpu" of one run, appended to $work/label.runs
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >"$work/$label.stdout" || true
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$work/time" >>"$work/$label.runs"
}
for _ in $(seq "$runs"); do
  measure csv build/bin/ml-drift --reference "$work/reference.csv" --current "$work/current.csv" \
    --no-ci --quiet --report "$work/csv.json"
  measure parquet build/bin/ml-drift --reference "$work/reference.parquet" --current "$work/current.parquet" \
    --no-ci --quiet --report "$work/parquet.json"
  measure duckdb node bench/parquet.mjs scan "$work/reference.parquet" "$work/current.parquet"
  cat "$work/duckdb.stdout" >>"$work/duckdb.scan"  # DuckDB's in-process time
done
medians() { echo "$(cut -d' ' -f1 "$work/$1.runs" | median) $(cut -d' ' -f2 "$work/$1.runs" | median)"; }
read -r csv_wall csv_cpu < <(medians csv)
read -r pq_wall pq_cpu < <(medians parquet)
read -r _ duck_cpu < <(medians duckdb)
duck_wall=$(median <"$work/duckdb.scan")

/usr/bin/python3 - "$work" "$csv_wall" "$csv_cpu" "$pq_wall" "$pq_cpu" "$duck_wall" "$duck_cpu" <<'PY'
import json
import sys

work = sys.argv[1]
csv_wall, csv_cpu, pq_wall, pq_cpu, duck_wall, duck_cpu = map(float, sys.argv[2:])
a, b = (json.load(open(f"{work}/{name}.json")) for name in ("csv", "parquet"))
for report in (a, b):
    report.pop("reference"), report.pop("current")
assert a == b, "the Parquet report differs from the CSV report"
print(f"same report from CSV and Parquet ({len(a['columns'])} columns); wall s / CPU s, medians")
print(f"  ml-drift on CSV (anchor):   {csv_wall:6.2f} / {csv_cpu:5.2f}")
print(f"  ml-drift on Parquet:        {pq_wall:6.2f} / {pq_cpu:5.2f}   {csv_wall / pq_wall:.2f}x (wall), "
      f"{csv_cpu / pq_cpu:.2f}x (CPU) faster than CSV (target >= 2x)")
print(f"  DuckDB min/max/count scan:  {duck_wall:6.2f} / {duck_cpu:5.2f}   ml-drift takes {pq_wall / duck_wall:.2f}x (wall), "
      f"{pq_cpu / duck_cpu:.2f}x (CPU, DuckDB's process with Node.js) DuckDB's time (goal <= 1.5x)")
PY
