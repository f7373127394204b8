#!/usr/bin/env bash
# Release packaging: scripts/package.sh [OUTDIR]   (default: dist/)
#
# Writes into OUTDIR
#   lean-mlops-VERSION-linux-x86_64.tar.gz   the tools built in build/bin (all four once they
#                                            exist), libexec/lean-mlops/ci-run.sh, the docs and
#                                            the licence, in the `cmake --install` layout
#   install.sh                               the installer, a release asset of its own
#   SHA256SUMS                               sha256sum lines for every archive and install.sh
# The archive is reproducible (sorted, fixed owner and mtime, gzip -n), and packaging refuses
# binaries that need a glibc newer than the oldest supported runner's (LEAN_MLOPS_MAX_GLIBC,
# default 2.35: ubuntu-22.04; Debian 12 has 2.36) or a libstdc++ from the build machine.
# Build first: ./scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
outdir=${1:-dist}
max_glibc=${LEAN_MLOPS_MAX_GLIBC:-2.35}
build=${LEAN_MLOPS_BUILD_DIR:-build}

die() { echo "package: error: $*" >&2; exit 1; }

version=$(sh scripts/ship/install.sh --source-version . 2>/dev/null || true)
[ -n "$version" ] || die "cannot read the version from CMakeLists.txt"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x86_64 ;;
  Linux-aarch64) platform=linux-aarch64 ;;
  *) die "packaging is set up for Linux only, not $(uname -s)-$(uname -m)" ;;
esac
[ -x "$build/bin/ml-validate" ] || die "no $build/bin/ml-validate: build first (./scripts/build.sh)"

tools=()
for tool in ml-validate ml-compare ml-drift ml-release; do
  if [ -x "$build/bin/$tool" ]; then
    tools+=("$tool")
    if reported=$("$build/bin/$tool" --version 2>/dev/null); then
      [ "$reported" = "$tool $version" ] || die "$build/bin/$tool reports '$reported', not '$tool $version': rebuild"
    else
      echo "package: warning: $tool --version fails; its version is not checked" >&2
    fi
  else
    echo "package: note: $tool is not built yet; the archive will not have it" >&2
  fi
done

# Portability: the newest glibc symbol version any binary needs, and no libstdc++ dependency.
newest=2.2.5
for tool in "${tools[@]}"; do
  for v in $(objdump -T "$build/bin/$tool" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -u); do
    newest=$(printf '%s\n%s\n' "$newest" "$v" | sort -V | tail -n 1)
  done
  if objdump -p "$build/bin/$tool" | grep -q 'NEEDED.*libstdc++'; then
    die "$tool links libstdc++ dynamically; configure with -DLEAN_MLOPS_STATIC_RUNTIME=ON"
  fi
done
if [ "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -n 1)" != "$max_glibc" ]; then
  die "the binaries need glibc $newest, newer than the supported $max_glibc (see docs/github.md: Supported runners)"
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
name="lean-mlops-$version-$platform"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cmake --install "$build" --prefix "$stage/$name" --strip >/dev/null
cp LICENSE "$stage/$name/LICENSE"
[ ! -f README.md ] || cp README.md "$stage/$name/README.md"
# Only the tools that were built this time (a stale install step cannot add others).
for f in "$stage/$name/bin"/*; do
  case " ${tools[*]} " in *" $(basename "$f") "*) ;; *) rm -f "$f" ;; esac
done

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --mode='u+rw,go+r,go-w' \
  -C "$stage" -cf - "$name" | gzip -n -9 >"$outdir/$name.tar.gz.tmp"
mv -f "$outdir/$name.tar.gz.tmp" "$outdir/$name.tar.gz"
cp scripts/ship/install.sh "$outdir/install.sh"
chmod 0755 "$outdir/install.sh"

(cd "$outdir" && sha256sum -- lean-mlops-"$version"-*.tar.gz install.sh >SHA256SUMS.tmp && mv -f SHA256SUMS.tmp SHA256SUMS)
echo "package: $outdir/$name.tar.gz (${tools[*]}; needs glibc >= $newest)"
echo "package: $outdir/SHA256SUMS"
cd "$root"
