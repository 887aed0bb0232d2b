#!/usr/bin/env bash
# Packs the release binaries of one target as the GitHub Action (action/install.sh) and
# `cargo binstall` ([package.metadata.binstall] in Cargo.toml) expect them:
#
#   OUT/backlint-v{VERSION}-{TARGET}.tar.gz          (.zip for Windows targets), holding
#       backlint-v{VERSION}-{TARGET}/backlint, cargo-backlint (.exe), README.md
#   OUT/backlint-v{VERSION}-{TARGET}.tar.gz.sha256   `sha256sum` format: HASH  NAME
#
# Usage: package-release.sh VERSION TARGET BIN_DIR OUT [README]
# VERSION without the leading v; BIN_DIR holds the two built binaries. Used by
# .github/workflows/release.yml and by the tests (tests/action.rs).
set -euo pipefail

[ $# -ge 4 ] || {
  echo "usage: $0 VERSION TARGET BIN_DIR OUT [README]" >&2
  exit 2
}
version=${1#v}
target=$2
bin_dir=$3
out=$4
readme=${5:-README.md}

case $target in
  *windows*) exe=.exe ext=zip ;;
  *) exe='' ext=tar.gz ;;
esac
name=backlint-v$version-$target
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
for bin in backlint cargo-backlint; do
  cp "$bin_dir/$bin$exe" "$stage/$name/$bin$exe"
  chmod +x "$stage/$name/$bin$exe"
done
cp "$readme" "$stage/$name/README.md"

archive=$name.$ext
rm -f "$out/$archive"
(
  cd "$stage"
  if [ "$ext" = zip ]; then
    if command -v 7z >/dev/null 2>&1; then
      7z a -tzip -bso0 "$out/$archive" "$name"
    else
      zip -qr "$out/$archive" "$name"
    fi
  else
    tar -czf "$out/$archive" "$name"
  fi
)
(
  cd "$out"
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$archive" >"$archive.sha256"
  else
    shasum -a 256 "$archive" >"$archive.sha256"
  fi
)
echo "$out/$archive"
