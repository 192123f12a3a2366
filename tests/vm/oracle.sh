#!/bin/sh
# The boot loader oracle: runs one case twice from the same disk state, once with kexec (the
# product chooses and stages the kernel, then `kexec -e`) and once through the firmware (QEMU
# restarted from the disk: SeaBIOS or OVMF -> the real GRUB -> kernel), and compares the kernel
# version and /proc/cmdline each path came up in.
#
# Why this exists: the product promises to land where the boot loader would have; only the real
# boot loader can say where that is. tests/oracle/README.md says how to write a case.
#
# Usage: oracle.sh CASE_DIR
# Prints `kexec: VERSION CMDLINE` and `firmware: VERSION CMDLINE` (one line per reboot the case
# asks for), then `same` or `differ`; exits 0 on same, 1 on differ, 2 when the case or the
# harness is broken. GRUB 2's `BOOT_IMAGE=...` is left out of the comparison (the boot loader
# adds it; a kexec has no boot loader to add it), and so is our `kexec_reboot.boot=...` (the
# kexec adds it as the next boot's proof; the boot loader's files never carry it).
# Environment: KEXEC_VM_DIR (default target/vm), ORACLE_TIMEOUT (seconds per QEMU run, 180),
#   KEXEC_VM_RPM, KEXEC_VM_PRODUCT=tree (as in run-vm.sh), ORACLE_KEEP=1 (keep the run's
#   directory, target/vm/oracle/runs/CASE, with serial logs of both paths).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case_dir=${1:?usage: oracle.sh CASE_DIR}
[ -d "$case_dir" ] || { echo "oracle: $case_dir is not a directory" >&2 && exit 2; }
case_dir=$(cd "$case_dir" && pwd)
name=${case_dir##*/}
vm=${KEXEC_VM_DIR:-$top/target/vm}
limit=${ORACLE_TIMEOUT:-180}

die() {
    echo "oracle $name: $*" >&2
    exit 2
}

for tool in qemu-system-x86_64 mke2fs debugfs timeout rpm2cpio cpio grub-editenv dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run tests/deps.sh (make deps)"
done

# The boot loader the case is for.
kind=""
for f in grub.conf grub.cfg efi/grub.cfg; do
    [ -f "$case_dir/$f" ] || continue
    [ -z "$kind" ] || die "$case_dir holds more than one of grub.conf, grub.cfg, efi/grub.cfg"
    case "$f" in
    grub.conf) kind=grub-legacy ;;
    grub.cfg) kind=grub2 ;;
    efi/grub.cfg) kind=grub2-efi ;;
    esac
done
[ -n "$kind" ] || die "$case_dir holds none of grub.conf, grub.cfg, efi/grub.cfg (see tests/oracle/README.md)"
layout=separate
if [ -f "$case_dir/layout" ]; then
    layout=$(tr -d ' \n' <"$case_dir/layout")
    case "$layout:$kind" in
    separate:* | one-filesystem:grub-legacy | one-filesystem:grub2) ;;
    *) die "$case_dir/layout: want separate or one-filesystem (GRUB 0.97 or GRUB 2 BIOS), not $layout" ;;
    esac
fi
boots=1
if [ -f "$case_dir/boots" ]; then
    boots=$(tr -d ' \n' <"$case_dir/boots")
    case "$boots" in [1-9]) ;; *) die "$case_dir/boots: want a number of reboots, 1 to 9" ;; esac
fi

mkdir -p "$vm"
sh "$here/build-image.sh" "$vm"
vm=$(cd "$vm" && pwd)
base="$vm/base"
# shellcheck source=/dev/null
. "$base/vm.env"
cache="$vm/oracle"
mkdir -p "$cache"

# The oracle's initrds (cached): each kernel's own virtio modules (from the base initrd), FAT
# for the ESP, and tests/vm/oracle-init as /init.
stamp=$(cat "$base/.stamp" "$here/oracle-init" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$cache/initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
    for k in "$KERNEL_A" "$KERNEL_B"; do
        d="$cache/initrd-tree"
        rm -rf "$d" && mkdir -p "$d"
        (cd "$d" && gzip -dc "$base/boot/initramfs-$k.img" | cpio -id --quiet) || die "unpacking $k's initrd"
        mkdir -p "$d/kmods"
        dpkg-deb --fsys-tarfile "$vm/debs/linux-image-${k}_"*.deb |
            tar -x -C "$d/kmods" --wildcards '*/fs/fat/*' '*/fs/nls/nls_cp437*' '*/fs/nls/nls_ascii*' ||
            die "extracting FAT modules of $k"
        for m in fat vfat nls_cp437 nls_ascii; do
            f=$(find "$d/kmods" -name "$m.ko*" | head -n 1)
            [ -n "$f" ] || die "no $m module in $k"
            case "$f" in
            *.xz) xz -dc "$f" >"$d/modules/$m.ko" ;;
            *.zst) zstd -qdc "$f" >"$d/modules/$m.ko" ;;
            *) cp "$f" "$d/modules/$m.ko" ;;
            esac
            echo "$m" >>"$d/modules.order"
        done
        rm -rf "$d/kmods"
        install -m 0755 "$here/oracle-init" "$d/init"
        (cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/initramfs-$k.img"
        rm -rf "$d"
    done
    echo "$stamp" >"$cache/initrd.stamp"
fi

# The root filesystem (cached per product): the VM's base root with the product installed.
if [ "${KEXEC_VM_PRODUCT:-rpm}" = tree ]; then
    product="$top/target/release/kexec-reboot"
    [ -x "$product" ] || die "KEXEC_VM_PRODUCT=tree: $product is missing (cargo build --release)"
else
    # The el6 package, as the sysvinit VM (run-vm.sh) uses.
    product=${KEXEC_VM_RPM:-$(find "$top/target/rpmbuild/RPMS" -name 'kexec-reboot-[0-9]*.el6.*.rpm' 2>/dev/null | sort -V | tail -n 1)}
    [ -f "${product:-/nonexistent}" ] || die "no el6 kexec-reboot RPM in target/rpmbuild/RPMS (run make rpm, or set KEXEC_VM_RPM)"
fi
rstamp=$( (echo "$stamp" && cat "$product" "$top/rc/kexec" "$top/sysconfig/kexec") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$cache/root.stamp" 2>/dev/null)" != "$rstamp" ] || [ ! -d "$cache/root-tree" ]; then
    rt="$cache/root-tree"
    rm -rf "$rt"
    cp -a "$base/root" "$rt"
    if [ "${KEXEC_VM_PRODUCT:-rpm}" = tree ]; then
        install -m 0755 "$top/rc/kexec" "$rt/etc/rc.d/init.d/kexec"
        install -m 0644 "$top/sysconfig/kexec" "$rt/etc/sysconfig/kexec"
        install -m 0755 "$product" "$rt/usr/sbin/kexec-reboot"
    else
        (cd "$rt" && rpm2cpio "$product" | cpio -idmu --quiet) || die "unpacking $product"
    fi
    mkdir -p "$rt/oracle" "$rt/boot/efi"
    rm -f "$cache/root.img"
    truncate -s 512M "$cache/root.img"
    mke2fs -q -F -t ext4 -L root -d "$rt" "$cache/root.img" || die "mke2fs of the root disk"
    echo "$rstamp" >"$cache/root.stamp"
fi
echo "oracle $name: $kind, product ${product##*/}" >&2

# The case's /boot (and ESP): the kernels, the oracle's initrds, the case's files with the
# placeholders filled in, grubenv made real by grub-editenv.
run="$cache/runs/$name"
rm -rf "$run"
mkdir -p "$run/boot" "$run/esp"
# no_timer_check: under a busy TCG host, 6.1's IO-APIC timer check can fail and panic at boot.
args="root=/dev/vdb ro console=ttyS0 panic=-1 quiet no_timer_check"
[ "$layout" = separate ] || args="root=/dev/vda1 ro console=ttyS0 panic=-1 quiet no_timer_check"
fill() {
    sed -e "s|@A@|$KERNEL_A|g" -e "s|@B@|$KERNEL_B|g" -e "s|@ARGS@|$args|g" "$1" >"$2"
}
# mkenv NAME=VALUE-FILE GRUBENV: a real environment block from plain lines.
mkenv() {
    grub-editenv "$2" create || die "grub-editenv $2 create"
    while IFS= read -r kv || [ -n "$kv" ]; do
        case "$kv" in '' | '#'*) continue ;; esac
        kv=$(echo "$kv" | sed -e "s|@A@|$KERNEL_A|g" -e "s|@B@|$KERNEL_B|g")
        grub-editenv "$2" set "$kv" || die "grub-editenv $2 set $kv"
    done <"$1"
}
for k in "$KERNEL_A" "$KERNEL_B"; do
    cp "$base/boot/vmlinuz-$k" "$run/boot/"
    cp "$cache/initramfs-$k.img" "$run/boot/"
done
espdev=""
case "$kind" in
grub-legacy)
    mkdir -p "$run/boot/grub"
    fill "$case_dir/grub.conf" "$run/boot/grub/grub.conf"
    if [ -f "$case_dir/grub-set-default" ]; then
        # GRUB 0.97's own grub-set-default writes /boot/grub/default (what default=saved reads).
        tools=$(sh "$here/bootdisk.sh" grub-legacy-tools) || die "no GRUB 0.97 tools"
        mkdir -p "$run/gsd"
        ln -s ../boot "$run/gsd/boot"
        sh "$tools/usr/sbin/grub-set-default" --root-directory="$run/gsd" \
            "$(tr -d ' \n' <"$case_dir/grub-set-default")" || die "grub-set-default failed"
        rm -rf "$run/gsd"
    fi
    bootdev=/dev/vda1
    ;;
grub2)
    mkdir -p "$run/boot/grub2"
    fill "$case_dir/grub.cfg" "$run/boot/grub2/grub.cfg"
    [ ! -f "$case_dir/grubenv" ] || mkenv "$case_dir/grubenv" "$run/boot/grub2/grubenv"
    bootdev=/dev/vda1
    ;;
grub2-efi)
    mkdir -p "$run/esp/EFI/centos"
    fill "$case_dir/efi/grub.cfg" "$run/esp/EFI/centos/grub.cfg"
    [ ! -f "$case_dir/efi/grubenv" ] || mkenv "$case_dir/efi/grubenv" "$run/esp/EFI/centos/grubenv"
    bootdev=/dev/vda2 espdev=/dev/vda1
    ;;
esac
if [ "$layout" = separate ]; then
    sh "$here/bootdisk.sh" "$kind" "$run/disk.img" "$run/boot" "$run/esp" || die "building the boot disk"
else
    # No separate /boot: the first disk's partition 1 is the root filesystem, /boot a directory
    # in it (kernel paths /boot/vmlinuz-...); /oracle is written before the disk is made.
    bootdev=""
    rm -rf "$run/tree"
    cp -a "$cache/root-tree" "$run/tree"
    cp -a "$run/boot/." "$run/tree/boot/"
fi

firmware=""
if [ "$kind" = grub2-efi ]; then
    code=/usr/share/OVMF/OVMF_CODE_4M.fd
    [ -f "$code" ] || die "$code missing; install ovmf (tests/deps.sh)"
    firmware=$code
fi

# qemu PATH LOG [-kernel ...]: one QEMU run of PATH's disks, the serial console appended to LOG.
qemu() {
    p=$1 log=$2
    shift 2
    if [ -n "$firmware" ]; then
        set -- -drive "if=pflash,format=raw,unit=0,readonly=on,file=$firmware" \
            -drive "if=pflash,format=raw,unit=1,file=$run/$p-vars.fd" "$@"
    fi
    timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -no-reboot \
        -nodefaults -no-user-config -display none -monitor none -serial stdio \
        -drive "file=$run/$p-disk.img,format=raw,if=virtio" \
        -drive "file=$run/$p-root.img,format=raw,if=virtio" "$@" </dev/null >>"$log" 2>&1 || true
}

# path PATH: one path's runs (kexec: kernel A, then kexecs; firmware: QEMU from the disk,
# started again after each firmware reboot), its serial console in PATH.log.
path() {
    p=$1 log="$run/$1.log"
    : >"$log"
    if [ "$p" = kexec ]; then
        # The first boot: kernel A, as if the boot loader had started it earlier.
        qemu kexec "$log" -kernel "$base/boot/vmlinuz-$KERNEL_A" \
            -initrd "$cache/initramfs-$KERNEL_A.img" -append "$args oracle_launch"
    else
        n=0
        while [ $n -le "$boots" ] && ! grep -q '^ORACLE: \(done\|error\)' "$log"; do
            n=$((n + 1))
            echo "ORACLE-HOST: QEMU started from the disk ($n)" >>"$log"
            qemu firmware "$log"
        done
    fi
}

# Both paths start from the same disks; only /oracle/mode differs. They run side by side.
for p in kexec firmware; do
    printf '%s\n' "$p" >"$run/mode"
    printf '%s\n' "$boots" >"$run/left"
    printf '%s\n' "$bootdev" >"$run/boot-dev"
    printf '%s\n' "$espdev" >"$run/esp-dev"
    if [ "$layout" != separate ]; then
        cp "$run/mode" "$run/left" "$run/tree/oracle/"
        rm -rf "$run/$p-tree"
        cp -a "$run/tree" "$run/$p-tree"
        BOOTDISK_MB=600 sh "$here/bootdisk.sh" "$kind" "$run/$p-disk.img" "$run/$p-tree" ||
            die "building the boot disk"
        rm -rf "$run/$p-tree"
        truncate -s 1M "$run/$p-root.img"
        continue
    fi
    cp --sparse=always "$run/disk.img" "$run/$p-disk.img"
    cp --sparse=always "$cache/root.img" "$run/$p-root.img"
    {
        for f in mode left boot-dev esp-dev; do
            echo "write $run/$f oracle/$f"
        done
    } >"$run/debugfs.cmd"
    debugfs -w -f "$run/debugfs.cmd" "$run/$p-root.img" >/dev/null 2>&1 || die "writing /oracle on the root disk"
    [ -z "$firmware" ] || cp /usr/share/OVMF/OVMF_VARS_4M.fd "$run/$p-vars.fd"
done
path kexec &
kexec_pid=$!
path firmware
wait "$kexec_pid" || true

# result PATH: the ORACLE boot lines of PATH, `PATH: VERSION CMDLINE`.
result() {
    tr -d '\r' <"$run/$1.log" | sed -n "s/^ORACLE: boot \([^ ]*\) \(.*\)$/$1: \1 \2/p"
    tr -d '\r' <"$run/$1.log" | grep '^ORACLE: \(nothing staged\|error\)' | sed "s/^ORACLE: /$1: /"
    if ! tr -d '\r' <"$run/$1.log" | grep -q '^ORACLE: done'; then
        echo "$1: did not finish (see $run/$1.log)"
    fi
}
result kexec >"$run/kexec.out"
result firmware >"$run/firmware.out"
cat "$run/kexec.out" "$run/firmware.out"
# The comparison leaves out what GRUB 2 adds (BOOT_IMAGE=), what we add (kexec_reboot.boot=,
# the proof of a kexec boot, never written to the boot loader's files) and the path names.
norm() {
    sed -e 's/^[a-z]*: //' -e 's/ BOOT_IMAGE=[^ ]*//g' -e 's/ kexec_reboot\.[a-z_]*=[^ ]*//g' \
        -e 's/ *$//' "$1"
}
if [ "$(norm "$run/kexec.out")" = "$(norm "$run/firmware.out")" ] &&
    ! grep -q 'nothing staged\|error\|did not finish' "$run/kexec.out" "$run/firmware.out"; then
    echo same
    st=0
else
    echo differ
    st=1
fi
if [ "${ORACLE_KEEP:-}" != 1 ]; then
    rm -rf "$run"/*.img "$run"/*.fd "$run/tree"
fi
exit $st
