#!/bin/sh
# Writes the boot loader config of the VM image's /boot tree for a real boot loader
# (run-vm.sh --boot-disk): the same two entries as the image's grub.conf (A, then B, the
# default), shaped as CentOS writes them, with the boot loader's output on the serial console.
#
# Why this exists: the firmware path of the VM test and `make demo` must go through the boot
# loader, and what GRUB shows on the console is part of the story.
# Usage: boot-disk-config.sh grub-legacy|grub2 BOOTDIR KERNEL_A KERNEL_B CMDLINE_A
set -eu

kind=${1:?usage: boot-disk-config.sh KIND BOOTDIR KERNEL_A KERNEL_B CMDLINE_A}
boot=${2:?usage}
ka=${3:?usage}
kb=${4:?usage}
args=$(echo "${5:?usage}" | sed 's/ *vmtest_entry=A//')

case "$kind" in
grub-legacy)
    # anaconda's grub.conf, plus what a serial console needs (GRUB 0.97 draws on VGA otherwise).
    conf="$boot/grub/grub.conf"
    [ -f "$conf" ] || { echo "boot-disk-config: $conf missing" >&2 && exit 1; }
    sed -i '/^default=/i serial --unit=0 --speed=115200\nterminal --timeout=0 serial' "$conf"
    ;;
grub2)
    rm -rf "$boot/grub"
    mkdir -p "$boot/grub2"
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
        echo 'set timeout=5'
        for e in "A $ka" "B $kb"; do
            tag=${e%% *} k=${e#* }
            echo "menuentry 'CentOS Linux ($k) 7 (Core)' --class centos --id 'gnulinux-$k-advanced' {"
            echo "	insmod part_msdos"
            echo "	insmod ext2"
            echo "	set root='hd0,msdos1'"
            echo "	linux16 /vmlinuz-$k $args vmtest_entry=$tag"
            echo "	initrd16 /initramfs-$k.img"
            echo "}"
        done
    } >"$boot/grub2/grub.cfg"
    grub-editenv "$boot/grub2/grubenv" create
    grub-editenv "$boot/grub2/grubenv" set "saved_entry=CentOS Linux ($kb) 7 (Core)"
    ;;
*)
    echo "boot-disk-config: unknown kind $kind (grub-legacy, grub2)" >&2
    exit 1
    ;;
esac
