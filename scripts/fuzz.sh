#!/usr/bin/env bash
# Builds every libFuzzer target (tests/fuzz/*.cpp) into build-fuzz/ with clang, ASan and
# UBSan, and runs each for SECONDS (default 60) over its seed corpus
# (tests/fuzz/corpus/<target>/) and the inputs that once crashed it
# (tests/fuzz/regressions/<target>/). New inputs the fuzzer finds go to
# build-fuzz/corpus/<target>/, crashes to build-fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]     FUZZ_JOBS=N targets at a time (default: nproc)
#
# Prints the executions reached per target; exits non-zero when any target crashed, leaked,
# timed out (an input slower than FUZZ_TIMEOUT seconds) or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
jobs=${FUZZ_JOBS:-$(nproc)}
timeout=${FUZZ_TIMEOUT:-10}

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
CC=clang CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLEAN_MLOPS_FUZZ=ON -DLEAN_MLOPS_TESTS=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/*.cpp; do
    name=$(basename "$source" .cpp)
    [ "$name" = replay_main ] || targets+=("$name")
  done
fi
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
run_target() {
  local t=$1 corpus=build-fuzz/corpus/$1 artifacts=build-fuzz/artifacts/$1/ seeds=()
  mkdir -p "$corpus" "$artifacts"
  for dir in tests/fuzz/corpus/$t tests/fuzz/regressions/$t; do [ -d "$dir" ] && seeds+=("$dir"); done
  build-fuzz/bin/fuzz_"$t" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
    -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "${seeds[@]}" \
    >build-fuzz/"$t".log 2>&1
}

echo "fuzz: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time"
pids=() names=()
status=0
declare -A result
collect() {  # waits for the oldest running target
  local pid=${pids[0]} name=${names[0]}
  if wait "$pid"; then result[$name]=ok; else result[$name]=FAILED; status=1; fi
  pids=("${pids[@]:1}") names=("${names[@]:1}")
}
for t in "${targets[@]}"; do
  [ ${#pids[@]} -ge "$jobs" ] && collect
  run_target "$t" &
  pids+=($!) names+=("$t")
done
while [ ${#pids[@]} -gt 0 ]; do collect; done

printf '%-16s %14s %10s %8s  %s\n' target executions "exec/s" corpus result | tee build-fuzz/summary.txt
for t in "${targets[@]}"; do
  log=build-fuzz/$t.log
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  corpus=$(find build-fuzz/corpus/"$t" -type f | wc -l)
  printf '%-16s %14s %10s %8s  %s\n' "$t" "${execs:-0}" "${rate:-0}" "$corpus" "${result[$t]}" | tee -a build-fuzz/summary.txt
  if [ "${result[$t]}" != ok ]; then
    echo "---- $log (last 60 lines) ----"
    tail -60 "$log"
    ls build-fuzz/artifacts/"$t"/ 2>/dev/null | sed 's/^/artifact: /'
  fi
done
exit $status
