#!/usr/bin/env bash
# The lean pipeline on bundled example data: set-up, build, then the gates a CI job runs.
# Everything it writes goes to demo-output/.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build.sh >/dev/null
export PATH="$PWD/build/bin:$PATH"
out=demo-output
rm -rf "$out" && mkdir -p "$out"

bold=$(tput bold 2>/dev/null || true)
plain=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s== %s ==%s\n' "$bold" "$1" "$plain"; }
run() {
  printf '%s$ %s%s\n' "$bold" "$*" "$plain"
  "$@"
  local code=$?
  printf '%s-> exit code %d%s\n' "$bold" "$code" "$plain"
  return 0
}

step "1. Validate the retrained model against the team's policy (pass)"
run ml-validate examples/metrics/candidate-good.json --policy examples/policy.json \
  --report "$out/validate.json" --markdown "$out/validate.md" --no-ci

step "2. A stricter gate the model does not meet (fail: exit 1)"
run ml-validate examples/metrics/candidate-good.json --require 'accuracy >= 0.9' --require 'eval.f1 >= 0.85' \
  --junit "$out/validate.xml" --no-ci

step "3. Compare with production: promote only if accuracy improves by at least 0.01 (promote)"
run ml-compare --candidate examples/metrics/candidate-good.json --baseline examples/metrics/production.json \
  --metric accuracy --min-delta 0.01 --guard latency.p95_ms:5% --markdown "$out/compare.md" --no-ci

step "4. A worse model is kept out (keep the baseline: exit 1)"
run ml-compare --candidate examples/metrics/candidate-worse.json --baseline examples/metrics/production.json \
  --metric accuracy --min-delta 0.01 --no-ci

step "5. Rolling accuracy of production over the last 7 days (retraining trigger: exit 1)"
run ml-validate --history examples/history.jsonl --window 7 --require 'mean(accuracy) >= 0.85' --no-ci

step "6. A typo is caught with a suggestion (input error: exit 3)"
run ml-validate examples/metrics/candidate-good.json --require 'acuracy >= 0.85' --no-ci

printf '\nReports are in %s/: ' "$out"; ls "$out" | tr '\n' ' '; echo
printf '\nThe pull-request summary of step 3 (%s/compare.md):\n\n' "$out"
cat "$out/compare.md"
