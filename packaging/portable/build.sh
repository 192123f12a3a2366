#!/bin/sh
# Builds the release binary that the RPMs ship: linked against glibc 2.5 symbols (CentOS 5's
# glibc; CentOS 6 has 2.12, CentOS 7 2.17) with zig as the linker (cargo-zigbuild), plus
# oldglibc.c for the few functions Rust's std needs that glibc 2.5 lacks. Then checks the ELF.
# Why this way and what was ruled out: docs/portability.md.
# Usage: sh packaging/portable/build.sh [OUT]   (default OUT: target/portable/kexec-reboot)
# Needs: cargo, cargo-zigbuild and zig (`python3 -m ziglang`), installed by tests/deps.sh.
set -eu

cd "$(dirname "$0")/../.."
out=${1:-target/portable/kexec-reboot}
glibc=2.5
triple=x86_64-unknown-linux-gnu
dir=target/portable
mkdir -p "$dir" "$(dirname "$out")"

# pip puts cargo-zigbuild in the interpreter's scripts directory, which may not be on PATH.
PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || echo /usr/local/bin)"
export PATH
command -v cargo-zigbuild >/dev/null 2>&1 ||
    { echo "portable: cargo-zigbuild not found; run sh tests/deps.sh" >&2; exit 1; }
python3 -m ziglang version >/dev/null 2>&1 ||
    { echo "portable: zig not found (python3 -m ziglang); run sh tests/deps.sh" >&2; exit 1; }

# The shim, compiled for the same glibc; linked as an object so its definitions win.
python3 -m ziglang cc -target "x86_64-linux-gnu.$glibc" -O2 -fPIC -Wall -Wextra -Werror \
    -c packaging/portable/oldglibc.c -o "$dir/oldglibc.o"

# --hash-style=both: a DT_HASH table too, so rpm's dependency generator adds no
# rtld(GNU_HASH) requirement. --build-id: rpmbuild and debuggers want one.
# Paths with spaces would break RUSTFLAGS; $PWD is the repository's own directory.
flags="-C link-arg=$PWD/$dir/oldglibc.o -C link-arg=-Wl,--hash-style=both -C link-arg=-Wl,--build-id=sha1"
CARGO_TARGET_DIR=$dir \
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="$flags" \
    cargo zigbuild --locked --release --quiet --target "$triple.$glibc"

cp "$dir/$triple/release/kexec-reboot" "$out.tmp"
mv "$out.tmp" "$out"
sh packaging/portable/check-elf.sh "$out" "$glibc"
