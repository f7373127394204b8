#!/usr/bin/env bash
# The whole local loop on the bundled example data (examples/): validate, compare against
# the production channel, publish, promote, reject a worse model, roll back. Everything
# happens in demo-output/ (or $DEMO_DIR) on the default registry, ./.ml-registry.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
./scripts/setup.sh
./scripts/build.sh >/dev/null
export PATH="$root/build/bin:$PATH"
unset ML_REGISTRY GITHUB_ACTIONS  # the demo shows the defaults, outside CI
examples=$root/examples

out=${DEMO_DIR:-$root/demo-output}
rm -rf "$out"
mkdir -p "$out"
cd "$out"

examples=$(realpath --relative-to="$out" "$examples")
bold="" cyan="" dim="" plain=""
if [ -t 1 ]; then bold=$'\033[1m' cyan=$'\033[36m' dim=$'\033[2m' plain=$'\033[0m'; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# Prints a command as it could be typed, runs it, prints its exit code; the demo goes on
# whatever the code.
run() {
  local shown="" arg
  for arg in "$@"; do
    case $arg in *[[:space:]\<\>\|\&\;\*]*) shown+=" '$arg'" ;; *) shown+=" $arg" ;; esac
  done
  printf '%s$%s%s\n' "$cyan" "$shown" "$plain"
  set +e
  "$@"
  local status=$?
  set -e
  printf '%s-> exit %s%s\n' "$dim" "$status" "$plain"
}

# Stand-ins for trained model files.
printf 'churn model trained 2026-10\n' >model-1.0.0.pkl
printf 'churn model trained 2026-11\n' >model-1.1.0.pkl
printf 'churn model trained 2026-11, smaller\n' >model-1.2.0.pkl
mkdir -p v1.0.0 v1.1.0 v1.2.0
cp model-1.0.0.pkl v1.0.0/model.pkl
cp model-1.1.0.pkl v1.1.0/model.pkl
cp model-1.2.0.pkl v1.2.0/model.pkl

say "Day 0: the model in production today is published and promoted"
run ml-release publish --model churn --version 1.0.0 --metrics "$examples/metrics/production.json" \
  --meta trained_on=2026-10 v1.0.0/model.pkl
run ml-release promote --model churn --version 1.0.0 --channel production

say "A retrained model: does it pass the team's policy? (exit 0 = pass)"
run ml-validate "$examples/metrics/candidate-good.json" --policy "$examples/policy.json"

say "Is it better than what production runs? The baseline comes from the registry (exit 0 = promote)"
run ml-compare --candidate "$examples/metrics/candidate-good.json" --metric accuracy --min-delta 0.01 \
  --baseline-registry .ml-registry --model churn --channel production

say "Yes: publish it (files first, each verified, the manifest last) and promote it"
run ml-release publish --model churn --version 1.1.0 --metrics "$examples/metrics/candidate-good.json" \
  --meta trained_on=2026-11 v1.1.0/model.pkl
run ml-release promote --model churn --version 1.1.0 --channel production

say "Another retrained model fails a stricter accuracy floor (exit 1 = gate failed)"
run ml-validate "$examples/metrics/candidate-worse.json" --policy "$examples/policy.json" --require 'accuracy >= 0.87'

say "...and it is worse than production: ml-compare rejects it (exit 1), so the pipeline stops here"
run ml-compare --candidate "$examples/metrics/candidate-worse.json" --metric accuracy --min-delta 0.01 \
  --baseline-registry .ml-registry --model churn --channel production

say "A CI retry publishes the same version again: identical files, so it succeeds (exit 0)"
run ml-release publish --model churn --version 1.1.0 --metrics "$examples/metrics/candidate-good.json" v1.1.0/model.pkl

say "Publishing other bytes under an existing version is refused (exit 5): versions are immutable"
run ml-release publish --model churn --version 1.1.0 v1.2.0/model.pkl

say "1.1.0 misbehaves in production: one command rolls back to the previous version"
run ml-release rollback --model churn --channel production
run ml-release list --model churn

say "Deploy: fetch what production points to; every file is checked before it lands in deploy/"
run ml-release fetch --model churn --channel production --dest deploy
run cat deploy/model.pkl

say "A corrupted file in the registry is caught (exit 5) and deploy/ is left as it was"
printf 'bit rot\n' >.ml-registry/churn/versions/1.0.0/model.pkl
run ml-release verify --model churn --version 1.0.0
run ml-release fetch --model churn --channel production --dest deploy
run cat deploy/model.pkl

say "The audit trail: one object per publish, promote and rollback"
run ls .ml-registry/churn/audit
echo
echo "Everything is in $out; the registry is $out/.ml-registry"
