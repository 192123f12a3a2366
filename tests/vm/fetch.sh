#!/bin/sh
# Picks kernels A and B and downloads every Debian package the VM image needs, once.
#
# Why this exists: the VM test must run real kernels, real sysvinit and real kexec-tools, and the
# registry keeps only recent kernel builds, so kernels are chosen by pattern at build time (never
# a version written down) and the choice is cached with the packages under target/vm/debs.
# Usage: tests/vm/fetch.sh OUTDIR   (writes OUTDIR/debs/*.deb and OUTDIR/kernels.env)
#        tests/vm/fetch.sh OUTDIR systemd   (the systemd flavour's extra userland, systemd 252
#        as PID 1, into OUTDIR/debs-systemd; the kernels are the ones OUTDIR/debs already has)
set -eu

out=${1:?usage: fetch.sh OUTDIR [systemd]}
flavour=${2:-sysv}
debs="$out/debs"
[ "$flavour" = sysv ] || debs="$out/debs-$flavour"
mkdir -p "$debs"

# A cache from before sshd was in the image (the fleet test) is fetched again.
grep -qs ' openssh-server ' "$debs/.complete" || rm -f "$debs/.complete"
# Likewise one from before efibootmgr (the EFI scenario).
[ "$flavour" != sysv ] || grep -qs ' efibootmgr ' "$debs/.complete" || rm -f "$debs/.complete"

if [ -f "$debs/.complete" ] && [ -f "$out/kernels.env" ]; then
    exit 0
fi

die() {
    echo "vm fetch: $*" >&2
    exit 1
}

for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; the VM test needs a Debian host"
done

# An empty or old package list: refresh it once.
if ! apt-cache show sysvinit-core >/dev/null 2>&1; then
    apt-get update -q >&2 || die "apt-get update failed"
fi

# Kernel versions of the cloud flavour (not the meta-packages), oldest first. B is the newest; A is the newest of another
# major.minor series (so A and B differ in module format as real upgrades do), else the one
# before B.
versions=$(apt-cache search --names-only '^linux-image-[0-9].*-cloud-amd64$' |
    sed -n 's/^linux-image-\([^ ]*-cloud-amd64\) .*/\1/p' | grep -E '^[0-9]+\.[0-9]+[.-][0-9]' | sort -V)
[ -n "$versions" ] || die "no linux-image-*-cloud-amd64 package known to apt (run apt-get update)"
kernel_b=$(echo "$versions" | tail -n 1)
series_b=$(echo "$kernel_b" | cut -d. -f1,2)
kernel_a=$(echo "$versions" | awk -F. -v s="$series_b" '($1 "." $2) != s' | tail -n 1)
if [ -z "$kernel_a" ]; then
    kernel_a=$(echo "$versions" | tail -n 2 | head -n 1)
fi
[ "$kernel_a" != "$kernel_b" ] || die "need two cloud kernel versions, found only $kernel_b"

# The userland: what the CentOS scripts and the test driver call, plus the libraries of it.
top="sysvinit-core sysvinit-utils bash coreutils util-linux util-linux-extra mount kexec-tools
gawk grep sed procps findutils busybox-static"

# sshd, for the fleet test (tests/vm/fleet): Ansible logs in over SSH.
top="$top openssh-server"

# efibootmgr, for the EFI scenario (OVMF, run-vm.sh --boot-disk grub2-efi): the guest sets
# BootNext and makes boot entries as an admin would.
top="$top efibootmgr"

# Library closure: follow Depends/Pre-Depends only into libraries (no maintainer-script
# machinery such as debconf or perl is wanted in the image).
closure() {
    seen=" "
    todo="$*"
    while [ -n "$todo" ]; do
        next=""
        for p in $todo; do
            case "$seen" in *" $p "*) continue ;; esac
            seen="$seen$p "
        done
        # shellcheck disable=SC2086
        for d in $(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances $todo 2>/dev/null |
            awk '$1=="Depends:"||$1=="PreDepends:"{print $2}' | grep -v '^<' | sort -u); do
            case "$seen" in *" $d "*) continue ;; esac
            case "$d" in lib* | gcc-*-base | zlib1g | readline-common) next="$next $d" ;; esac
        done
        # shellcheck disable=SC2086,SC2116
        todo=$(echo $next)
    done
    echo "$seen"
}

# shellcheck disable=SC2086
pkgs="$(closure $top) linux-image-$kernel_a linux-image-$kernel_b"
# The systemd flavour (tests/vm/systemd): its packages only, with the same library closure.
if [ "$flavour" = systemd ]; then
    [ -f "$out/kernels.env" ] || die "run tests/vm/fetch.sh $out first (the kernels)"
    pkgs=$(closure systemd systemd-sysv udev kmod)
    echo "vm fetch: systemd flavour; downloading $(echo "$pkgs" | wc -w) packages" >&2
    # shellcheck disable=SC2086
    (cd "$debs" && apt-get download -q $pkgs >&2) || die "apt-get download failed (network or stale lists?)"
    echo "$pkgs" >"$debs/.complete"
    exit 0
fi
echo "vm fetch: kernel A $kernel_a, kernel B $kernel_b; downloading $(echo "$pkgs" | wc -w) packages" >&2
# shellcheck disable=SC2086
(cd "$debs" && apt-get download -q $pkgs >&2) || die "apt-get download failed (network or stale lists?)"

printf 'KERNEL_A=%s\nKERNEL_B=%s\n' "$kernel_a" "$kernel_b" >"$out/kernels.env"
echo "$pkgs" >"$debs/.complete"
