#!/bin/sh
# Makes the two sources of packaging/rpm/kexec-reboot.spec in DIR, so that the SRPM alone
# builds offline: Source0, the release tarball (`git archive` of the work tree: HEAD plus
# uncommitted changes to tracked files), and Source1, the vendored crates (`cargo vendor`)
# with the .cargo/config.toml that makes cargo use them. Run from the top of the repository.
# Usage: sh packaging/rpm/mksources.sh DIR
set -eu

out=${1:?usage: mksources.sh DIR}
name=kexec-reboot
version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "mksources: no version in Cargo.toml" >&2; exit 1; }
mkdir -p "$out"

# Source0. `git stash create` makes a commit of the work tree without touching it (empty
# output when nothing changed); untracked files are left out, as in a release.
tree=$(git stash create 2>/dev/null || true)
[ -n "$tree" ] || tree=HEAD
git archive --format=tar --prefix="$name-$version/" "$tree" | gzip -9n >"$out/$name-$version.tar.gz"

# Source1: vendor/ and .cargo/config.toml, unpacked over Source0 by %setup -a 1.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cargo vendor --locked --quiet "$tmp/vendor" >/dev/null
mkdir -p "$tmp/.cargo"
cat >"$tmp/.cargo/config.toml" <<'TOML'
# From the vendor tarball of the SRPM: build from vendor/ only, never from the network.
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"

[net]
offline = true
TOML
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - .cargo vendor |
    gzip -9n >"$out/$name-$version-vendor.tar.gz"
echo "$out/$name-$version.tar.gz"
echo "$out/$name-$version-vendor.tar.gz"
