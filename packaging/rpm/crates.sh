#!/bin/sh
# The crates compiled into /usr/sbin/kexec-reboot, from Cargo.lock, and what the RPM says about
# them: the combined License expression, one `Provides: bundled(crate(NAME)) = VERSION` each,
# and packaging/rpm/LICENSE.dependencies (shipped as a licence file).
#
# Why this exists: the binary links its crates statically, so the package carries their
# licences and must say which crates it bundles (Fedora's Rust and bundling guidelines). The
# set is what `cargo tree` resolves from Cargo.lock for Linux with normal edges only: no
# dev-dependencies (tests), no build-dependencies or proc-macros (they run at build time and
# are not linked in), no crates for other targets (windows-sys...).
#
# Usage (from anywhere in the repository):
#   sh packaging/rpm/crates.sh list       NAME VERSION LICENSE, one crate a line
#   sh packaging/rpm/crates.sh license    the License: expression
#   sh packaging/rpm/crates.sh provides   the Provides: lines
#   sh packaging/rpm/crates.sh notice     the text of LICENSE.dependencies
#   sh packaging/rpm/crates.sh update     rewrites the spec's License:, its Provides: block
#                                         and LICENSE.dependencies; run after changing
#                                         Cargo.lock (tests/rpm.rs fails until then)
set -eu

cd "$(dirname "$0")/../.."
spec=packaging/rpm/kexec-reboot.spec
notice_file=packaging/rpm/LICENSE.dependencies
target=x86_64-unknown-linux-gnu

# "NAME VERSION|LICENSE" for every crate, ours included, sorted and unique.
tree() {
    cargo tree --locked --quiet -e normal,no-proc-macro --target "$target" \
        --prefix none --no-dedupe -f '{p}|{l}' |
        sed 's/ (\/[^)]*)|/|/; s/ v\([^ |]*\)|/ \1|/' | LC_ALL=C sort -u
}

# Our own crate: the package's own licence comes first in the expression.
own() {
    sed -n 's/^name = "\([^"]*\)"$/\1/p' Cargo.toml | head -n 1
}

list() {
    me=$(own)
    tree | awk -F'|' -v me="$me" '{ split($1, nv, " "); if (nv[1] != me) print nv[1], nv[2], $2 }'
}

license() {
    me=$(own)
    mine=$(tree | awk -F'|' -v me="$me" '{ split($1, nv, " "); if (nv[1] == me) print $2 }')
    [ -n "$mine" ] || { echo "crates.sh: no licence for $me in Cargo.toml" >&2; exit 1; }
    tree | cut -d'|' -f2 | LC_ALL=C sort -u |
        awk -v mine="$mine" '
            function term(l) { return (l ~ / (OR|AND) /) ? "(" l ")" : l }
            BEGIN { out = term(mine) }
            $0 != mine { out = out " AND " term($0) }
            END { print out }'
}

provides() {
    list | awk '{ printf "Provides:       bundled(crate(%s)) = %s\n", $1, $2 }'
}

notice() {
    echo "Crates compiled into /usr/sbin/kexec-reboot, by licence (from Cargo.lock, made by"
    echo "packaging/rpm/crates.sh). Each crate's licence text is in its source, in the SRPM's"
    echo "vendor tarball."
    list | awk '{ lic = $3; for (i = 4; i <= NF; i++) lic = lic " " $i; print lic "|" $1 " " $2 }' |
        LC_ALL=C sort -t'|' -k1,1 -k2,2 |
        awk -F'|' '$1 != last { printf "\n%s\n", $1; last = $1 } { printf "    %s\n", $2 }'
}

update() {
    lic=$(license)
    prov=$(provides)
    tmp="$spec.tmp"
    PROV="$prov" LIC="$lic" awk '
        /^License:/ { print "License:        " ENVIRON["LIC"]; next }
        /^# BEGIN bundled crates/ { print; print ENVIRON["PROV"]; skip = 1; next }
        /^# END bundled crates/ { skip = 0 }
        !skip { print }' "$spec" >"$tmp"
    grep -q '^# END bundled crates' "$tmp" || { rm -f "$tmp"; echo "crates.sh: no bundled-crates block in $spec" >&2; exit 1; }
    mv "$tmp" "$spec"
    notice >"$notice_file"
    echo "updated $spec and $notice_file"
}

case ${1:-} in
    list | license | provides | notice | update) "$1" ;;
    *) echo "usage: crates.sh {list|license|provides|notice|update}" >&2; exit 2 ;;
esac
