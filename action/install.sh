#!/usr/bin/env bash
# Installs backlint for the GitHub Action (action.yml): the release archive for this
# machine, checked against its SHA-256 file, or, where the release has no binary for
# this machine, a build with `cargo install --locked`.
#
# Environment (the action's inputs; every one has a default):
#   BACKLINT_VERSION       version to install (`0.1.0` or `v0.1.0`); empty: the version
#                          of the action's own source ($BACKLINT_SOURCE/Cargo.toml)
#   BACKLINT_SOURCE        the action's own source tree (the action sets it to
#                          $GITHUB_ACTION_PATH); built by the fallback when the version
#                          is its own
#   BACKLINT_RELEASES      where releases are: a URL (https://…, file://…) or a
#                          directory, holding v{version}/{archive} and
#                          v{version}/{archive}.sha256
#   BACKLINT_TARGET        the target triple to fetch (default: this machine's)
#   BACKLINT_INSTALL_DIR   where `backlint` and `cargo-backlint` go (default:
#                          $RUNNER_TEMP/backlint/bin, or ~/.backlint/bin)
#   BACKLINT_CARGO         the cargo of the fallback (default: cargo)
# Archives are named backlint-v{version}-{target}.tar.gz (.zip on Windows) and hold a
# directory of the same name with the binaries, as .github/workflows/release.yml makes
# them and [package.metadata.binstall] in Cargo.toml expects.
#
# Prints what it does; writes `path` and `version` to $GITHUB_OUTPUT and the directory to
# $GITHUB_PATH when they are set. Exit status 1 when nothing could be installed, or when
# an archive does not match its checksum (it is then not installed, and no build is
# tried in its place).
set -euo pipefail

die() {
  echo "::error title=backlint install::$*" >&2
  exit 1
}

source_dir=${BACKLINT_SOURCE:-${GITHUB_ACTION_PATH:-}}
releases=${BACKLINT_RELEASES:-https://github.com/backlint/backlint/releases/download}
releases=${releases%/}
cargo=${BACKLINT_CARGO:-cargo}

# The version: the input, or the action's own.
version=${BACKLINT_VERSION:-}
own=false
if [ -z "$version" ]; then
  [ -n "$source_dir" ] && [ -f "$source_dir/Cargo.toml" ] ||
    die "no version given and no action source to read one from"
  version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$source_dir/Cargo.toml" | head -n 1)
  [ -n "$version" ] || die "no version in $source_dir/Cargo.toml"
  own=true
fi
version=${version#v}
case $version in
  *[!0-9A-Za-z.+-]* | "") die "not a version: '$version'" ;;
esac

# This machine's target triple, among those the release workflow builds.
target=${BACKLINT_TARGET:-}
if [ -z "$target" ]; then
  os=$(uname -s)
  arch=$(uname -m)
  case "$os/$arch" in
    Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
    Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
    Darwin/x86_64) target=x86_64-apple-darwin ;;
    Darwin/arm64 | Darwin/aarch64) target=aarch64-apple-darwin ;;
    MINGW*/x86_64 | MSYS*/x86_64 | CYGWIN*/x86_64 | Windows_NT/x86_64) target=x86_64-pc-windows-msvc ;;
    *) target="unknown ($os/$arch)" ;;
  esac
fi
case $target in
  *windows*) ext=zip exe=.exe ;;
  *) ext=tar.gz exe='' ;;
esac

install_dir=${BACKLINT_INSTALL_DIR:-}
if [ -z "$install_dir" ]; then
  if [ -n "${RUNNER_TEMP:-}" ]; then
    install_dir=$RUNNER_TEMP/backlint/bin
  else
    install_dir=$HOME/.backlint/bin
  fi
fi
mkdir -p "$install_dir"
install_dir=$(cd "$install_dir" && pwd)

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/backlint-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Copies $1 (relative to the release directory) to $2; status 1 when it is not there.
fetch() {
  local url=$releases/v$version/$1
  case $url in
    https://* | http://*)
      if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --retry 3 --output "$2" "$url"
      elif command -v wget >/dev/null 2>&1; then
        wget --quiet --output-document "$2" "$url"
      else
        die "neither curl nor wget to download $url"
      fi
      ;;
    file://*) cp "${url#file://}" "$2" 2>/dev/null ;;
    *) cp "$url" "$2" 2>/dev/null ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    die "no sha256sum, shasum or openssl to check the download"
  fi
}

unpack() {
  case $1 in
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q "$1" -d "$2"
      elif command -v 7z >/dev/null 2>&1; then
        7z x -y "-o$2" "$1" >/dev/null
      else
        powershell -NoProfile -Command "Expand-Archive -LiteralPath '$1' -DestinationPath '$2'"
      fi
      ;;
    *) tar -xzf "$1" -C "$2" ;;
  esac
}

from_release() {
  local name=backlint-v$version-$target
  local archive=$name.$ext
  echo "Downloading $archive from $releases/v$version/"
  if ! fetch "$archive" "$work/$archive"; then
    echo "No release archive $archive for $target"
    return 1
  fi
  fetch "$archive.sha256" "$work/$archive.sha256" ||
    die "the release has $archive but not its checksum $archive.sha256: refusing to install it"
  local expected actual
  expected=$(tr -d '\r' <"$work/$archive.sha256" | cut -d ' ' -f 1 | tr 'A-F' 'a-f')
  actual=$(sha256 "$work/$archive")
  if [ "$expected" != "$actual" ]; then
    die "checksum mismatch for $archive: expected $expected, got $actual; not installing it"
  fi
  echo "Checksum verified: $actual"
  mkdir "$work/unpacked"
  unpack "$work/$archive" "$work/unpacked"
  local bin
  for bin in backlint cargo-backlint; do
    [ -f "$work/unpacked/$name/$bin$exe" ] || die "$archive holds no $name/$bin$exe"
    cp "$work/unpacked/$name/$bin$exe" "$install_dir/$bin$exe"
    chmod +x "$install_dir/$bin$exe"
  done
  how="release archive $archive"
}

from_source() {
  command -v "$cargo" >/dev/null 2>&1 ||
    die "no release binary of backlint $version for $target, and no cargo to build it (add a Rust toolchain step before this action)"
  local root=$work/cargo-root
  # From a directory of its own: cargo started in the checkout would honour its
  # rust-toolchain.toml and .cargo/config.toml.
  if $own && [ -f "$source_dir/Cargo.lock" ]; then
    echo "Building backlint $version from the action's source with cargo install --locked"
    (cd "$work" && "$cargo" install --locked --root "$root" --path "$source_dir")
  else
    echo "Building backlint $version from crates.io with cargo install --locked"
    (cd "$work" && "$cargo" install --locked --root "$root" --version "=$version" backlint)
  fi
  local bin
  for bin in backlint cargo-backlint; do
    [ -f "$root/bin/$bin$exe" ] || die "cargo install made no $bin$exe"
    cp "$root/bin/$bin$exe" "$install_dir/$bin$exe"
  done
  how="cargo install --locked"
}

how=
case $target in
  unknown*)
    echo "No release binary for this machine, $target"
    from_source
    ;;
  *) from_release || from_source ;;
esac

echo "Installed backlint $version ($how) in $install_dir"
"$install_dir/backlint$exe" --version
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$install_dir" >>"$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "path=$install_dir/backlint$exe"
    echo "version=$version"
  } >>"$GITHUB_OUTPUT"
fi
