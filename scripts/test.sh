#!/usr/bin/env bash
# Everything CI does: install dependencies, build with warnings as errors, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh -DLEAN_MLOPS_WERROR=ON
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 900
