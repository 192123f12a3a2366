#!/bin/sh
# Makes the two sources of packaging/rpm/kexec-reboot.spec in DIR, so that the SRPM alone
# builds offline:
# - Source0, the release tarball: `git archive` of a commit, never of uncommitted work. The
#   tarball names its commit (`git get-tar-commit-id <kexec-reboot-VERSION.tar.gz`, after
#   gunzip). A work tree whose tracked files differ from HEAD is refused, unless
#   KEXEC_SRPM_ALLOW_DIRTY=1: then the work tree is committed to a throwaway commit
#   (`git stash create`, the work tree is not touched) and that commit is archived and named.
# - Source1, the vendored crates with the .cargo/config.toml that makes cargo use them,
#   filtered to Linux (cargo-vendor-filterer, installed by tests/deps.sh): crates only other
#   targets need (windows-sys...) are left out, which cargo allows since it never builds them.
# Run from the top of the repository. Usage: sh packaging/rpm/mksources.sh DIR
set -eu

out=${1:?usage: mksources.sh DIR}
name=kexec-reboot
version=$(sed -n 's/^version = "\([^"]*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "mksources: no version in Cargo.toml" >&2; exit 1; }
platform=x86_64-unknown-linux-gnu

# Source0 first: refuse before any slow work.
git update-index -q --refresh >/dev/null 2>&1 || :
if git diff-index --quiet HEAD --; then
    commit=$(git rev-parse HEAD)
elif [ "${KEXEC_SRPM_ALLOW_DIRTY:-}" = 1 ]; then
    commit=$(git stash create)
    echo "mksources: the work tree has uncommitted changes; packaging them as commit $commit (not on any branch)" >&2
else
    echo "mksources: the work tree has uncommitted changes (git status); commit them first, or set KEXEC_SRPM_ALLOW_DIRTY=1 for a throwaway package" >&2
    git status --short --untracked-files=no >&2
    exit 1
fi

vendor_filterer() {
    if command -v cargo-vendor-filterer >/dev/null 2>&1; then
        return 0
    fi
    echo "mksources: cargo-vendor-filterer not found; run sh tests/deps.sh" >&2
    exit 1
}
PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH
vendor_filterer

mkdir -p "$out"
git archive --format=tar --prefix="$name-$version/" "$commit" | gzip -9n >"$out/$name-$version.tar.gz"

# Source1: vendor/ and .cargo/config.toml, unpacked over Source0 by %setup -a 1.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cargo vendor-filterer --platform="$platform" "$tmp/vendor" >"$tmp/log" 2>&1 ||
    { cat "$tmp/log" >&2; echo "mksources: cargo vendor-filterer failed" >&2; exit 1; }
mkdir -p "$tmp/.cargo"
cat >"$tmp/.cargo/config.toml" <<'TOML'
# From the vendor tarball of the SRPM: build from vendor/ only, never from the network.
# vendor/ holds what Linux builds need (cargo-vendor-filterer --platform x86_64-unknown-linux-gnu).
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"

[net]
offline = true
TOML
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - .cargo vendor |
    gzip -9n >"$out/$name-$version-vendor.tar.gz"
echo "$out/$name-$version.tar.gz ($commit)"
echo "$out/$name-$version-vendor.tar.gz"
