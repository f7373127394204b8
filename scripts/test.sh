#!/usr/bin/env bash
# Everything CI does: install dependencies, build with warnings as errors, run every test;
# then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/),
# then every fuzz target for a bounded time (build-fuzz/; docs/hardening.md).
#
#   SANITIZE=0        skip the sanitizer build and run
#   FAULT_TRIALS=N    fault-injection trials per command and backend (default 16; 4 under the
#                     sanitizers, FAULT_TRIALS_SANITIZED); likewise RACE_TRIALS (20 and 8 on
#                     the forges; 4 under the sanitizers, RACE_TRIALS_SANITIZED) and GC_TRIALS
#                     (50; 10, GC_TRIALS_SANITIZED)
#   FUZZ_SECONDS=N    seconds per fuzz target (default: 600 s shared by the targets, at most
#                     60 each); 0 skips fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
# Where the time goes, for keeping the CI run well inside its budget.
elapsed() { echo "test: $1 after $((SECONDS / 60)) min $((SECONDS % 60)) s"; }
./scripts/setup.sh
elapsed "set up"
./scripts/build.sh -DLEAN_MLOPS_WERROR=ON
elapsed "built"
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 900)
elapsed "suite passed"
# The fault-injection counts (docs/hardening.md), which ctest keeps in its log.
fault_counts() { grep -h '^fault injection' "$1/Testing/Temporary/LastTest.log" || true; }
fault_counts build

if [ "${SANITIZE:-1}" != 0 ]; then
  echo "test: the whole suite again under ASan + UBSan (build-asan/)"
  BUILD_DIR=build-asan ./scripts/build.sh -DLEAN_MLOPS_WERROR=ON -DLEAN_MLOPS_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo
  elapsed "sanitizer build done"
  # Any report ends the process with exit 86: no test expects that code.
  export ASAN_OPTIONS=exitcode=86:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=exitcode=86:halt_on_error=1:print_stacktrace=1
  # The fault-injection and race trials run fewer times here: the release stage ran them all.
  # The `ci` label packages and installs release binaries, which a sanitizer build is not
  # (dynamic C++ runtime, sanitizer runtimes): those tests ran in the release stage.
  (cd build-asan && FAULT_TRIALS=${FAULT_TRIALS_SANITIZED:-4} RACE_TRIALS=${RACE_TRIALS_SANITIZED:-4} \
    GC_TRIALS=${GC_TRIALS_SANITIZED:-10} ctest --output-on-failure -j "$(nproc)" --timeout 1800 -LE ci)
  fault_counts build-asan
  elapsed "sanitizer suite passed"
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

targets=$(find tests/fuzz -maxdepth 1 -name '*.cpp' ! -name replay_main.cpp | wc -l)
seconds=${FUZZ_SECONDS:-$(( 600 / targets < 60 ? 600 / targets : 60 ))}
if [ "$seconds" != 0 ]; then
  ./scripts/fuzz.sh "$seconds"
  elapsed "fuzzing passed"
fi
