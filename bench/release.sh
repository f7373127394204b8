#!/usr/bin/env bash
# ml-release publish speed, as ratios against an anchor measured in the same run.
#   local folder: `ml-release publish` of one file vs `cp` + `sha256sum` of the same file
#                 (target: ratio <= 1.2; ml-release also fsyncs, cp does not)
#   S3:           `ml-release publish` to s3rver on loopback vs `aws s3 cp` of the same file,
#                 and ml-release's peak memory (targets: ratio <= 1.0, peak < 64 MiB)
# Usage: bench/release.sh [SIZE_MIB]   (default 1024; needs ./scripts/build.sh first)
# Each section is a function called at the end, so backends add theirs beside bench_local.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
bin=$PWD/build/bin
[ -x "$bin/ml-release" ] || { echo "bench: build first (./scripts/build.sh)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (./scripts/setup.sh)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lean-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "bench: generating a ${size_mib} MiB random file in $work"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/model.bin"

# Median seconds of command N (0-based) in a hyperfine JSON export.
median() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$1" "$2"; }
ratio() { /usr/bin/python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.2f}")' "$1" "$2"; }
# Peak resident memory of one run, in MiB (GNU time's %M is KiB).
peak_mib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1 / 1024}'; }

bench_local() {
  echo
  echo "== local folder: publish ${size_mib} MiB =="
  cd "$work"
  hyperfine --style basic --warmup 1 --runs 5 --export-json local.json \
    --prepare 'rm -rf copy.bin reg; sync' \
    -n 'cp + sha256sum (anchor)' 'cp model.bin copy.bin && sha256sum model.bin >/dev/null' \
    -n 'ml-release publish' "$bin/ml-release publish --registry reg --model bench --version 1 model.bin --quiet"
  local anchor publish
  anchor=$(median local.json 0)
  publish=$(median local.json 1)
  rm -rf reg
  echo "local: anchor ${anchor}s, ml-release ${publish}s, ratio $(ratio "$publish" "$anchor") (target <= 1.2)"
  echo "local: ml-release peak memory $(peak_mib "$bin/ml-release" publish --registry reg --model bench --version 1 model.bin --quiet) MiB"
  cd - >/dev/null
}

# S3: ml-release publish to s3rver on loopback against `aws s3 cp` (bench/release_s3.sh).
bench_s3() {
  echo
  echo "== S3: publish ${size_mib} MiB to s3rver on loopback =="
  MODEL_FILE="$work/model.bin" bench/release_s3.sh
}

bench_local
bench_s3
