#!/bin/sh
# Installs the lean-mlops tools (ml-validate, ml-compare, ml-drift, ml-release) into a prefix:
# the prebuilt release archive for this OS and architecture, verified against the release's
# SHA256SUMS (and against --sha256 when given), or a build from source.
#
#   curl -fsSLO https://github.com/lean-mlops/lean-mlops/releases/download/v0.1.0/install.sh
#   sh install.sh --version 0.1.0 --prefix ~/.local
#   ./scripts/ship/install.sh --from-source --prefix /usr/local      # from a checkout
#
# POSIX sh: runs in bash, dash and busybox ash (GitLab images without bash). Exit codes
# follow the tools: 2 usage, 3 no usable archive or build, 4 download failed, 5 checksum
# mismatch (never falls back to anything: a mismatch is a reason to stop).
set -eu

usage() {
  cat <<'EOF'
usage: install.sh [--version VER|latest] [--prefix DIR] [options]

  --version VER        release to install: 0.1.0, v0.1.0 or latest (default: $LEAN_MLOPS_VERSION,
                       else the version of the source tree this script is in, else latest)
  --prefix DIR         install into DIR/bin, DIR/libexec, DIR/share (default: $LEAN_MLOPS_PREFIX or ~/.local)
  --base-url URL       where releases are: URL/vVER/ASSET (default: $LEAN_MLOPS_BASE_URL or
                       https://github.com/$LEAN_MLOPS_REPO/releases/download)
  --repo OWNER/NAME    GitHub repository of the releases and the source (default: lean-mlops/lean-mlops)
  --sha256 HEX         also require the archive to have this SHA-256 (pins the download)
  --sums FILE          use this SHA256SUMS file instead of downloading it
  --os OS --arch ARCH  platform of the archive (default: this machine's, e.g. linux x86_64)
  --from-source [DIR]  build from source: DIR, or this script's checkout, or the release's source
  --no-source-fallback fail instead of building from source when no prebuilt archive fits
  --install-deps       let a source build install its Debian/Ubuntu build packages (apt-get)
  --force              reinstall even when the prefix already has this version
  --resolve            print the version that would be installed (resolving latest) and exit
  --source-version DIR print the version of the lean-mlops source tree DIR and exit
  -q, --quiet          only errors
EOF
}

say() { [ "$quiet" = 1 ] || printf 'lean-mlops install: %s\n' "$*" >&2; }
die() { code=$1; shift; printf 'lean-mlops install: error: %s\n' "$*" >&2; exit "$code"; }

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" 2>/dev/null && pwd || echo .)
version=${LEAN_MLOPS_VERSION:-}
prefix=${LEAN_MLOPS_PREFIX:-}
repo=${LEAN_MLOPS_REPO:-lean-mlops/lean-mlops}
base_url=${LEAN_MLOPS_BASE_URL:-}
pin=${LEAN_MLOPS_SHA256:-}
sums_file=
os=
arch=
from_source=0
source_dir=
fallback=1
install_deps=0
force=0
quiet=0
resolve=0
source_version_of=

while [ $# -gt 0 ]; do
  case $1 in
    --version) [ $# -ge 2 ] || die 2 "--version needs a value"; version=$2; shift 2 ;;
    --version=*) version=${1#*=}; shift ;;
    --prefix) [ $# -ge 2 ] || die 2 "--prefix needs a value"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --base-url) [ $# -ge 2 ] || die 2 "--base-url needs a value"; base_url=$2; shift 2 ;;
    --base-url=*) base_url=${1#*=}; shift ;;
    --repo) [ $# -ge 2 ] || die 2 "--repo needs a value"; repo=$2; shift 2 ;;
    --repo=*) repo=${1#*=}; shift ;;
    --sha256) [ $# -ge 2 ] || die 2 "--sha256 needs a value"; pin=$2; shift 2 ;;
    --sha256=*) pin=${1#*=}; shift ;;
    --sums) [ $# -ge 2 ] || die 2 "--sums needs a value"; sums_file=$2; shift 2 ;;
    --os) [ $# -ge 2 ] || die 2 "--os needs a value"; os=$2; shift 2 ;;
    --arch) [ $# -ge 2 ] || die 2 "--arch needs a value"; arch=$2; shift 2 ;;
    --from-source)
      from_source=1
      case ${2:-} in ''|-*) shift ;; *) source_dir=$2; shift 2 ;; esac ;;
    --no-source-fallback) fallback=0; shift ;;
    --install-deps) install_deps=1; shift ;;
    --force) force=1; shift ;;
    --resolve) resolve=1; shift ;;
    --source-version) [ $# -ge 2 ] || die 2 "--source-version needs a value"; source_version_of=$2; shift 2 ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die 2 "unknown option '$1'" ;;
  esac
done

[ -n "$base_url" ] || base_url="https://github.com/$repo/releases/download"
base_url=${base_url%/}
[ -n "$prefix" ] || prefix="${HOME:-/usr/local}/.local"
case $pin in ''|*[!0-9a-fA-F]*) [ -z "$pin" ] || die 2 "--sha256 must be 64 hex digits, not '$pin'" ;; esac
[ -z "$pin" ] || [ ${#pin} -eq 64 ] || die 2 "--sha256 must be 64 hex digits, not '$pin'"
pin=$(printf '%s' "$pin" | tr 'A-F' 'a-f')

# The checkout this script is in, if any: the default source and version.
tree_dir=
if [ -f "$script_dir/../../CMakeLists.txt" ] && grep -q '^project(lean-mlops ' "$script_dir/../../CMakeLists.txt"; then
  tree_dir=$(CDPATH='' cd -- "$script_dir/../.." && pwd)
fi
# The one reader of a source tree's version (action-install.sh and package.sh ask here too).
tree_version() { sed -n 's/^project(lean-mlops VERSION \([0-9][0-9.]*\).*/\1/p' "$1/CMakeLists.txt" | head -n 1; }
if [ -n "$source_version_of" ]; then
  source_version=$(tree_version "$source_version_of" 2>/dev/null || true)
  [ -n "$source_version" ] || die 3 "cannot read the lean-mlops version from $source_version_of/CMakeLists.txt"
  printf '%s\n' "$source_version"
  exit 0
fi

# --- platform -----------------------------------------------------------------------------
[ -n "$os" ] || os=$(uname -s)
[ -n "$arch" ] || arch=$(uname -m)
case $os in
  Linux|linux) os=linux ;;
  Darwin|darwin|macOS|macos) os=macos ;;
  Windows|windows|MINGW*|MSYS*|CYGWIN*) os=windows ;;
  *) os=$(printf '%s' "$os" | tr '[:upper:]' '[:lower:]') ;;
esac
case $arch in
  x86_64|amd64|X64|x64) arch=x86_64 ;;
  aarch64|arm64|ARM64) arch=aarch64 ;;
  *) arch=$(printf '%s' "$arch" | tr '[:upper:]' '[:lower:]') ;;
esac
# The prebuilt binaries link glibc dynamically: on musl (Alpine) only a source build works.
if [ "$os" = linux ] && { ls /lib/ld-musl-* >/dev/null 2>&1 || ldd --version 2>&1 | grep -qi musl; }; then
  os=linux-musl
fi
platform="$os-$arch"

# --- helpers -------------------------------------------------------------------------------
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 "$1" | sed 's/^.*= *//'
  else die 3 "no sha256sum, shasum or openssl to verify the download with"; fi
}

# fetch URL FILE: 0 on success, 1 when the server has no such file (404), 4 on other failures.
downloader=${LEAN_MLOPS_DOWNLOADER:-}
if [ -z "$downloader" ]; then
  if command -v curl >/dev/null 2>&1; then downloader=curl
  elif command -v wget >/dev/null 2>&1; then downloader=wget
  fi
fi
fetch() {
  if [ "$downloader" = curl ]; then
    status=$(curl -sSL --retry 3 --retry-delay 1 --connect-timeout 15 --max-time 600 \
      -w '%{http_code}' -o "$2" "$1" 2>"$tmp/curl.err") || {
      say "download of $1 failed: $(tail -n 1 "$tmp/curl.err")"
      return 4
    }
    case $status in
      2??) return 0 ;;
      404|410) return 1 ;;
      *) say "download of $1 failed: HTTP $status"; return 4 ;;
    esac
  elif [ "$downloader" = wget ]; then
    wget_rc=0
    wget -q -T 15 -t 3 -O "$2" "$1" 2>"$tmp/wget.err" || wget_rc=$?
    # wget exits 8 for an error response from the server, which includes 404.
    case $wget_rc in
      0) return 0 ;;
      8) return 1 ;;
      *) say "download of $1 failed (wget exit $wget_rc)"; return 4 ;;
    esac
  else
    die 3 "neither curl nor wget is installed; install one of them (apt-get install curl)"
  fi
}

# apt_install PACKAGE...: Debian/Ubuntu packages, as root or through sudo.
apt_install() {
  sudo_cmd=
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

installed_version() {
  [ -f "$prefix/share/lean-mlops/receipt" ] || return 1
  sed -n 's/^version=//p' "$prefix/share/lean-mlops/receipt"
}

# install_tree DIR HOW: copies DIR/{bin,libexec,share} into the prefix, each file through a
# temporary name and a rename, so a concurrent reader never runs a half-written binary.
install_tree() {
  mkdir -p "$prefix/share/lean-mlops" || die 3 "cannot create '$prefix'"
  (cd "$1" && find bin libexec share -type f 2>/dev/null) | while IFS= read -r f; do
    mkdir -p "$prefix/$(dirname "$f")"
    cp -p "$1/$f" "$prefix/$f.tmp.$$" && mv -f "$prefix/$f.tmp.$$" "$prefix/$f"
  done
  tools=$(cd "$prefix/bin" && ls ml-validate ml-compare ml-drift ml-release 2>/dev/null | tr '\n' ' ')
  {
    echo "version=$version"
    echo "platform=$platform"
    echo "from=$2"
    echo "tools=${tools% }"
  } >"$prefix/share/lean-mlops/receipt.tmp.$$"
  mv -f "$prefix/share/lean-mlops/receipt.tmp.$$" "$prefix/share/lean-mlops/receipt"
  "$prefix/bin/ml-validate" --version >/dev/null 2>&1 || die 3 "the installed ml-validate does not run on this machine"
  say "installed lean-mlops $version ($2) into $prefix: ${tools% }"
  check_runtime
}

# The shared libraries the tools load from the system (libcurl, OpenSSL, zlib; ml-validate is static) are
# on every runner VM but not in every slim container image: install them (--install-deps, as
# root or with sudo, on Debian/Ubuntu) or say which packages are missing.
check_runtime() {
  command -v ldd >/dev/null 2>&1 || return 0
  missing_libs=$(for b in "$prefix"/bin/ml-*; do ldd "$b" 2>/dev/null; done | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u)
  # libcurl is loaded on first use, not linked, so ldd does not list it: look it up by name.
  ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
  if [ -x "$ldconfig" ] && ! "$ldconfig" -p 2>/dev/null | grep -q 'libcurl\.so\.4 '; then
    missing_libs="$missing_libs libcurl.so.4"
  fi
  [ -n "$missing_libs" ] || return 0
  pkgs=
  for lib in $missing_libs; do
    case $lib in
      libcurl.so.4) pkgs="$pkgs libcurl4" ;;
      libssl.so.3|libcrypto.so.3) pkgs="$pkgs libssl3" ;;
      libz.so.1) pkgs="$pkgs zlib1g" ;;
      *) pkgs="$pkgs ?$lib" ;;
    esac
  done
  pkgs=$(printf '%s\n' $pkgs | sort -u | tr '\n' ' ')
  if [ "$install_deps" = 1 ] && command -v apt-get >/dev/null 2>&1 && case $pkgs in *'?'*) false ;; *) true ;; esac; then
    say "installing the runtime libraries: $pkgs"
    # shellcheck disable=SC2086
    apt_install $pkgs ca-certificates 2>/dev/null && return 0
  fi
  say "warning: this system lacks $(printf '%s' "$missing_libs" | tr '\n' ' ')(Debian/Ubuntu packages: $pkgs); the tools that need them will not start"
}

build_from_source() {
  src=$1
  # This script's own checkout builds only when it is the requested version.
  if [ -z "$src" ] && [ -n "$tree_dir" ]; then
    if [ -z "$version" ] || [ "$version" = latest ] || [ "$(tree_version "$tree_dir")" = "$version" ]; then
      src=$tree_dir
    fi
  fi
  if [ -z "$src" ]; then
    [ "$version" != latest ] || die 3 "a source build needs --version VER or a source directory"
    say "downloading the source of v$version from github.com/$repo"
    fetch "https://github.com/$repo/archive/refs/tags/v$version.tar.gz" "$tmp/source.tar.gz" \
      || die 4 "cannot download the source of v$version"
    mkdir "$tmp/source"
    tar -xzf "$tmp/source.tar.gz" -C "$tmp/source" --strip-components=1 || die 3 "the source archive is damaged"
    src="$tmp/source"
  fi
  [ -f "$src/CMakeLists.txt" ] || die 3 "'$src' is not a lean-mlops source tree"
  if [ "$version" = latest ] || [ -z "$version" ]; then version=$(tree_version "$src"); fi
  # The build packages, the list scripts/setup.sh installs too.
  build_deps=$(grep -v '^#' "$src/scripts/packages/build.txt" 2>/dev/null | tr '\n' ' ' | sed 's/  */ /g; s/ $//')
  if [ "$install_deps" = 1 ] && command -v apt-get >/dev/null 2>&1; then
    missing=
    for pkg in $build_deps; do
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
      say "installing build packages:$missing"
      # shellcheck disable=SC2086
      apt_install $missing || die 3 "apt-get could not install the build packages"
    fi
  fi
  command -v cmake >/dev/null 2>&1 || die 3 "building from source needs CMake and a C++20 compiler (Debian/Ubuntu: apt-get install $build_deps; or pass --install-deps)"
  say "building lean-mlops $version from source in $src (a few minutes)"
  jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
  cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DLEAN_MLOPS_TESTS=OFF >"$tmp/build.log" 2>&1 \
    && cmake --build "$tmp/build" -j "$jobs" >>"$tmp/build.log" 2>&1 \
    && cmake --install "$tmp/build" --prefix "$tmp/stage" >>"$tmp/build.log" 2>&1 \
    || { tail -n 30 "$tmp/build.log" >&2; die 3 "the source build failed (missing build packages? $build_deps)"; }
  install_tree "$tmp/stage" source
}

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t lean-mlops)
trap 'rm -rf "$tmp"' EXIT INT TERM

# --- version --------------------------------------------------------------------------------
version=${version#v}
if [ -z "$version" ]; then
  if [ -n "$tree_dir" ]; then version=$(tree_version "$tree_dir"); else version=latest; fi
fi

if [ "$from_source" = 1 ]; then
  if [ -n "$source_dir" ] && [ "$version" = latest ]; then version=$(tree_version "$source_dir"); fi
  build_from_source "$source_dir"
  exit 0
fi

if [ "$version" = latest ]; then
  # GitHub serves the newest release's assets under releases/latest/download/.
  case $base_url in
    */releases/download) latest_url="${base_url%/download}/latest/download/SHA256SUMS" ;;
    *) latest_url="$base_url/latest/SHA256SUMS" ;;
  esac
  fetch "$latest_url" "$tmp/SHA256SUMS" || die 4 "cannot find the latest release at $latest_url"
  version=$(sed -n "s/^[0-9a-f]\{64\} [ *]lean-mlops-\([0-9][0-9A-Za-z.+-]*\)-$platform\.tar\.gz\$/\1/p" "$tmp/SHA256SUMS" | head -n 1)
  [ -n "$version" ] || version=$(sed -n 's/^[0-9a-f]\{64\} [ *]lean-mlops-\([0-9][0-9.]*\)-.*\.tar\.gz$/\1/p' "$tmp/SHA256SUMS" | head -n 1)
  [ -n "$version" ] || die 3 "the latest release's SHA256SUMS names no lean-mlops archive"
  sums_file="$tmp/SHA256SUMS"
fi
case $version in
  [0-9]*) ;;
  *) die 2 "--version must look like 1.2.3 (or latest), not '$version'" ;;
esac
if [ "$resolve" = 1 ]; then printf '%s\n' "$version"; exit 0; fi

# --- already installed ----------------------------------------------------------------------
if [ "$force" = 0 ] && [ "$(installed_version 2>/dev/null || true)" = "$version" ] \
  && "$prefix/bin/ml-validate" --version >/dev/null 2>&1; then
  say "lean-mlops $version is already installed in $prefix (cache hit; --force reinstalls)"
  exit 0
fi

# --- prebuilt archive -----------------------------------------------------------------------
asset="lean-mlops-$version-$platform.tar.gz"
url="$base_url/v$version"
no_prebuilt() {
  if [ "$fallback" = 1 ]; then
    say "$1; building from source instead"
    build_from_source "$source_dir"
    exit 0
  fi
  die 3 "$1 (and --no-source-fallback was given)"
}

if [ -z "$sums_file" ]; then
  rc=0
  fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS" || rc=$?
  case $rc in
    0) sums_file="$tmp/SHA256SUMS" ;;
    1) no_prebuilt "no release v$version at $url" ;;
    *) no_prebuilt "cannot reach $url" ;;
  esac
fi
expected=$(awk -v name="$asset" '{ f = $2; sub(/^\*/, "", f); if (f == name) { print tolower($1); exit } }' "$sums_file")
if [ -z "$expected" ]; then
  no_prebuilt "release v$version has no prebuilt archive for $platform"
fi
case $expected in *[!0-9a-f]*) die 5 "SHA256SUMS has a malformed line for $asset" ;; esac
[ ${#expected} -eq 64 ] || die 5 "SHA256SUMS has a malformed line for $asset"
if [ -n "$pin" ] && [ "$pin" != "$expected" ]; then
  die 5 "$asset: SHA256SUMS says $expected but --sha256 pins $pin; refusing to install"
fi

say "downloading $url/$asset"
rc=0
fetch "$url/$asset" "$tmp/$asset" || rc=$?
case $rc in
  0) ;;
  1) no_prebuilt "$url/$asset is listed in SHA256SUMS but missing" ;;
  *) die 4 "cannot download $url/$asset" ;;
esac
actual=$(sha256_of "$tmp/$asset")
if [ "$actual" != "$expected" ]; then
  die 5 "checksum mismatch for $asset: expected $expected, got $actual; refusing to install (corrupted or tampered download)"
fi
say "checksum verified: $asset sha256 $actual"

mkdir "$tmp/unpacked"
tar -xzf "$tmp/$asset" -C "$tmp/unpacked" || die 3 "cannot unpack $asset"
top="$tmp/unpacked/lean-mlops-$version-$platform"
[ -x "$top/bin/ml-validate" ] || die 3 "$asset does not contain bin/ml-validate"
rm -f "$top/SHA256SUMS"
install_tree "$top" "prebuilt sha256:$actual"
