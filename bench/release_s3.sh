#!/usr/bin/env bash
# S3 publish speed and memory: one file (1 GiB unless SIZE_MIB says otherwise) uploaded to
# s3rver on 127.0.0.1 by our S3 storage layer and by `aws s3 cp` (Debian's AWS CLI, the
# anchor) in the same run, against the same s3rver, alternating, RUNS times each. Prints the
# median wall times, their ratio and our peak memory (max RSS). Targets: a ratio <= 1.0 and
# a peak under 64 MiB whatever the size. A benchmark, not a test: nothing here fails on a
# slow machine. Uses build/bin/ml-release when it knows s3://, else build/bin/s3_driver
# (the same storage layer without the registry around it).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${SIZE_MIB:-1024}
runs=${RUNS:-3}
[ -x build/bin/s3_driver ] || ./scripts/build.sh >/dev/null
[ -x node_modules/.bin/s3rver ] || ./scripts/setup.sh >/dev/null
aws=/usr/bin/aws
[ -x "$aws" ] || aws=$(command -v aws)

work=$(mktemp -d)
s3pid=
cleanup() {
  [ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null && wait "$s3pid" 2>/dev/null || true  # s3rver ends by SIGTERM: 143
  rm -rf "$work"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/s3rver"
node_modules/.bin/s3rver -d "$work/s3rver" -a 127.0.0.1 -p "$port" --silent --configure-bucket bench >/dev/null 2>&1 &
s3pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# MODEL_FILE reuses a file bench/release.sh already made.
if [ -n "${MODEL_FILE:-}" ]; then
  ln -s "$MODEL_FILE" "$work/model.bin"
  size_mib=$(( $(stat -L -c %s "$MODEL_FILE") >> 20 ))
else
  head -c "$((size_mib << 20))" /dev/urandom >"$work/model.bin"
fi
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN

ours_label="s3_driver upload"
ours() { build/bin/s3_driver --no-progress upload s3://bench/driver "v$1/model.bin" "$work/model.bin" >/dev/null; }
if build/bin/ml-release --help 2>/dev/null | grep -q 's3://'; then
  ours_label="ml-release publish"
  ours() {
    build/bin/ml-release publish --registry s3://bench/registry --model bench --version "$1" --quiet --no-ci \
      "$work/model.bin" >/dev/null
  }
fi
theirs() { "$aws" --endpoint-url "$AWS_ENDPOINT_URL" s3 cp --only-show-errors "$work/model.bin" "s3://bench/aws/v$1/model.bin"; }

: >"$work/ours.txt"
: >"$work/theirs.txt"
for run in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -a -o "$work/ours.txt" bash -c "$(declare -f ours); work=$work; ours $run"
  /usr/bin/time -f "%e %M" -a -o "$work/theirs.txt" bash -c "$(declare -f theirs); aws=$aws; work=$work; theirs $run"
done

/usr/bin/python3 - "$work/ours.txt" "$work/theirs.txt" "$size_mib" "$ours_label" <<'PY'
import statistics, sys
def load(path):
    rows = [line.split() for line in open(path) if line.strip() and line[0].isdigit()]
    return [float(r[0]) for r in rows], [int(r[1]) for r in rows]
ours_t, ours_m = load(sys.argv[1])
aws_t, aws_m = load(sys.argv[2])
size = int(sys.argv[3])
o, a = statistics.median(ours_t), statistics.median(aws_t)
print(f"S3 publish of {size} MiB to s3rver on loopback, median of {len(ours_t)} runs each")
print(f"  {sys.argv[4]:<22} {o:7.2f} s  {size / o:7.1f} MiB/s  peak RSS {max(ours_m) / 1024:6.1f} MiB")
print(f"  {'aws s3 cp':<22} {a:7.2f} s  {size / a:7.1f} MiB/s  peak RSS {max(aws_m) / 1024:6.1f} MiB")
print(f"  time ratio ours/aws: {o / a:.2f} (target <= 1.00); our peak memory {max(ours_m) / 1024:.1f} MiB (target < 64)")
PY
