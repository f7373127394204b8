#!/usr/bin/env bash
# Reference profiles at scale: `ml-drift profile` over ROWS rows (default 20,000,000) x 18
# columns (12 continuous numeric columns, which get KLL sketches; 3 small-integer numeric
# and 3 categorical columns, which stay exact), and over ROWS / 20 rows for the memory
# comparison; the exact path (`ml-drift --reference --current`, the anchor) on the same big
# file; then drift from each profile against one current batch, whose time should not
# depend on the reference's size. Prints rows/s, peak memory (max RSS, GNU time), the
# profiles' sizes and the ratios. CSV only for now (Parquet when the Parquet reader lands).
# DATA_DIR=dir keeps the generated files there and reuses them on the next run (generating
# 20 million rows takes longer than profiling them); without it they go to a temporary
# directory. A benchmark, not a test: nothing here fails on a slow machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-20000000}
small=$((rows / 20))
current=${CURRENT_ROWS:-100000}
[ -x build/bin/ml-drift ] || ./scripts/build.sh >/dev/null
drift=build/bin/ml-drift
if [ -n "${DATA_DIR:-}" ]; then
  mkdir -p "$DATA_DIR"
  data=$DATA_DIR
else
  data=$(mktemp -d)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${DATA_DIR:-}" ] || rm -rf "$data"' EXIT

if [ -f "$data/big.csv" ] && [ -f "$data/small.csv" ] && [ -f "$data/current.csv" ] &&
  [ "$(wc -l <"$data/big.csv")" -eq $((rows + 1)) ]; then
  echo "reusing the $rows + $small + $current rows in $data"
else
  echo "generating $rows + $small + $current rows..."
  /usr/bin/python3 - "$data" "$rows" "$small" "$current" <<'PY'
import sys
import numpy as np
import pandas as pd

work, sizes = sys.argv[1], [int(a) for a in sys.argv[2:]]
rng = np.random.default_rng(16)

def write(path, rows, shift):
    chunk = 1_000_000
    with open(path, "w") as out:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            cols = {}
            for i in range(12):
                cols[f"num_{i:02d}"] = np.round(rng.normal(10 * i + shift, i + 1, n), 4)
            for i in range(3):
                cols[f"int_{i}"] = rng.integers(0, 50 * (i + 1), n)
            cols["segment"] = rng.choice(["consumer", "smb", "enterprise", "public"], n)
            cols["channel"] = rng.choice(["web", "app", "store"], n)
            cols["region"] = rng.choice([f"r{k}" for k in range(40)], n)
            pd.DataFrame(cols).to_csv(out, index=False, header=start == 0)

write(f"{work}/big.csv", sizes[0], 0.0)
write(f"{work}/small.csv", sizes[1], 0.0)
write(f"{work}/current.csv", sizes[2], 0.05)
PY
fi

measure() {  # label, then the command; prints "seconds MiB cpu-seconds"
  local label=$1
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/err" || [ $? -le 1 ] || { cat "$work/err"; exit 1; }
  read -r seconds kib user system <"$work/time"
  echo "$seconds $((kib / 1024)) $(echo "$user + $system" | bc)" >"$work/$label"
}

measure profile_big $drift profile "$data/big.csv" --output "$work/big.profile" --quiet
measure profile_small $drift profile "$data/small.csv" --output "$work/small.profile" --quiet
measure exact_big $drift --reference "$data/big.csv" --current "$data/current.csv" --quiet
measure from_big $drift --reference-profile "$work/big.profile" --current "$data/current.csv" --quiet
measure from_small $drift --reference-profile "$work/small.profile" --current "$data/current.csv" --quiet

/usr/bin/python3 - "$work" "$rows" "$small" <<'PY'
import os
import sys

work, rows, small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = {k: [float(x) for x in open(f"{work}/{k}").read().split()]
     for k in ("profile_big", "profile_small", "exact_big", "from_big", "from_small")}
size = lambda name: os.path.getsize(f"{work}/{name}") / 1024
print(f"profile {rows:,} rows: {r['profile_big'][0]:.1f} s, {rows / r['profile_big'][0]:,.0f} rows/s, "
      f"{r['profile_big'][1]:.0f} MiB peak, profile {size('big.profile'):.0f} KiB")
print(f"profile {small:,} rows: {r['profile_small'][0]:.1f} s, {small / r['profile_small'][0]:,.0f} rows/s, "
      f"{r['profile_small'][1]:.0f} MiB peak, profile {size('small.profile'):.0f} KiB")
print(f"exact path (anchor), {rows:,} reference rows: {r['exact_big'][0]:.1f} s, "
      f"{rows / r['exact_big'][0]:,.0f} rows/s, {r['exact_big'][1]:.0f} MiB peak")
print(f"CPU seconds (user + system; the machine may be shared): profile {r['profile_big'][2]:.1f}, "
      f"exact path {r['exact_big'][2]:.1f}")
print(f"drift from the {rows:,}-row profile: {r['from_big'][0]:.2f} s; from the {small:,}-row one: {r['from_small'][0]:.2f} s")
print(f"ratios: profile throughput / exact path {r['exact_big'][0] / r['profile_big'][0]:.2f} "
      f"(by CPU seconds {r['exact_big'][2] / r['profile_big'][2]:.2f}); "
      f"peak memory big / small {r['profile_big'][1] / r['profile_small'][1]:.2f}; "
      f"drift-from-profile time big / small {r['from_big'][0] / r['from_small'][0]:.2f}")
PY
