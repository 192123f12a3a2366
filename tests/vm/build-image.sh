#!/bin/sh
# Builds the VM test's base trees from Debian packages: a CentOS-shaped root filesystem with real
# sysvinit and kexec-tools, a /boot with kernels A and B, their initrds and a GRUB-legacy
# grub.conf (default B, which is not the first entry). No root filesystem install, no loop
# mounts: packages are unpacked with dpkg-deb -x; images are made later with mke2fs -d.
#
# Why this exists: the end-to-end test (tests/vm.rs, `make demo`) needs a machine that reboots
# the way a CentOS 5/6 server does; run-vm.sh copies these trees per scenario.
# Usage: tests/vm/build-image.sh OUTDIR   (cached: a rerun with unchanged inputs is instant)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-image.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() {
    echo "vm image: $*" >&2
    exit 1
}

for tool in dpkg-deb objcopy xz zstd cpio gzip sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run tests/deps.sh (make deps)"
done

sh "$here/fetch.sh" "$out"
# shellcheck source=/dev/null
. "$out/kernels.env"

# The inputs of the base trees; the same inputs give the same trees.
stamp=$( (cat "$out/kernels.env" "$out/debs/.complete" "$here/build-image.sh" &&
    find "$here/guest" -type f | sort | xargs cat) | sha256sum | cut -d' ' -f1)
base="$out/base"
if [ -f "$base/.stamp" ] && [ "$(cat "$base/.stamp")" = "$stamp" ]; then
    exit 0
fi
echo "vm image: building base trees (kernel A $KERNEL_A, kernel B $KERNEL_B)" >&2
rm -rf "$base"
mkdir -p "$base/stage" "$base/boot/grub" "$base/kernels"

# Kernels: each unpacked alone, so its modules are at hand for its own initrd.
for k in "$KERNEL_A" "$KERNEL_B"; do
    dpkg-deb -x "$out/debs/linux-image-${k}_"*.deb "$base/kernels/$k"
    cp "$base/kernels/$k/boot/vmlinuz-$k" "$base/boot/vmlinuz-$k"
    cp "$base/kernels/$k/boot/config-$k" "$base/boot/config-$k"
done

# Userland: every other package into one tree.
for deb in "$out/debs"/*.deb; do
    case "${deb##*/}" in linux-image-*) continue ;; esac
    dpkg-deb -x "$deb" "$base/stage"
done
root="$base/stage"

# Merged /usr, so the scripts' /sbin/... and /bin/... paths resolve.
for d in bin sbin lib lib64; do
    mkdir -p "$root/usr/$d"
    if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
        cp -a "$root/$d/." "$root/usr/$d/"
        rm -rf "${root:?}/$d"
    fi
    ln -sfn "usr/$d" "$root/$d"
done

# What update-alternatives and maintainer scripts would have made.
ln -sf bash "$root/usr/bin/sh"
ln -sf gawk "$root/usr/bin/awk"
ln -sf ../bin/busybox "$root/usr/sbin/syslogd"

# CentOS layout: /etc/rc.d/{init.d,rcN.d}, with the Debian /etc/init.d (its own kexec and
# kexec-load scripts included) replaced by the link.
rm -rf "$root/etc/init.d" "$root/etc/rc"[0-6S].d "$root/etc/default/kexec"
mkdir -p "$root/etc/rc.d/init.d"
for n in 0 1 2 3 4 5 6; do
    mkdir -p "$root/etc/rc.d/rc$n.d"
    ln -sfn "rc.d/rc$n.d" "$root/etc/rc$n.d"
done
ln -sfn rc.d/init.d "$root/etc/init.d"
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/boot" "$root/root" "$root/tmp" \
    "$root/run" "$root/var/lock/subsys" "$root/var/log" "$root/var/lib" "$root/etc/sysconfig" \
    "$root/etc/vmtest"
chmod 1777 "$root/tmp"
rm -rf "$root/var/run"
ln -sfn ../run "$root/var/run"
: >"$root/run/utmp"
: >"$root/var/log/wtmp"
ln -sfn /proc/self/mounts "$root/etc/mtab"
ln -sfn ../boot/grub/grub.conf "$root/etc/grub.conf"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$root/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
printf 'root:x:0:\nutmp:x:43:\ntty:x:5:\n' >"$root/etc/group"
echo vmtest >"$root/etc/hostname"
printf 'NETWORKING=no\nHOSTNAME=vmtest\n' >"$root/etc/sysconfig/network"

# Our guest files: inittab, fstab, rc.sysinit, RHEL-only helpers, the test's services.
install -m 0644 "$here/guest/inittab" "$root/etc/inittab"
install -m 0644 "$here/guest/fstab" "$root/etc/fstab"
install -m 0755 "$here/guest/rc.sysinit" "$root/etc/rc.d/rc.sysinit"
install -m 0755 "$here/guest/consoletype" "$root/usr/sbin/consoletype"
install -m 0755 "$here/guest/usleep" "$root/usr/bin/usleep"
for s in "$here/guest/init.d"/*; do
    install -m 0755 "$s" "$root/etc/rc.d/init.d/${s##*/}"
done

# Each kernel's modules tree (what an installed kernel package leaves), trimmed to the drivers
# the VM uses, so a preflight that looks for /lib/modules/VERSION finds it.
for k in "$KERNEL_A" "$KERNEL_B"; do
    src="$base/kernels/$k/lib/modules/$k"
    dst="$root/usr/lib/modules/$k"
    mkdir -p "$dst/kernel/drivers"
    cp "$src"/modules.* "$dst/" 2>/dev/null || true
    cp -a "$src/kernel/drivers/virtio" "$dst/kernel/drivers/" 2>/dev/null || true
    mkdir -p "$dst/kernel/drivers/block"
    cp "$src/kernel/drivers/block/virtio_blk."* "$dst/kernel/drivers/block/"
done

# modfile KDIR NAME: the path of module NAME under KDIR, or nothing when it is built in.
modfile() {
    find "$1" -name "$2.ko" -o -name "$2.ko.xz" -o -name "$2.ko.zst" | head -n 1
}

# modplain FILE DEST: FILE decompressed into DEST (busybox insmod wants a plain .ko).
modplain() {
    case "$1" in
    *.xz) xz -dc "$1" >"$2" ;;
    *.zst) zstd -qdc "$1" >"$2" ;;
    *) cp "$1" "$2" ;;
    esac
}

# Initrds: busybox, and each kernel's own virtio modules in dependency order, found through
# the modules' own `depends=` (no depmod needed on the host).
busybox="$root/usr/bin/busybox"
[ -x "$busybox" ] || die "busybox-static did not provide /bin/busybox"
for k in "$KERNEL_A" "$KERNEL_B"; do
    kdir="$base/kernels/$k/lib/modules/$k"
    ird="$base/initrd-$k"
    mkdir -p "$ird/bin" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/newroot" "$ird/modules"
    cp "$busybox" "$ird/bin/busybox"
    : >"$ird/modules.order"
    visit() {
        grep -qx "$1" "$ird/modules.order" && return 0
        f=$(modfile "$kdir" "$1")
        [ -n "$f" ] || return 0
        modplain "$f" "$ird/modules/$1.ko"
        deps=$(objcopy -O binary --only-section=.modinfo "$ird/modules/$1.ko" /dev/stdout |
            tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
        for d in $deps; do
            visit "$d"
        done
        echo "$1" >>"$ird/modules.order"
    }
    for m in virtio_pci virtio_blk; do
        visit "$m"
    done
    install -m 0755 "$here/guest/initrd-init" "$ird/init"
    (cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$base/boot/initramfs-$k.img"
    rm -rf "$ird"
done

# sshd for the fleet test (tests/vm/guest/init.d/vmnet, enabled by run-vm.sh --ssh): its
# config, its privilege-separation user, and each kernel's network driver as plain modules in
# load order (the modules' own `depends=`), in /lib/modules/VERSION/vmnet.
install -m 0644 "$here/guest/vmnet_sshd_config" "$root/etc/ssh/vmnet_sshd_config"
printf 'sshd:x:74:65534:sshd privsep:/run/sshd:/usr/sbin/nologin\n' >>"$root/etc/passwd"
printf 'sshd:!:19000::::::\n' >>"$root/etc/shadow"
printf 'nogroup:x:65534:\n' >>"$root/etc/group"
for k in "$KERNEL_A" "$KERNEL_B"; do
    kdir="$base/kernels/$k/lib/modules/$k"
    nd="$root/usr/lib/modules/$k/vmnet"
    mkdir -p "$nd"
    : >"$nd/order"
    netmod() {
        grep -qx "$1" "$nd/order" && return 0
        f=$(modfile "$kdir" "$1")
        [ -n "$f" ] || return 0
        modplain "$f" "$nd/$1.ko"
        for d in $(objcopy -O binary --only-section=.modinfo "$nd/$1.ko" /dev/stdout |
            tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
            netmod "$d"
        done
        echo "$1" >>"$nd/order"
    }
    netmod virtio_net
done

# The EFI scenario (run-vm.sh --boot-disk grub2-efi, OVMF): what the guest needs to read the
# ESP and the EFI variables as a real EFI server does: each kernel's FAT, code page and
# efivarfs modules as plain modules in load order, in /lib/modules/VERSION/vmefi (rc.sysinit
# loads them when the machine booted through EFI), and the test's EFI actions.
for k in "$KERNEL_A" "$KERNEL_B"; do
    kdir="$base/kernels/$k/lib/modules/$k"
    ed="$root/usr/lib/modules/$k/vmefi"
    mkdir -p "$ed"
    : >"$ed/order"
    efimod() {
        grep -qx "$1" "$ed/order" && return 0
        f=$(modfile "$kdir" "$1")
        [ -n "$f" ] || return 0
        modplain "$f" "$ed/$1.ko"
        for d in $(objcopy -O binary --only-section=.modinfo "$ed/$1.ko" /dev/stdout |
            tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
            efimod "$d"
        done
        echo "$1" >>"$ed/order"
    }
    for m in vfat nls_cp437 nls_ascii efivarfs; do
        efimod "$m"
    done
done
install -m 0755 "$here/guest/vmtest-efi" "$root/usr/sbin/vmtest-efi"

# /boot/grub/grub.conf as anaconda writes it for a separate /boot: A first, B the default.
# no_timer_check: under a busy TCG host, the IO-APIC timer check can fail and panic at boot.
common="ro root=/dev/vda console=ttyS0 panic=-1 no_timer_check"
cat >"$base/boot/grub/grub.conf" <<EOF
# grub.conf generated by anaconda
#
# Note that you do not have to rerun grub after making changes to this file
# NOTICE:  You have a /boot partition.  This means that
#          all kernel and initrd paths are relative to /boot/, eg.
#          root (hd0,0)
#          kernel /vmlinuz-version ro root=/dev/vda
#          initrd /initrd-[generic-]version.img
#boot=/dev/vda
default=1
timeout=5
hiddenmenu
title Debian cloud ($KERNEL_A)
	root (hd0,0)
	kernel /vmlinuz-$KERNEL_A $common vmtest_entry=A
	initrd /initramfs-$KERNEL_A.img
title Debian cloud ($KERNEL_B)
	root (hd0,0)
	kernel /vmlinuz-$KERNEL_B $common vmtest_entry=B
	initrd /initramfs-$KERNEL_B.img
EOF
# What run-vm.sh needs: the kernels and A's command line (QEMU boots A directly, as if the
# boot loader had started A before B was installed).
printf 'KERNEL_A=%s\nKERNEL_B=%s\nCMDLINE_A=%s\n' "$KERNEL_A" "$KERNEL_B" \
    "'$common vmtest_entry=A'" >"$base/vm.env"

mv "$root" "$base/root"
rm -rf "$base/kernels"
echo "$stamp" >"$base/.stamp"
echo "vm image: base trees ready in $base" >&2
