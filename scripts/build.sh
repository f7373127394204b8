#!/usr/bin/env bash
# Release build into build/ (or $BUILD_DIR); the tools land in build/bin/. Extra arguments go
# to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "${BUILD_DIR:-build}" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3 "$@" >/dev/null
cmake --build "${BUILD_DIR:-build}" -j "$(nproc)"
