#!/bin/sh
# Builds the real chkconfig of a CentOS release, static, from ../shared/thirdparty (or
# $KEXEC_THIRDPARTY), and prints the path of the binary.
#
# Why this exists: the links `chkconfig --add`/`on` make are the truth about the rc script's
# header, so tests run the real chkconfig (5.11: 1.3.30.2, 6.10: 1.3.49.5, 7.9: 1.7.6), never a
# stand-in. The sources are test inputs and are never copied into this repository.
# Usage: tests/thirdparty/chkconfig.sh VERSION [OUTDIR]   (OUTDIR defaults to target/thirdparty)
# Exit status: 0 and the binary's path on stdout; 77 with the reason on stderr where the
# sources are absent (callers report the test as skipped); 1 on a build failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
version=${1:?usage: chkconfig.sh VERSION [OUTDIR]}
out=${2:-$top/target/thirdparty}

src_dir=${KEXEC_THIRDPARTY:-$top/../shared/thirdparty}
tarball="$src_dir/chkconfig-$version.tar.gz"
if [ ! -f "$tarball" ]; then
    echo "skipped: $tarball not found (set KEXEC_THIRDPARTY to a copy of shared/thirdparty)" >&2
    exit 77
fi

bin="$out/chkconfig-$version/chkconfig"
if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi

for lib in popt selinux sepol pcre2-8; do
    if ! ls /usr/lib/*/lib"$lib".a >/dev/null 2>&1; then
        echo "chkconfig $version: lib$lib.a not found; run tests/deps.sh (make deps)" >&2
        exit 1
    fi
done

build="$out/build-$version"
rm -rf "$build" "$out/chkconfig-$version"
mkdir -p "$build" "$out/chkconfig-$version"
tar -xzf "$tarball" -C "$build"
cd "$build/chkconfig-$version"
log="$build/build.log"
if ! { gcc -D_GNU_SOURCE -DVERSION="\"$version\"" -w -c chkconfig.c leveldb.c &&
    gcc -static -o chkconfig chkconfig.o leveldb.o -lpopt -lselinux -lsepol -lpcre2-8; } >"$log" 2>&1; then
    echo "chkconfig $version: build failed, see $log" >&2
    exit 1
fi
cp chkconfig "$bin"
rm -rf "$build"
echo "$bin"
