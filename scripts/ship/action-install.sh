#!/usr/bin/env bash
# The install steps of the GitHub actions (action.yml and */action.yml), kept here so they
# can be tested outside GitHub (tests/ci/test_github_action.py).
#
#   action-install.sh resolve   which version, where it goes, the cache key; outputs:
#                               version, path, key, installed (already in the tool cache),
#                               cacheable (a prebuilt archive, not a source build)
#   action-install.sh install   install it (prebuilt + SHA256SUMS, else from the action's
#                               own source), put its bin/ on PATH; outputs: bin-dir, downloaded
#
# Inputs (environment): LEAN_VERSION ('' = this action's release, 1.2.3, latest, source),
# LEAN_SHA256 (optional pin of the archive), LEAN_MLOPS_BASE_URL (default: this action's
# repository's GitHub releases), and the runner's RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE,
# RUNNER_TEMP, GITHUB_ACTION_PATH, GITHUB_ACTION_REPOSITORY, GITHUB_OUTPUT, GITHUB_PATH.
set -euo pipefail

# The repository root of the action: per-tool actions live in subfolders of it.
action_dir=$(cd "$(dirname "$0")/../.." && pwd)
install_sh="$action_dir/scripts/ship/install.sh"

fail() {
  echo "::error title=lean-mlops install::$*"
  exit "${code:-3}"
}

output() { [ -z "${GITHUB_OUTPUT:-}" ] || printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; }

case ${RUNNER_OS:-Linux} in
  Linux) os=linux ;;
  macOS) os=macos ;;
  Windows) os=windows ;;
  *) os=$(printf '%s' "${RUNNER_OS}" | tr '[:upper:]' '[:lower:]') ;;
esac
case ${RUNNER_ARCH:-X64} in
  X64) arch=x86_64 ;;
  ARM64) arch=aarch64 ;;
  *) arch=$(printf '%s' "${RUNNER_ARCH}" | tr '[:upper:]' '[:lower:]') ;;
esac

repository=${GITHUB_ACTION_REPOSITORY:-}
# `uses: ./` (the action inside its own repository) has no action repository.
[ -n "$repository" ] || repository=${GITHUB_REPOSITORY:-lean-mlops/lean-mlops}
base_url=${LEAN_MLOPS_BASE_URL:-https://github.com/$repository/releases/download}
tool_cache=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}/tool-cache}

requested=${LEAN_VERSION:-}
requested=${requested#v}
tree_version=$(sh "$install_sh" --source-version "$action_dir" 2>/dev/null || true)

resolve() {
  local version source=false
  [ "$os" = linux ] || code=2 fail "lean-mlops runs on Linux runners (ubuntu-22.04 or newer, or a Linux container); this job runs on $RUNNER_OS"
  case $requested in
    '') version=$tree_version ;;
    source) version="$tree_version-source"; source=true ;;
    latest)
      version=$(sh "$install_sh" --quiet --resolve --version latest --base-url "$base_url" --os "$os" --arch "$arch") \
        || fail "cannot resolve the latest lean-mlops release at $base_url"
      ;;
    [0-9]*) version=$requested ;;
    *) code=2 fail "version must be a release such as 1.2.3, latest or source, not '$LEAN_VERSION'" ;;
  esac
  [ -n "$version" ] || fail "cannot read the lean-mlops version from $action_dir/CMakeLists.txt"
  # The layout of @actions/tool-cache: TOOL/VERSION/ARCH, so self-hosted runners keep it.
  local path="$tool_cache/lean-mlops/$version/$arch"
  local installed=false
  if [ -f "$path/share/lean-mlops/receipt" ] && grep -qx "version=${version%-source}" "$path/share/lean-mlops/receipt" \
    && "$path/bin/ml-validate" --version >/dev/null 2>&1; then
    installed=true
    echo "lean-mlops $version is already in the tool cache: $path"
  fi
  output version "$version"
  output path "$path"
  output key "lean-mlops-$version-$os-$arch"
  output installed "$installed"
  output cacheable "$([ "$source" = true ] && echo false || echo true)"
}

install() {
  local version=${LEAN_RESOLVED_VERSION:?} path=${LEAN_PATH:?}
  local receipt="$path/share/lean-mlops/receipt" downloaded=false
  if [ -f "$receipt" ] && grep -qx "version=${version%-source}" "$receipt" && "$path/bin/ml-validate" --version >/dev/null 2>&1; then
    echo "lean-mlops $version: cache hit ($path)"
  elif [[ $version == *-source ]]; then
    sh "$install_sh" --from-source "$action_dir" --prefix "$path" --install-deps || fail "the source build failed"
  else
    local args=(--version "$version" --prefix "$path" --base-url "$base_url" --os "$os" --arch "$arch" --install-deps)
    [ -z "${LEAN_SHA256:-}" ] || args+=(--sha256 "$LEAN_SHA256")
    local rc=0
    sh "$install_sh" "${args[@]}" || rc=$?
    [ "$rc" -eq 0 ] || code=$rc fail "installing lean-mlops $version failed (exit $rc); see the log above"
    grep -q '^from=prebuilt' "$receipt" && downloaded=true
  fi
  [ -z "${GITHUB_PATH:-}" ] || echo "$path/bin" >>"$GITHUB_PATH"
  output bin-dir "$path/bin"
  output downloaded "$downloaded"
}

case ${1:-} in
  resolve) resolve ;;
  install) install ;;
  *) echo "usage: action-install.sh resolve|install" >&2; exit 2 ;;
esac
