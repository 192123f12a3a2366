#!/bin/sh
# Fails unless BINARY is an x86-64 ELF that the dynamic loader of glibc MAX can run: no symbol
# version newer than GLIBC_MAX, only the classic libraries, no DT_RELR. Run by build.sh on
# what it builds; tests/portable.rs checks the binary inside each RPM independently.
# Usage: sh packaging/portable/check-elf.sh BINARY MAX   (MAX like 2.5)
set -eu

bin=${1:?usage: check-elf.sh BINARY MAX}
max=${2:?usage: check-elf.sh BINARY MAX}
fail() { echo "check-elf: $bin: $*" >&2; exit 1; }

[ -f "$bin" ] || fail "no such file"
readelf -h "$bin" | grep -q 'Machine:.*X86-64' || fail "not an x86-64 ELF"

# Every GLIBC_x.y named by a symbol or a version need, the highest last.
versions=$( { objdump -T "$bin"; readelf -V -W "$bin"; } |
    grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -u -V)
[ -n "$versions" ] || fail "names no glibc symbol version (not dynamically linked against glibc?)"
highest=$(printf '%s\n' "$versions" | tail -n 1)
newest=$(printf '%s\n%s\n' "$highest" "$max" | sort -V | tail -n 1)
if [ "$newest" != "$max" ]; then
    needs=$(objdump -T "$bin" | awk -v v="GLIBC_$highest" '$0 ~ v"[ )]" {print $NF}' | tr '\n' ' ')
    fail "needs GLIBC_$highest (${needs:-version need}), newer than glibc $max; build it with packaging/portable/build.sh"
fi

for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    case $lib in
    libc.so.6 | libpthread.so.0 | libdl.so.2 | librt.so.1 | libm.so.6 | libgcc_s.so.1) ;;
    *) fail "needs $lib, which an old release may not have" ;;
    esac
done
if readelf -d "$bin" | grep -q '(RELR)'; then
    fail "has DT_RELR relocations (glibc 2.36 and later only)"
fi
echo "check-elf: $bin: highest glibc symbol version $highest <= $max"
