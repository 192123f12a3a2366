#!/bin/sh
# Runs one scenario of the systemd flavour: assembles the disks from the systemd base tree
# (tests/vm/systemd/build-image.sh) with /boot laid out as RHEL 9 (BLS entries, grubenv with
# kernelopts: tests/vm/bls-boot.sh), installs the el9 RPM's files (rpm2cpio), enables kexec the
# way the admin does (`systemctl enable kexec`, the real systemctl, on the image), boots kernel
# A under QEMU (TCG, -no-reboot: a firmware reboot ends QEMU) and leaves in OUTDIR/runs/NAME:
# serial.log (lines stamped with ms since QEMU started), qemu.rc, journal.txt (the guest's
# journal, read from the disk afterwards), fsck-root.txt, fsck-boot.txt. It asserts nothing.
#
# Usage: run.sh OUTDIR NAME [option...]
#   --action A           what boot 1 does (see guest/vmtest-systemd; default shutdown-r)
#   --then N=ACTION      what boot N does
#   --kexec on|off       systemctl enable kexec (default on)
#   --chkconfig FILE     enable with `chkconfig kexec on` instead, FILE being the real static
#                        chkconfig 1.7.6 (tests/thirdparty/chkconfig.sh), run in a chroot of the
#                        image, so that it forwards to the image's own systemctl enable
#   --config-line TEXT   append TEXT to /etc/sysconfig/kexec
#   --break missing-initrd       remove B's initrd part from /boot
#   --break panic-initrd         B's initrd panics at once (its /init exits)
#   --break exec-fails           a systemctl in /usr/local/sbin that fails `--force kexec`
#   --break load-on-poweroff     (to see the test fail) the load step loads on any shutdown
#   --break skip-exec            (to see the test fail) kexec-exec.service does nothing
#   --cycles N           power-cycle: start QEMU again after it exits, up to N runs
#   --firmware-kernel b  with --cycles: a power cycle starts kernel B with the command line a
#                        kexec into B gets (BLS_CMDLINE_B and the marker), as a firmware
#                        boot of the same default through the boot loader would, only without
#                        the load's own marker
#   --timeout SECONDS    QEMU's hard limit (default 400)
# Environment: KEXEC_VM_RPM=FILE (default: the newest .el9 RPM in target/rpmbuild/RPMS).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
vm=$(cd "$here/.." && pwd)
top=$(cd "$vm/../.." && pwd)
out=${1:?usage: run.sh OUTDIR NAME [option...]}
name=${2:?usage: run.sh OUTDIR NAME [option...]}
shift 2

die() {
    echo "vm systemd run $name: $*" >&2
    exit 1
}

action=shutdown-r
thens=""
kexec_state=on
chkconfig=""
config_lines=""
breakage=""
cycles=1
firmware_kernel=""
limit=400
nl='
'
while [ $# -gt 0 ]; do
    case "$1" in
    --action) action=$2 && shift 2 ;;
    --then) thens="${thens}VMTEST_ACTION_${2%%=*}=${2#*=}$nl" && shift 2 ;;
    --kexec) kexec_state=$2 && shift 2 ;;
    --chkconfig) chkconfig=$2 && shift 2 ;;
    --config-line) config_lines="$config_lines$2$nl" && shift 2 ;;
    --break) breakage="$breakage $2" && shift 2 ;;
    --cycles) cycles=$2 && shift 2 ;;
    --firmware-kernel) firmware_kernel=$2 && shift 2 ;;
    --timeout) limit=$2 && shift 2 ;;
    *) die "unknown option $1" ;;
    esac
done

for tool in qemu-system-x86_64 mke2fs e2fsck debugfs timeout rpm2cpio cpio systemctl journalctl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run tests/deps.sh (make deps)"
done

sh "$here/build-image.sh" "$out"
out=$(cd "$out" && pwd)
# shellcheck source=/dev/null
. "$out/base/vm.env"

run="$out/runs/$name"
rm -rf "$run"
mkdir -p "$run"
root="$run/root"
boot="$run/boot"
cp -a "$out/base-systemd/root" "$root"
cp -a "$out/base/boot" "$boot"
sh "$vm/bls-boot.sh" "$root" "$boot" "$KERNEL_A" "$KERNEL_B" "$run/bls.env"

# The product: the el9 RPM's files, then what the admin types.
rpmfile=${KEXEC_VM_RPM:-}
if [ -z "$rpmfile" ]; then
    rpmfile=$(find "$top/target/rpmbuild/RPMS" -name 'kexec-reboot-[0-9]*.el9.*.rpm' 2>/dev/null |
        sort -V | tail -n 1)
fi
[ -f "${rpmfile:-/nonexistent}" ] || die "no el9 kexec-reboot RPM in target/rpmbuild/RPMS (run make rpm)"
(cd "$root" && rpm2cpio "$rpmfile" | cpio -idmu --quiet) || die "unpacking $rpmfile"
echo "vm systemd run $name: product: ${rpmfile##*/}" >&2
[ -f "$root/usr/lib/systemd/system/kexec.service" ] || die "the RPM has no kexec.service"
[ ! -e "$root/etc/rc.d/init.d/kexec" ] || die "the el9 RPM ships the SysV script"
if [ -n "$chkconfig" ]; then
    install -m 0755 "$chkconfig" "$root/usr/sbin/chkconfig"
    chroot "$root" /usr/sbin/chkconfig kexec on >"$run/enable.txt" 2>&1 ||
        die "chkconfig kexec on failed: $(cat "$run/enable.txt")"
elif [ "$kexec_state" = on ]; then
    systemctl --root="$root" enable kexec.service >"$run/enable.txt" 2>&1 ||
        die "systemctl --root enable kexec.service failed: $(cat "$run/enable.txt")"
fi

conf="$root/etc/sysconfig/kexec"
sed -i '/^[[:space:]]*KEXEC_APPEND=/d' "$conf"
# no_timer_check: under TCG on a loaded host the kernel's early IO-APIC timer check can fail
# ("IO-APIC + timer doesn't work!", a panic before userland); it is skipped on every boot.
echo 'KEXEC_APPEND="no_timer_check vmtest_kexec_marker=1"' >>"$conf"
printf '%s' "$config_lines" >>"$conf"
printf 'VMTEST_ACTION=%s\nVMTEST_KERNEL_A=%s\n%s' "$action" "$KERNEL_A" "$thens" >"$root/etc/vmtest/scenario"

step="$root/usr/libexec/kexec-reboot/kexec-step"
for b in $breakage; do
    case "$b" in
    missing-initrd) rm -f "$boot/initramfs-$KERNEL_B-rest.img" ;;
    panic-initrd)
        # B's initrd's second part brings an /init that exits: "Attempted to kill init", and
        # panic=-1 resets the machine (QEMU exits under -no-reboot).
        pd="$run/panic-initrd"
        mkdir -p "$pd"
        printf '#!/bin/busybox sh\necho "initrd: VMTEST broken initrd, exiting /init"\nexit 1\n' >"$pd/init"
        chmod 0755 "$pd/init"
        (cd "$pd" && find . | cpio -o -H newc --quiet | gzip -1) >"$boot/initramfs-$KERNEL_B-rest.img"
        rm -rf "$pd"
        ;;
    exec-fails)
        cat >"$root/usr/local/sbin/systemctl" <<'SH'
#!/bin/sh
# VM test: a systemctl whose `--force kexec` fails; everything else goes to the real one.
if [ "$*" = "--force kexec" ]; then
    echo "vmtest systemctl: refusing --force kexec (scenario exec-fails)" >&2
    exit 1
fi
exec /usr/bin/systemctl "$@"
SH
        chmod 0755 "$root/usr/local/sbin/systemctl"
        ;;
    load-on-poweroff)
        # shellcheck disable=SC2016
        sed -i 's/if \[ "\$target" != reboot \]; then/if false; then/' "$step"
        grep -q '^    if false; then' "$step" || die "--break load-on-poweroff: kexec-step changed, no match"
        ;;
    skip-exec)
        sed -i 's/^    exec) do_exec ;;$/    exec) ;;/' "$step"
        grep -q '^    exec) ;;$' "$step" || die "--break skip-exec: kexec-step changed, no match"
        ;;
    *) die "unknown --break $b" ;;
    esac
done

truncate -s 768M "$run/root.img"
truncate -s 128M "$run/boot.img"
mke2fs -q -F -t ext4 -L root -d "$root" "$run/root.img" || die "mke2fs of the root disk failed"
mke2fs -q -F -t ext4 -L boot -d "$boot" "$run/boot.img" || die "mke2fs of the boot disk failed"
rm -rf "$root" "$boot"

echo "vm systemd run $name: booting kernel A ($KERNEL_A), limit ${limit}s" >&2
start=$(date +%s%N)
cr=$(printf '\r')
: >"$run/serial.log"
cycle=1
qkernel=$KERNEL_A
qappend="$CMDLINE_A no_timer_check"
while :; do
    {
        st=0
        timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -no-reboot \
            -nodefaults -no-user-config -display none -monitor none -serial stdio \
            -kernel "$out/base/boot/vmlinuz-$qkernel" -initrd "$out/base/boot/initramfs-$qkernel.img" \
            -append "$qappend" \
            -drive "file=$run/root.img,format=raw,if=virtio" \
            -drive "file=$run/boot.img,format=raw,if=virtio" </dev/null 2>&1 || st=$?
        echo "$st" >"$run/qemu.rc"
    } | while IFS= read -r line || [ -n "$line" ]; do
        now=$(date +%s%N)
        printf '%7d %s\n' "$(((now - start) / 1000000))" "${line%"$cr"}"
    done >>"$run/serial.log"
    rc=$(cat "$run/qemu.rc")
    echo "vm systemd run $name: QEMU exited with $rc after $((($(date +%s%N) - start) / 1000000)) ms" >&2
    printf '%7d VMHOST: run %d: QEMU exited with %s\n' \
        "$((($(date +%s%N) - start) / 1000000))" "$cycle" "$rc" >>"$run/serial.log"
    if [ "$cycle" -ge "$cycles" ] || [ "$rc" != 0 ]; then
        break
    fi
    cycle=$((cycle + 1))
    which="kernel A again"
    if [ "$firmware_kernel" = b ]; then
        qkernel=$KERNEL_B
        qappend="$(sed -n 's/^BLS_CMDLINE_B=//p' "$run/bls.env") vmtest_kexec_marker=1"
        which="kernel B (firmware boot)"
    fi
    printf '%7d VMHOST: run %d: power-cycled, QEMU starts %s\n' \
        "$((($(date +%s%N) - start) / 1000000))" "$cycle" "$which" >>"$run/serial.log"
done

# What the disks say afterwards: the journal, and whether both filesystems were left clean.
rm -rf "$run/journal"
debugfs -R "rdump /var/log/journal $run" "$run/root.img" >/dev/null 2>&1 || true
journalctl --directory="$run/journal" --no-pager -o short-monotonic >"$run/journal.txt" 2>&1 || true
for disk in root boot; do
    st=0
    e2fsck -fn "$run/$disk.img" >"$run/fsck-$disk.txt" 2>&1 || st=$?
    echo "e2fsck status $st" >>"$run/fsck-$disk.txt"
done
[ "$rc" != 124 ] && [ "$rc" != 137 ] || echo "vm systemd run $name: QEMU timed out (${limit}s)" >&2
exit 0
