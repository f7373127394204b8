#!/usr/bin/env bash
# Formats the C++ sources by .clang-format (Debian's clang-format 14): the whole tree, so a
# diff holds changes, not style. --check changes nothing: it names each file that differs and
# exits 1 (tests/ci/test_lint.py runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if [ "${1:-}" = --check ]; then
  clang-format --dry-run -Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
