#!/usr/bin/env bash
# Installs every build and test dependency on a fresh Debian/Ubuntu machine. Idempotent:
# packages already present are not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: scripts/packages/build.txt (read below), plus ninja and the unit tests' doctest.
packages=(ninja-build doctest-dev)
# Tests and benchmarks: Debian's Python with the scientific stack the reference checks use.
packages+=(python3 python3-numpy python3-scipy python3-sklearn python3-botocore hyperfine time)
# The build's packages and those of later features: scripts/packages/*.txt, one per line.
if compgen -G "scripts/packages/*.txt" >/dev/null; then
  while read -r pkg; do [ -n "$pkg" ] && packages+=("$pkg"); done < <(grep -hv '^#' scripts/packages/*.txt)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm test tools, pinned by the committed lockfile.
if [ -f package-lock.json ]; then
  if ! command -v npm >/dev/null; then
    echo "setup: npm is needed for the test tools (install nodejs and npm)" >&2
    exit 1
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
echo "setup: ok"
