#!/bin/sh
# Writes the boot loader config of the VM image's /boot tree for a real boot loader
# (run-vm.sh --boot-disk): the same two entries as the image's grub.conf (A, then B, the
# default), shaped as CentOS writes them, with the boot loader's output on the serial console.
#
# Why this exists: the firmware path of the VM test and `make demo` must go through the boot
# loader, and what GRUB shows on the console is part of the story.
# Usage: boot-disk-config.sh grub-legacy|grub2|grub2-efi BOOTDIR KERNEL_A KERNEL_B CMDLINE_A [ESPDIR]
#   grub2-efi writes ESPDIR/EFI/centos/grub.cfg and grubenv (the ESP, CentOS 7's EFI layout)
# Environment: BOOTDISK_TIMEOUT, the menu's timeout in seconds (default 5, anaconda's).
#   BOOTDISK_EFI_VENDORS="centos rocky": grub2-efi writes one vendor directory each (as after
#   a CentOS -> Rocky migration), each entry's arguments ending in vmtest_vendor=NAME.
set -eu

kind=${1:?usage: boot-disk-config.sh KIND BOOTDIR KERNEL_A KERNEL_B CMDLINE_A [ESPDIR]}
boot=${2:?usage}
ka=${3:?usage}
kb=${4:?usage}
args=$(echo "${5:?usage}" | sed 's/ *vmtest_entry=A//')
esp=${6:-}
timeout=${BOOTDISK_TIMEOUT:-5}
case "$timeout" in '' | *[!0-9]*) echo "boot-disk-config: BOOTDISK_TIMEOUT=$timeout is not a number" >&2 && exit 1 ;; esac

# grub2_cfg DIR PARTMOD LINUX INITRD: CentOS 7's grub2-mkconfig output, shortened, in DIR
# (grub.cfg, and grubenv with saved_entry B).
grub2_cfg() {
    dir=$1 partmod=$2 linux=$3 initrd=$4
    mkdir -p "$dir"
    # shellcheck disable=SC2016
    {
        echo "# CentOS 7's grub2-mkconfig output, shortened (serial console, no video)."
        echo 'serial --unit=0 --speed=115200'
        echo 'terminal_input serial'
        echo 'terminal_output serial'
        echo 'if [ -s $prefix/grubenv ]; then'
        echo '  load_env'
        echo 'fi'
        echo 'if [ "${next_entry}" ] ; then'
        echo '   set default="${next_entry}"'
        echo '   set next_entry='
        echo '   save_env next_entry'
        echo 'else'
        echo '   set default="${saved_entry}"'
        echo 'fi'
        echo "set timeout=$timeout"
        for e in "A $ka" "B $kb"; do
            tag=${e%% *} k=${e#* }
            echo "menuentry 'CentOS Linux ($k) 7 (Core)' --class centos --id 'gnulinux-$k-advanced' {"
            echo "	insmod $partmod"
            echo "	insmod ext2"
            if [ "$partmod" = part_gpt ]; then
                echo "	search --no-floppy --label --set=root boot"
            else
                echo "	set root='hd0,msdos1'"
            fi
            echo "	$linux /vmlinuz-$k $args vmtest_entry=$tag${vendor_arg:-}"
            echo "	$initrd /initramfs-$k.img"
            echo "}"
        done
    } >"$dir/grub.cfg"
    grub-editenv "$dir/grubenv" create
    grub-editenv "$dir/grubenv" set "saved_entry=CentOS Linux ($kb) 7 (Core)"
}

case "$kind" in
grub-legacy)
    # anaconda's grub.conf, plus what a serial console needs (GRUB 0.97 draws on VGA otherwise).
    conf="$boot/grub/grub.conf"
    [ -f "$conf" ] || { echo "boot-disk-config: $conf missing" >&2 && exit 1; }
    sed -i -e '/^default=/i serial --unit=0 --speed=115200\nterminal --timeout=0 serial' \
        -e "s/^timeout=.*/timeout=$timeout/" "$conf"
    ;;
grub2)
    rm -rf "$boot/grub"
    grub2_cfg "$boot/grub2" part_msdos linux16 initrd16
    ;;
grub2-efi)
    # CentOS 7 on EFI: grub.cfg and grubenv on the ESP, linuxefi there; Debian's GRUB 2.06
    # calls it `linux` (the EFI handover is its default on x86_64-efi).
    [ -n "$esp" ] || { echo "boot-disk-config: grub2-efi needs ESPDIR" >&2 && exit 1; }
    rm -rf "$boot/grub"
    vendors=${BOOTDISK_EFI_VENDORS:-centos}
    for v in $vendors; do
        vendor_arg=""
        [ "$vendors" = centos ] || vendor_arg=" vmtest_vendor=$v"
        grub2_cfg "$esp/EFI/$v" part_gpt linux initrd
    done
    ;;
*)
    echo "boot-disk-config: unknown kind $kind (grub-legacy, grub2, grub2-efi)" >&2
    exit 1
    ;;
esac
