#!/bin/sh
# Runs one VM scenario: assembles the root and /boot disks from the base trees (CentOS 6's real
# initscripts and chkconfig, or KEXEC_VM_INITSCRIPTS; the product; the scenario's settings),
# boots kernel A under QEMU (TCG, serial console, -no-reboot, hard timeout), and leaves what
# the assertions read in OUTDIR/runs/NAME: serial.log (each line prefixed with milliseconds
# since QEMU started), qemu.rc, messages (syslog from the disk afterwards), vmtest-file,
# fsck-root.txt, fsck-boot.txt.
#
# Why this exists: one place that knows how to build and boot the machine, used by tests/vm.rs
# and `make demo`. It asserts nothing; the caller reads the files.
#
# Usage: run-vm.sh OUTDIR NAME [option...]
#   --set KEY=VALUE      set KEY in /etc/sysconfig/kexec (replacing the packaged line)
#   --config-line TEXT   append TEXT verbatim to /etc/sysconfig/kexec
#   --kexec on|off       `chkconfig kexec on|off` (default on)
#   --action reboot|halt what boot 1 does (shutdown -r now | shutdown -h now)
#   --pre manual-load-a  before the action, load kernel A by hand with `kexec -l`
#   --break missing-initrd|garbage-kernel   damage kernel B's files on /boot
#   --break panic-initrd     B's initrd panics at once (its /init exits); the good one is kept
#                            as /root/vmtest-good-initrd for the guest to put back (boot N)
#   --break hanging-kexec-tools   install /usr/local/sbin/kexec-hang, a `kexec` that never ends
#   --break no-kexec-tools   remove kexec-tools' /sbin/kexec from the image
#   --break seccomp-enosys   wrap /usr/sbin/kexec-reboot in a seccomp filter answering ENOSYS to
#                            kexec_file_load (tests/vm/guest/enosys-wrap.c, built with gcc)
#                            (--break may be given more than once)
#   --pre var-readonly|var-full|syslog-stop   see tests/vm/guest/init.d/vmtest
#   --then N=ACTION      what boot N does (status-reboot, clear-reboot, ...; see vmtest)
#   --cycles N           power-cycle: start QEMU again (kernel A, same disks) after it exits, up
#                        to N runs in all; serial.log gets a `VMHOST: ...` line after each run
#   --append TEXT        append TEXT to kernel A's command line (e.g. lockdown=integrity)
#   --firmware-reboots   let a firmware reboot restart the VM (no -no-reboot)
#   --start a|b          the kernel QEMU starts (default a; b for a firmware-path comparison)
#   --bootloader grub|bls   /boot's boot loader config: GRUB legacy grub.conf (default), or
#                        GRUB 2 + BLS entries + grubenv with B's initrd split in two
#                        (tests/vm/bls-boot.sh; writes OUTDIR/runs/NAME/bls.env)
#   --boot-disk grub-legacy|grub2|grub2-efi   /boot's disk is bootable, with the real boot
#                        loader on it (tests/vm/bootdisk.sh), and a firmware reboot starts QEMU
#                        again from that disk: firmware -> GRUB -> the kernel GRUB picks (up to
#                        --disk-runs runs). grub-legacy: the image's grub.conf with GRUB's serial
#                        console, GRUB 0.97 in the MBR, /boot = /dev/vdb1; grub2: a CentOS 7
#                        grub.cfg, saved_entry B, GRUB 2.06 i386-pc, /boot = /dev/vdb1;
#                        grub2-efi: OVMF, the same grub.cfg on the ESP (/dev/vdb1, EFI/centos),
#                        /boot = /dev/vdb2, the ESP mounted at /boot/efi and efivarfs at
#                        /sys/firmware/efi/efivars (rc.sysinit), efibootmgr in the image
#   --efi-vendors "centos rocky"   with grub2-efi: one vendor directory on the ESP each, with
#                        its own grub.cfg (arguments ending in vmtest_vendor=NAME) and
#                        grubx64.efi; EFI/BOOT/BOOTX64.EFI is centos's (default: centos alone)
#   --boot-timeout N     the boot loader's menu timeout with --boot-disk (default 5, as
#                        anaconda writes it)
#   --disk-runs N        with --boot-disk: QEMU runs in all, the first included (default 3)
#   --timeout SECONDS    QEMU's hard limit (default 300)
#   --bench DIR          copy DIR to the guest's /etc/vmtest/bench; vmtest runs its `driver`
#                        on boot 1 before the action (make bench: bench/guest-driver.sh)
#   --ssh PORT:DIR       the fleet test: user-mode networking (restrict=on) with 127.0.0.1:PORT
#                        forwarded to the guest's sshd (tests/vm/guest/init.d/vmnet), root's
#                        authorized_keys and the host key ssh_host_ed25519_key(.pub) from DIR;
#                        the test driver (vmtest) is left out, so the guest stays up until told
#   --firmware-kernel b  with --cycles: a firmware reboot starts kernel B (what the boot loader's
#                        default entry boots) instead of the --start kernel
#   (with --cycles, the runs end early once OUTDIR/runs/NAME/stop exists: a caller's shutdown)
# Environment:
#   KEXEC_VM_INITSCRIPTS=DIR  use DIR/rc.d/rc, DIR/rc.d/init.d/halt, DIR/rc.d/init.d/functions
#                             unchanged instead of CentOS 6.10's from KEXEC_THIRDPARTY
#   KEXEC_THIRDPARTY=DIR      the third-party originals (default ../shared/thirdparty): CentOS
#                             6.10's initscripts and chkconfig 1.3.49.5's source; where absent,
#                             tests/vm/initscripts and tests/bin/chkconfig (the run says so)
#   KEXEC_VM_RPM=FILE         the product's RPM (default: the newest el6 one in target/rpmbuild/RPMS)
#   KEXEC_VM_PRODUCT=tree     use the working tree's rc/kexec, sysconfig/kexec and
#                             target/release/kexec-reboot instead of the RPM (a quick loop while
#                             editing; the tests and the demo use the RPM)
#   KEXEC_VM_PRODUCT=standin  use tests/vm/standin-kexec instead of the product (harness check)
#   KEXEC_VM_STAMPER=COMMAND  stamp the serial console with `COMMAND START_NS` (COMMAND split at
#                             blanks; stdin to stdout, the same `%7d text` lines) instead of the
#                             shell loop, which stamps a line when its LF arrives; make bench
#                             passes `bench-probe stamp`, which stamps each line's first byte
#                             and also ends a line at CR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: run-vm.sh OUTDIR NAME [option...]}
name=${2:?usage: run-vm.sh OUTDIR NAME [option...]}
shift 2

die() {
    echo "vm run $name: $*" >&2
    exit 1
}

sets=""
config_lines=""
kexec_state=on
action=reboot
pre=""
breakage=""
no_reboot=-no-reboot
limit=300
start_kernel=a
thens=""
cycles=1
append=""
bench=""
bootloader=grub
boot_disk=""
boot_timeout=5
disk_runs=3
ssh=""
firmware_kernel=""
efi_vendors=centos
netargs=""
nl='
'
while [ $# -gt 0 ]; do
    case "$1" in
    --set) sets="$sets$2$nl" && shift 2 ;;
    --config-line) config_lines="$config_lines$2$nl" && shift 2 ;;
    --kexec) kexec_state=$2 && shift 2 ;;
    --action) action=$2 && shift 2 ;;
    --pre) pre=$2 && shift 2 ;;
    --break) breakage="$breakage $2" && shift 2 ;;
    --then) thens="${thens}VMTEST_ACTION_${2%%=*}=${2#*=}$nl" && shift 2 ;;
    --cycles) cycles=$2 && shift 2 ;;
    --append) append="$append $2" && shift 2 ;;
    --firmware-reboots) no_reboot="" && shift ;;
    --timeout) limit=$2 && shift 2 ;;
    --start) start_kernel=$2 && shift 2 ;;
    --bench) bench=$2 && shift 2 ;;
    --bootloader) bootloader=$2 && shift 2 ;;
    --boot-disk) boot_disk=$2 && shift 2 ;;
    --boot-timeout) boot_timeout=$2 && shift 2 ;;
    --disk-runs) disk_runs=$2 && shift 2 ;;
    --ssh) ssh=$2 && shift 2 ;;
    --firmware-kernel) firmware_kernel=$2 && shift 2 ;;
    --efi-vendors) efi_vendors=$2 && shift 2 ;;
    *) die "unknown option $1" ;;
    esac
done

for tool in qemu-system-x86_64 mke2fs e2fsck debugfs timeout rpm2cpio cpio; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run tests/deps.sh (make deps)"
done

sh "$here/build-image.sh" "$out"
out=$(cd "$out" && pwd)
base="$out/base"
# shellcheck source=/dev/null
. "$base/vm.env"

run="$out/runs/$name"
rm -rf "$run"
mkdir -p "$run"
root="$run/root"
boot="$run/boot"
cp -a "$base/root" "$root"
cp -a "$base/boot" "$boot"

# The initscripts: a tree given by the operator, else CentOS 6.10's own (../shared/thirdparty),
# both used unchanged; our CentOS-shaped copies only where thirdparty is absent.
thirdparty=${KEXEC_THIRDPARTY:-$top/../shared/thirdparty}
scripts=${KEXEC_VM_INITSCRIPTS:-$thirdparty/initscripts-9.03.61}
if [ -z "${KEXEC_VM_INITSCRIPTS:-}" ] && [ ! -f "$scripts/rc.d/rc" ]; then
    echo "vm run $name: initscripts: $scripts not found, using the CentOS-shaped fallback" \
        "tests/vm/initscripts (set KEXEC_THIRDPARTY to a copy of shared/thirdparty)" >&2
    scripts=$here/initscripts
fi
echo "vm run $name: initscripts: $scripts" >&2
for f in rc.d/rc rc.d/init.d/halt rc.d/init.d/functions; do
    [ -f "$scripts/$f" ] || die "KEXEC_VM_INITSCRIPTS: $scripts/$f is missing"
    install -m 0755 "$scripts/$f" "$root/etc/$f"
done
[ "$scripts" = "$here/initscripts" ] || chmod 0644 "$root/etc/rc.d/init.d/functions"
ln -sfn ../init.d/halt "$root/etc/rc.d/rc6.d/S01reboot"
ln -sfn ../init.d/halt "$root/etc/rc.d/rc0.d/S01halt"

# The product: the RPM's files (rpm2cpio: the image has no rpm database), then its %post, run by
# the image's /bin/sh in a chroot with CentOS 6's real chkconfig (static) as /sbin/chkconfig.
if [ "${KEXEC_VM_PRODUCT:-rpm}" = tree ]; then
    for f in rc/kexec sysconfig/kexec target/release/kexec-reboot; do
        [ -f "$top/$f" ] || die "KEXEC_VM_PRODUCT=tree: $top/$f is missing (cargo build --release?)"
    done
    install -m 0755 "$top/rc/kexec" "$root/etc/rc.d/init.d/kexec"
    install -m 0644 "$top/sysconfig/kexec" "$root/etc/sysconfig/kexec"
    install -m 0755 "$top/target/release/kexec-reboot" "$root/usr/sbin/kexec-reboot"
    echo "vm run $name: product: the working tree (rc/kexec, target/release/kexec-reboot)" >&2
elif [ "${KEXEC_VM_PRODUCT:-rpm}" = standin ]; then
    install -m 0755 "$here/standin-kexec" "$root/etc/rc.d/init.d/kexec"
    printf 'KEXEC_APPEND=\n' >"$root/etc/sysconfig/kexec"
    echo "vm run $name: product: the harness stand-in (tests/vm/standin-kexec)" >&2
else
    rpmfile=${KEXEC_VM_RPM:-}
    if [ -z "$rpmfile" ]; then
        # The el6 package: this image boots through CentOS 6's rc and halt (el7 and later
        # packages carry the systemd units instead of the rc script).
        rpmfile=$(find "$top/target/rpmbuild/RPMS" -name 'kexec-reboot-[0-9]*.el6.*.rpm' 2>/dev/null |
            sort -V | tail -n 1)
    fi
    [ -f "${rpmfile:-/nonexistent}" ] ||
        die "no el6 kexec-reboot RPM in target/rpmbuild/RPMS (run make rpm, or set KEXEC_VM_RPM)"
    (cd "$root" && rpm2cpio "$rpmfile" | cpio -idmu --quiet) || die "unpacking $rpmfile"
    echo "vm run $name: product: ${rpmfile##*/}" >&2
fi
[ -x "$root/etc/rc.d/init.d/kexec" ] || die "the product installed no /etc/rc.d/init.d/kexec"
# chkconfig: the real one where ../shared/thirdparty has its sources, else our stand-in.
st=0
chk=$(sh "$top/tests/thirdparty/chkconfig.sh" 1.3.49.5) || st=$?
if [ "$st" -eq 0 ]; then
    install -m 0755 "$chk" "$root/usr/sbin/chkconfig"
    in_root() {
        if [ "$(id -u)" -eq 0 ]; then chroot "$root" "$@"; else unshare -r chroot "$root" "$@"; fi
    }
    chkconfig() { in_root /sbin/chkconfig "$@"; }
    echo "vm run $name: chkconfig: the real 1.3.49.5 ($chk)" >&2
elif [ "$st" -eq 77 ]; then
    chkconfig() { CHKCONFIG_ROOT="$root" sh "$top/tests/bin/chkconfig" "$@"; }
    echo "vm run $name: chkconfig: sources absent, using the stand-in tests/bin/chkconfig" >&2
else
    die "building the real chkconfig failed (tests/thirdparty/chkconfig.sh 1.3.49.5)"
fi
for svc in syslog vmsvc vmprobe vmtest; do
    chkconfig --add "$svc"
done
if [ "$st" -eq 0 ] && [ "${KEXEC_VM_PRODUCT:-rpm}" = rpm ]; then
    rpm -qp --qf '%{POSTIN}' "$rpmfile" >"$root/tmp/rpm-postin" || die "reading %post of $rpmfile"
    in_root /bin/sh /tmp/rpm-postin 1 || die "the RPM's %post failed"
    rm -f "$root/tmp/rpm-postin"
else
    chkconfig --add kexec
fi
chkconfig kexec "$kexec_state"

# The scenario's settings.
conf="$root/etc/sysconfig/kexec"
touch "$conf"
printf '%s' "$sets" | while IFS= read -r kv; do
    [ -n "$kv" ] || continue
    key=${kv%%=*}
    sed -i "/^[[:space:]]*$key=/d" "$conf"
    echo "$kv" >>"$conf"
done
printf '%s' "$config_lines" >>"$conf"
printf 'VMTEST_ACTION=%s\nVMTEST_PRE=%s\n%s' "$action" "$pre" "$thens" >"$root/etc/vmtest/scenario"
if [ -n "$bench" ]; then
    [ -x "$bench/driver" ] || die "--bench $bench: no executable $bench/driver"
    cp -a "$bench" "$root/etc/vmtest/bench"
fi

case "$bootloader" in
grub) ;;
bls) sh "$here/bls-boot.sh" "$root" "$boot" "$KERNEL_A" "$KERNEL_B" "$run/bls.env" ;;
*) die "unknown --bootloader $bootloader" ;;
esac

for b in $breakage; do
    case "$b" in
    missing-initrd) rm -f "$boot/initramfs-$KERNEL_B.img" ;;
    garbage-kernel) head -c 4194304 /dev/urandom >"$boot/vmlinuz-$KERNEL_B" ;;
    panic-initrd)
        # An initrd whose /init exits: "Attempted to kill init", and with panic=-1 on B's
        # command line the machine resets (QEMU exits under -no-reboot).
        cp "$boot/initramfs-$KERNEL_B.img" "$root/root/vmtest-good-initrd"
        pd="$run/panic-initrd"
        mkdir -p "$pd/bin" "$pd/dev"
        cp "$root/usr/bin/busybox" "$pd/bin/busybox"
        printf '#!/bin/busybox sh\necho "initrd: VMTEST broken initrd, exiting /init"\nexit 1\n' \
            >"$pd/init"
        chmod 0755 "$pd/init"
        (cd "$pd" && find . | cpio -o -H newc --quiet | gzip -1) >"$boot/initramfs-$KERNEL_B.img"
        rm -rf "$pd"
        ;;
    hanging-kexec-tools)
        mkdir -p "$root/usr/local/sbin"
        printf '#!/bin/sh\n# A kexec that never ends (VM test).\necho "kexec-hang: hanging" >&2\nsleep 3600\n' \
            >"$root/usr/local/sbin/kexec-hang"
        chmod 0755 "$root/usr/local/sbin/kexec-hang"
        ;;
    no-kexec-tools) rm -f "$root/usr/sbin/kexec" "$root/usr/sbin/vmcore-dmesg" ;;
    seccomp-enosys)
        command -v gcc >/dev/null 2>&1 || die "--break seccomp-enosys needs gcc"
        mv "$root/usr/sbin/kexec-reboot" "$root/usr/sbin/kexec-reboot.real"
        gcc -O2 -static -Wall -Wextra -o "$root/usr/sbin/kexec-reboot" \
            "$here/guest/enosys-wrap.c" || die "building tests/vm/guest/enosys-wrap.c"
        ;;
    *) die "unknown --break $b" ;;
    esac
done

firmware=""
if [ -n "$boot_disk" ]; then
    [ -n "$no_reboot" ] || die "--boot-disk restarts QEMU from the disk itself; drop --firmware-reboots"
    case "$boot_timeout:$disk_runs" in
    *[!0-9:]* | :* | *:) die "--boot-timeout and --disk-runs take numbers" ;;
    esac
    bootpart=/dev/vdb1
    if [ "$boot_disk" = grub2-efi ]; then
        firmware=/usr/share/OVMF/OVMF_CODE_4M.fd
        [ -f "$firmware" ] || die "$firmware missing; install ovmf (tests/deps.sh)"
        cp /usr/share/OVMF/OVMF_VARS_4M.fd "$run/vars.fd"
        bootpart=/dev/vdb2
        mkdir -p "$run/esp"
    fi
    BOOTDISK_TIMEOUT=$boot_timeout BOOTDISK_EFI_VENDORS=$efi_vendors sh "$here/boot-disk-config.sh" "$boot_disk" "$boot" "$KERNEL_A" \
        "$KERNEL_B" "$CMDLINE_A" "$run/esp" || die "--boot-disk $boot_disk: writing the boot loader config"
    sed -i "s|^/dev/vdb |$bootpart|" "$root/etc/fstab"
    if [ "$boot_disk" = grub2-efi ]; then
        # As anaconda writes it for the ESP.
        mkdir -p "$boot/efi"
        echo "/dev/vdb1  /boot/efi  vfat  umask=0077,shortname=winnt  0 0" >>"$root/etc/fstab"
    fi
fi

if [ -n "$ssh" ]; then
    keys=${ssh#*:}
    for f in authorized_keys ssh_host_ed25519_key ssh_host_ed25519_key.pub; do
        [ -f "$keys/$f" ] || die "--ssh: $keys/$f is missing"
    done
    install -d -m 0700 "$root/root/.ssh"
    install -m 0600 "$keys/authorized_keys" "$root/root/.ssh/authorized_keys"
    install -m 0600 "$keys/ssh_host_ed25519_key" "$root/etc/ssh/ssh_host_ed25519_key"
    install -m 0644 "$keys/ssh_host_ed25519_key.pub" "$root/etc/ssh/ssh_host_ed25519_key.pub"
    CHKCONFIG_ROOT="$root" sh "$top/tests/bin/chkconfig" --add vmnet
    CHKCONFIG_ROOT="$root" sh "$top/tests/bin/chkconfig" --del vmtest
    netargs="-netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${ssh%%:*}-:22 -device virtio-net-pci,netdev=net0"
fi

truncate -s 640M "$run/root.img"
mke2fs -q -F -t ext4 -L root -d "$root" "$run/root.img" || die "mke2fs of the root disk failed"
if [ -n "$boot_disk" ]; then
    sh "$here/bootdisk.sh" "$boot_disk" "$run/boot.img" "$boot" "$run/esp" || die "--boot-disk $boot_disk failed"
else
    truncate -s 128M "$run/boot.img"
    mke2fs -q -F -t ext4 -L boot -d "$boot" "$run/boot.img" || die "mke2fs of the boot disk failed"
fi
rm -rf "$root" "$boot" "$run/esp"

# Boot A directly (as if the boot loader had started it); the serial console, with each line
# stamped with the milliseconds since QEMU started.
case "$start_kernel" in
a) kernel=$KERNEL_A cmdline=$CMDLINE_A ;;
b) kernel=$KERNEL_B cmdline=$(echo "$CMDLINE_A" | sed 's/vmtest_entry=A/vmtest_entry=B/') ;;
*) die "unknown --start $start_kernel" ;;
esac
cmdline="$cmdline$append"
echo "vm run $name: booting kernel $start_kernel ($kernel), limit ${limit}s" >&2
start=$(date +%s%N)
cr=$(printf '\r')
: >"$run/serial.log"
cycle=1
# The kernel QEMU starts; with --boot-disk only the first run has one (then the disk boots).
set -- -kernel "$base/boot/vmlinuz-$kernel" -initrd "$base/boot/initramfs-$kernel.img" -append "$cmdline"
bootindex=""
[ -z "$boot_disk" ] || bootindex=",bootindex=1"
pflash=""
[ -z "$firmware" ] ||
    pflash="-drive if=pflash,format=raw,unit=0,readonly=on,file=$firmware -drive if=pflash,format=raw,unit=1,file=$run/vars.fd"
# stamp: the serial console on stdin, each line stamped with the milliseconds since $start.
stamp() {
    if [ -n "${KEXEC_VM_STAMPER:-}" ]; then
        # shellcheck disable=SC2086
        $KEXEC_VM_STAMPER "$start"
        return
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        now=$(date +%s%N)
        printf '%7d %s\n' "$(((now - start) / 1000000))" "${line%"$cr"}"
    done
}
while :; do
    # shellcheck disable=SC2086
    {
        # Not under set -e's reach: a QEMU stopped by timeout (124, 137) must still leave qemu.rc.
        qrc=0
        timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -m 768 -smp 1 $no_reboot \
            -nodefaults -no-user-config -display none -monitor none -serial stdio $pflash "$@" \
            -drive "file=$run/root.img,format=raw,if=none,id=rootdisk" \
            -device virtio-blk-pci,drive=rootdisk \
            -drive "file=$run/boot.img,format=raw,if=none,id=bootdisk" \
            -device "virtio-blk-pci,drive=bootdisk$bootindex" $netargs </dev/null 2>&1 || qrc=$?
        echo "$qrc" >"$run/qemu.rc"
    } | stamp >>"$run/serial.log"
    rc=$(cat "$run/qemu.rc")
    echo "vm run $name: QEMU exited with $rc after $((($(date +%s%N) - start) / 1000000)) ms" >&2
    if [ -n "$boot_disk" ] && [ "$rc" = 0 ] && [ "$cycle" -lt "$disk_runs" ] &&
        tail -n 3 "$run/serial.log" | grep -q 'reboot: Restarting system'; then
        # A firmware reboot: QEMU starts again from the boot disk, with no -kernel.
        cycle=$((cycle + 1))
        printf '%7d VMHOST: run %d: firmware reboot, QEMU starts from the disk (%s)\n' \
            "$((($(date +%s%N) - start) / 1000000))" "$cycle" "$boot_disk" >>"$run/serial.log"
        set --
        continue
    fi
    [ "$cycles" -gt 1 ] || break
    printf '%7d VMHOST: run %d: QEMU exited with %s\n' \
        "$((($(date +%s%N) - start) / 1000000))" "$cycle" "$rc" >>"$run/serial.log"
    if [ "$cycle" -ge "$cycles" ] || [ "$rc" != 0 ] || [ -e "$run/stop" ]; then
        break
    fi
    cycle=$((cycle + 1))
    if [ "$firmware_kernel" = b ]; then
        kernel=$KERNEL_B start_kernel=b
        cmdline="$(echo "$CMDLINE_A" | sed 's/vmtest_entry=A/vmtest_entry=B/')$append"
    fi
    if [ -z "$boot_disk" ]; then
        set -- -kernel "$base/boot/vmlinuz-$kernel" -initrd "$base/boot/initramfs-$kernel.img" -append "$cmdline"
    fi
    # A power cycle through the firmware: the same disks, kernel A started again.
    printf '%7d VMHOST: run %d: power-cycled, QEMU starts kernel %s again\n' \
        "$((($(date +%s%N) - start) / 1000000))" "$cycle" "$start_kernel" >>"$run/serial.log"
done

# What the disks say afterwards.
debugfs -R "cat /var/log/messages" "$run/root.img" >"$run/messages" 2>/dev/null || true
debugfs -R "cat /root/vmtest-file" "$run/root.img" >"$run/vmtest-file" 2>/dev/null || true
for disk in root boot; do
    st=0
    e2fsck -fn "$run/$disk.img" >"$run/fsck-$disk.txt" 2>&1 || st=$?
    echo "e2fsck status $st" >>"$run/fsck-$disk.txt"
done
[ "$rc" != 124 ] && [ "$rc" != 137 ] || echo "vm run $name: QEMU timed out (${limit}s)" >&2
exit 0
