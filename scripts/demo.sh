#!/usr/bin/env bash
# The lean pipeline on bundled example data: set-up, build, then what a CI job runs —
# validate, compare against the production channel, publish, promote, keep a worse model
# out, roll back, fetch verified. Everything it writes goes to demo-output/ (or $DEMO_DIR),
# whose ./.ml-registry is the default local registry.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build.sh >/dev/null
export PATH="$PWD/build/bin:$PATH"
unset ML_REGISTRY  # the demo shows the default registry, ./.ml-registry
out=${DEMO_DIR:-demo-output}
rm -rf "$out" && mkdir -p "$out"
examples=$(realpath --relative-to="$out" examples)
to_parquet=$PWD/scripts/csv-to-parquet.mjs
cd "$out"

bold=$(tput bold 2>/dev/null || true)
plain=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s== %s ==%s\n' "$bold" "$1" "$plain"; }
# Prints the command as it could be typed, runs it, prints its exit code, goes on.
run() {
  local shown="" arg
  for arg in "$@"; do
    case $arg in *[[:space:]\<\>\|\&\;\*]*) shown+=" '$arg'" ;; *) shown+=" $arg" ;; esac
  done
  printf '%s$%s%s\n' "$bold" "$shown" "$plain"
  "$@"
  local code=$?
  printf '%s-> exit code %d%s\n' "$bold" "$code" "$plain"
  return 0
}

# Stand-ins for trained model files.
mkdir -p v1.0.0 v1.1.0 v1.2.0
printf 'churn model trained 2026-10\n' >v1.0.0/model.pkl
printf 'churn model trained 2026-11\n' >v1.1.0/model.pkl
printf 'churn model trained 2026-11, pruned\n' >v1.2.0/model.pkl

step "0. The model in production today is in the registry (publish, then promote)"
run ml-release publish --model churn --version 1.0.0 --metrics "$examples/metrics/production.json" \
  --meta trained_on=2026-10 v1.0.0/model.pkl --no-ci
run ml-release promote --model churn --version 1.0.0 --channel production --no-ci

step "1. Validate the retrained model against the team's policy (pass)"
run ml-validate "$examples/metrics/candidate-good.json" --policy "$examples/policy.json" \
  --report validate.json --markdown validate.md --no-ci

step "2. A stricter gate the model does not meet (fail: exit 1)"
run ml-validate "$examples/metrics/candidate-good.json" --require 'accuracy >= 0.9' --require 'eval.f1 >= 0.85' \
  --junit validate.xml --no-ci

step "3. Compare with what production runs, read from the registry: promote only if accuracy improves by 0.01"
run ml-compare --candidate "$examples/metrics/candidate-good.json" --metric accuracy --min-delta 0.01 \
  --guard latency.p95_ms:5% --baseline-registry .ml-registry --model churn --channel production \
  --markdown compare.md --no-ci

step "4. Publish it (files first, each verified, the manifest last) and promote it"
run ml-release publish --model churn --version 1.1.0 --metrics "$examples/metrics/candidate-good.json" \
  --meta trained_on=2026-11 v1.1.0/model.pkl --no-ci
run ml-release promote --model churn --version 1.1.0 --channel production --no-ci

step "5. A worse model is kept out: production is now 1.1.0 (keep the baseline: exit 1)"
run ml-compare --candidate "$examples/metrics/candidate-worse.json" --metric accuracy --min-delta 0.01 \
  --baseline-registry .ml-registry --model churn --channel production --no-ci

step "6. A retried CI job publishes 1.1.0 again: identical files, so it passes; other bytes are refused (exit 5)"
run ml-release publish --model churn --version 1.1.0 --metrics "$examples/metrics/candidate-good.json" \
  v1.1.0/model.pkl --no-ci
run ml-release publish --model churn --version 1.1.0 v1.2.0/model.pkl --no-ci

step "7. 1.1.0 misbehaves in production: one command rolls back"
run ml-release rollback --model churn --channel production --report rollback.json --no-ci
run ml-release list --model churn --no-ci

step "8. Deploy what production points to: every file is checked before it lands in deploy/"
run ml-release fetch --model churn --channel production --dest deploy --no-ci
run cat deploy/model.pkl

step "9. Bit rot in the registry is caught (exit 5) and deploy/ is left as it was"
printf 'bit rot\n' >.ml-registry/churn/versions/1.0.0/model.pkl
run ml-release verify --model churn --version 1.0.0 --no-ci
run ml-release fetch --model churn --channel production --dest deploy --no-ci
run cat deploy/model.pkl

step "10. Rolling accuracy of production over the last 7 days (retraining trigger: exit 1)"
run ml-validate --history "$examples/history.jsonl" --window 7 --require 'mean(accuracy) >= 0.85' --no-ci

step "11. A typo is caught with a suggestion (input error: exit 3)"
run ml-validate "$examples/metrics/candidate-good.json" --require 'acuracy >= 0.85' --no-ci

step "12. The registry's audit trail: one object per publish, promote and rollback"
run ls .ml-registry/churn/audit

step "13. Has this week's production data changed since the last check? (first run: yes, exit 1)"
run ml-drift --changed "$examples/drift/production.csv" --state drift-state.json --no-ci
run ml-drift --changed "$examples/drift/production.csv" --state drift-state.json --no-ci

step "14. Data drift of production against the training data (dataset drift: exit 1), with an HTML report"
run ml-drift --reference "$examples/drift/training.csv" --current "$examples/drift/production.csv" \
  --html drift.html --markdown drift.md --openmetrics drift-metrics.txt --report drift.json --no-ci

step "14b. The same check on Parquet (the CSVs written as Parquet by DuckDB): the same report"
if node "$to_parquet" "$examples/drift/training.csv" training.parquet 2>/dev/null &&
  node "$to_parquet" "$examples/drift/production.csv" production.parquet 2>/dev/null; then
  run ml-drift --reference training.parquet --current production.parquet --report drift-parquet.json --no-ci
else
  echo "(skipped: node and @duckdb/node-api are needed to write the Parquet pair; ./scripts/setup.sh installs them)"
fi

step "15. Metrics computed from the predictions themselves, as scikit-learn defines them, per region too"
run ml-validate --predictions "$examples/predictions/candidate.csv" --require 'accuracy >= 0.8' \
  --require 'roc_auc >= 0.85' --write-metrics predictions-metrics.json --no-ci

step "16. Is the gain real? +0.013 accuracy on 1,500 rows is not significant (keep: exit 1)"
run ml-compare --candidate-predictions "$examples/predictions/candidate.csv" \
  --baseline-predictions "$examples/predictions/production.csv" --id-column id --metric accuracy \
  --significance 0.05 --no-ci
run ml-compare --candidate-predictions "$examples/predictions/candidate-strong.csv" \
  --baseline-predictions "$examples/predictions/production.csv" --id-column id --metric accuracy \
  --significance 0.05 --markdown significance.md --no-ci

printf '\nReports are in %s/: ' "$out"; ls | tr '\n' ' '; echo
printf '\nThe pull-request summary of step 3 (%s/compare.md):\n\n' "$out"
cat compare.md
