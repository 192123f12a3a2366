#!/bin/sh
# Builds a bootable disk image file holding a real boot loader and a /boot partition, without
# loop devices or root-only mounts: partitions are filesystem images (mke2fs -d, mkfs.vfat +
# mcopy) written into a partitioned image file with dd, and the boot loader is installed by its
# own tools working on the file.
#
# Why this exists: the firmware path of a reboot must go through the boot loader a CentOS
# server runs (tests/vm/oracle.sh, run-vm.sh --boot-disk, make demo, make bench), so that what
# the firmware boots is GRUB's choice, not ours.
#
# Usage: bootdisk.sh KIND OUT.img BOOTDIR [ESPDIR]
#        bootdisk.sh grub-legacy-tools   (prints the directory GRUB 0.97's package is unpacked in)
#   grub-legacy  GRUB 0.97 (CentOS 5/6): MBR + stage1.5 embedded after it; partition 1 is /boot
#                (ext3: Debian's 0.97 cannot read ext4), read as (hd0,0); BOOTDIR/grub/grub.conf
#                is the menu (menu.lst -> ./grub.conf is added, as anaconda lays it out).
#   (grub-legacy and grub2: when BOOTDIR holds boot/grub/grub.conf or boot/grub2/grub.cfg, it
#   is a whole root filesystem with no separate /boot, and BOOTDISK_MB sizes the partition.)
#   grub2        GRUB 2 i386-pc (CentOS 7 BIOS): boot.img in the MBR, core.img after it with the
#                prefix (hd0,msdos1)/grub2; partition 1 is /boot (ext4); BOOTDIR/grub2/grub.cfg.
#   grub2-efi    GRUB 2 x86_64-efi under OVMF (CentOS 7 EFI): GPT, partition 1 the ESP (FAT)
#                made from ESPDIR, whose EFI/centos/grub.cfg is the menu (prefix /EFI/centos on
#                the ESP, so grubenv lives there too); the image is EFI/BOOT/BOOTX64.EFI;
#                every other ESPDIR/EFI/NAME/grub.cfg gets its own EFI/NAME/grubx64.efi
#                (prefix /EFI/NAME), for a boot entry to name;
#                partition 2 is /boot (ext4, label "boot"), made the default root by the
#                image's built-in config (`search --label boot`).
# BOOTDIR and ESPDIR are changed: the boot loader's own files are added to them.
# GRUB 0.97 is not installed on the host (its package hooks kernel installs to run update-grub):
# its package is downloaded once and unpacked into BOOTDISK_CACHE (default target/vm/grub-legacy);
# its `grub` shell is 32-bit (libc6-i386, from tests/deps.sh).
set -eu

kind=${1:?usage: bootdisk.sh KIND OUT.img BOOTDIR [ESPDIR]}
out=${2:-}
bootdir=${3:-}
espdir=${4:-}

die() {
    echo "bootdisk: $*" >&2
    exit 1
}

need() {
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || die "$t not found; run tests/deps.sh (make deps)"
    done
}

# legacy_tools: GRUB 0.97's package unpacked in $cache (downloaded once).
legacy_tools() {
    need apt-get dpkg-deb
    cache=${BOOTDISK_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/target/vm/grub-legacy}
    if [ ! -x "$cache/usr/sbin/grub" ]; then
        mkdir -p "$cache/deb"
        (cd "$cache/deb" && apt-get download -q grub-legacy >&2) || die "apt-get download grub-legacy failed"
        dpkg-deb -x "$cache/deb"/grub-legacy_*.deb "$cache" || die "unpacking grub-legacy"
    fi
}

# `bootdisk.sh grub-legacy-tools`: prints where GRUB 0.97's own tools are (grub-set-default).
if [ "$kind" = grub-legacy-tools ]; then
    legacy_tools
    echo "$cache"
    exit 0
fi

{ [ -n "$out" ] && [ -n "$bootdir" ]; } || die "usage: bootdisk.sh KIND OUT.img BOOTDIR [ESPDIR]"
tmp=$(mktemp -d "${out}.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# put PART.img START_SECTOR: writes a partition image into the disk.
put() {
    dd if="$1" of="$out" bs=512 seek="$2" conv=notrunc,sparse status=none || die "writing $1 into $out"
}

# Partition sizes in MiB; partition 1 starts at 1 MiB (sector 2048), as anaconda's do.
boot_mb=${BOOTDISK_MB:-96}
# No separate /boot: BOOTDIR is the whole root filesystem, with the boot loader's files under
# BOOTDIR/boot (grub.conf at /boot/grub/grub.conf on the partition, kernels at /boot/...).
sub=""
if [ -f "$bootdir/boot/grub/grub.conf" ] || [ -f "$bootdir/boot/grub2/grub.cfg" ]; then
    sub=/boot
fi
esp_mb=96

case "$kind" in
grub-legacy)
    need mke2fs sfdisk
    legacy_tools
    lib="$cache/usr/lib/grub/x86_64-pc"
    [ -f "$lib/stage2" ] || die "$lib/stage2 missing in the grub-legacy package"
    [ -f "$bootdir$sub/grub/grub.conf" ] || die "$bootdir$sub/grub/grub.conf missing"
    cp "$lib/stage1" "$lib/stage2" "$lib/e2fs_stage1_5" "$bootdir$sub/grub/"
    [ -e "$bootdir$sub/grub/menu.lst" ] || ln -s ./grub.conf "$bootdir$sub/grub/menu.lst"
    truncate -s $((boot_mb + 1))M "$out"
    echo 'start=2048, type=83, bootable' | sfdisk -q "$out" >/dev/null || die "sfdisk $out"
    truncate -s "${boot_mb}M" "$tmp/boot.part"
    mke2fs -q -F -t ext3 -L boot -d "$bootdir" "$tmp/boot.part" || die "mke2fs of /boot"
    put "$tmp/boot.part" 2048
    # GRUB's own shell installs itself into the file: stage1 in the MBR, e2fs_stage1_5 after it.
    log=$(printf 'device (hd0) %s\nroot (hd0,0)\nsetup (hd0)\nquit\n' "$out" |
        "$cache/usr/sbin/grub" --batch --device-map=/dev/null --no-floppy 2>&1) || die "grub setup failed: $log"
    echo "$log" | grep -q 'succeeded' || die "grub setup did not succeed: $log"
    ;;
grub2)
    need grub-mkimage mke2fs sfdisk
    lib=/usr/lib/grub/i386-pc
    [ -f "$lib/boot.img" ] || die "$lib/boot.img missing; install grub-pc-bin (tests/deps.sh)"
    [ -f "$bootdir$sub/grub2/grub.cfg" ] || die "$bootdir$sub/grub2/grub.cfg missing"
    # What grub2-install leaves in /boot/grub2: the modules, loaded from the prefix at run time.
    mkdir -p "$bootdir$sub/grub2/i386-pc"
    cp "$lib"/*.mod "$lib"/*.lst "$bootdir$sub/grub2/i386-pc/"
    truncate -s $((boot_mb + 1))M "$out"
    echo 'start=2048, type=83, bootable' | sfdisk -q "$out" >/dev/null || die "sfdisk $out"
    truncate -s "${boot_mb}M" "$tmp/boot.part"
    mke2fs -q -F -t ext4 -L boot -d "$bootdir" "$tmp/boot.part" || die "mke2fs of /boot"
    put "$tmp/boot.part" 2048
    grub-mkimage -O i386-pc -p "(hd0,msdos1)$sub/grub2" -o "$tmp/core.img" \
        biosdisk part_msdos ext2 || die "grub-mkimage i386-pc"
    [ "$(stat -c %s "$tmp/core.img")" -lt $((2047 * 512)) ] || die "core.img does not fit before partition 1"
    # grub-bios-setup wants a real device; the MBR is simple by hand: boot.img's code (440
    # bytes, the partition table stays), core.img's first sector (LBA 1) as a little-endian u64
    # at 0x5c, 0xff at 0x64 (use the drive the BIOS booted), core.img from LBA 1 (grub-mkimage
    # already points its block list at LBA 2).
    dd if="$lib/boot.img" of="$out" bs=440 count=1 conv=notrunc status=none
    printf '\001\000\000\000\000\000\000\000' | dd of="$out" bs=1 seek=92 conv=notrunc status=none
    printf '\377' | dd of="$out" bs=1 seek=100 conv=notrunc status=none
    dd if="$tmp/core.img" of="$out" bs=512 seek=1 conv=notrunc status=none
    ;;
grub2-efi)
    need grub-mkimage mke2fs sfdisk mkfs.vfat mcopy
    lib=/usr/lib/grub/x86_64-efi
    [ -d "$lib" ] || die "$lib missing; install grub-efi-amd64-bin (tests/deps.sh)"
    [ -f "${espdir:-/nonexistent}/EFI/centos/grub.cfg" ] || die "ESPDIR/EFI/centos/grub.cfg missing"
    mkdir -p "$espdir/EFI/BOOT" "$bootdir/efi"
    # The built-in config: /boot (label "boot") is the root device, as CentOS 7's grub.cfg
    # sets it with `search --fs-uuid`; the prefix (grub.cfg, grubenv) stays on the ESP.
    printf 'search --no-floppy --label --set=root boot\n' >"$tmp/early.cfg"
    for cfg in "$espdir"/EFI/*/grub.cfg; do
        d=${cfg%/grub.cfg}
        v=${d##*/}
        mkdir -p "$d/x86_64-efi"
        cp "$lib"/*.mod "$lib"/*.lst "$d/x86_64-efi/"
        grub-mkimage -O x86_64-efi -p "/EFI/$v" -c "$tmp/early.cfg" -o "$d/grubx64.efi" \
            part_gpt part_msdos fat ext2 search search_label normal linux loadenv test echo \
            configfile serial terminal efi_gop all_video || die "grub-mkimage x86_64-efi ($v)"
    done
    # The removable-media path OVMF boots when no boot entry names a file: CentOS's GRUB.
    cp "$espdir/EFI/centos/grubx64.efi" "$espdir/EFI/BOOT/BOOTX64.EFI"
    total=$((1 + esp_mb + boot_mb + 1))
    truncate -s ${total}M "$out"
    printf 'label: gpt\nstart=2048, size=%d, type=U\nsize=%d, type=L\n' \
        $((esp_mb * 2048)) $((boot_mb * 2048)) | sfdisk -q "$out" >/dev/null || die "sfdisk $out"
    rm -f "$tmp/esp.part"
    mkfs.vfat -n ESP -C "$tmp/esp.part" $((esp_mb * 1024)) >/dev/null || die "mkfs.vfat"
    mcopy -s -i "$tmp/esp.part" "$espdir"/* ::/ || die "mcopy onto the ESP"
    put "$tmp/esp.part" 2048
    truncate -s "${boot_mb}M" "$tmp/boot.part"
    mke2fs -q -F -t ext4 -L boot -d "$bootdir" "$tmp/boot.part" || die "mke2fs of /boot"
    put "$tmp/boot.part" $((2048 + esp_mb * 2048))
    ;;
*) die "unknown kind $kind (grub-legacy, grub2, grub2-efi)" ;;
esac
