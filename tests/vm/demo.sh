#!/bin/sh
# `make demo`: boots kernel A in the VM test's machine, runs `shutdown -r now`, and tells the
# story from the serial console: what kexec-reboot staged, the halt sequence, the kernel that came
# back and how long it took, next to the firmware path of the same VM (kexec turned off), which
# goes through SeaBIOS and the real GRUB 0.97 installed on /boot's disk (run-vm.sh --boot-disk).
#
# Why this exists: the first thing a reader runs; it shows the product working end to end on
# real sysvinit, CentOS-shaped initscripts and the RPM's files, with no setup.
# Usage: tests/vm/demo.sh OUTDIR   (KEXEC_VM_INITSCRIPTS=DIR works as in run-vm.sh)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: demo.sh OUTDIR}

echo "demo: booting kernel A, then shutdown -r now with kexec on (about a minute under TCG)..."
sh "$here/run-vm.sh" "$out" demo-kexec --timeout 240 2>/dev/null
echo "demo: the same machine with kexec off, for the firmware path: SeaBIOS, GRUB 0.97 from the"
echo "      disk's MBR reading /boot/grub/grub.conf, then the kernel GRUB picks..."
sh "$here/run-vm.sh" "$out" demo-firmware --kexec off --boot-disk grub-legacy --timeout 300 \
    2>/dev/null

# shellcheck source=/dev/null
. "$out/base/vm.env"
kx="$out/runs/demo-kexec/serial.log"
fw="$out/runs/demo-firmware/serial.log"

# ms LOG TEXT [NTH]: the time stamp of the NTH (default 1st) line containing TEXT.
ms() {
    awk -v t="$2" -v n="${3:-1}" 'index($0, t) { if (++seen == n) { print $1; exit } }' "$1"
}

# text LOG TEXT: the first line containing TEXT, without its time stamp.
text() {
    awk -v t="$2" 'index($0, t) { $1 = ""; sub(/^ /, ""); print; exit }' "$1"
}

secs() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'
}

uname2=$(awk '/VMTEST: boot 2/ { b = 1 } b && /VMTEST: uname/ { print $NF; exit }' "$kx")
if [ "$uname2" != "$KERNEL_B" ]; then
    echo "demo: FAILED: the machine did not come back in kernel B ($KERNEL_B); the console said:" >&2
    tail -n 40 "$kx" >&2
    exit 1
fi

echo
echo "== kexec-reboot demo =================================================================="
echo "kernel A (running): $KERNEL_A"
echo "kernel B (grub.conf default, the second entry): $KERNEL_B"
echo
echo "staged, at runlevel 6 by /etc/rc.d/init.d/kexec stop:"
echo "  $(text "$kx" "staged $KERNEL_B")"
echo
echo "the halt sequence (serial console):"
awk '/INIT: Switching to runlevel: 6/ { on = 1 }
     on && /Starting new kernel/ { sub(/^ *[0-9]+ /, ""); sub(/^\[ *[0-9.]+\] /, ""); print "  " $0; exit }
     on { sub(/^ *[0-9]+ /, "");
          if ($0 ~ /^\[ *[0-9.]+\]/ && $0 !~ /EXT4-fs/) next;
          gsub(/\[ *[0-9.]+\] /, ""); gsub(/\r/, ""); print "  " $0 }' "$kx"
echo
cmdline=$(awk '/VMTEST: boot 2/ { b = 1 } b && /VMTEST: cmdline/ { sub(/.*VMTEST: cmdline /, ""); print; exit }' "$kx")
echo "second boot: uname -r = $uname2"
echo "             /proc/cmdline = $cmdline"
echo
# phases LOG RESET-TEXT: "total (shutdown to halt's end / reset to B's first line / boot)".
phases() {
    p0=$(ms "$1" "VMTEST: action shutdown -r now")
    p1=$(ms "$1" "Please stand by while rebooting")
    p2=$(ms "$1" "$2")
    p3=$(ms "$1" "Linux version" 2)
    p4=$(ms "$1" "VMTEST: READY" 2)
    if [ -z "$p0" ] || [ -z "$p4" ]; then
        echo "did not reach its second boot (see $1)"
        return 0
    fi
    echo "$(secs "$p0" "$p4") s  (rc 6 + halt $(secs "$p0" "$p1") s, reset/kexec to first" \
        "kernel line $(secs "$p2" "$p3") s, boot to READY $(secs "$p3" "$p4") s)"
}
fw2=$(awk '/VMTEST: boot 2/ { b = 1 } b && /VMTEST: uname/ { print $NF; exit }' "$fw")
echo "the firmware path (kexec off): QEMU started again from the disk; GRUB 0.97 said:"
awk '/VMHOST: run 2/ { on = 1; next } on && /Linux version/ { exit }
     on { sub(/^ *[0-9]+ /, ""); gsub(/\033\[[0-9;?]*[A-Za-z]/, ""); gsub(/\r/, "");
          if (sub(/.*to enter the menu\.\.\. [0-9]+ */, "")) print "  (hiddenmenu: \"Press ESC to enter the menu\", counting down timeout=5)";
          if ($0 ~ /[A-Za-z]/) print "  " $0 }' "$fw" | head -n 12
echo "  ... and booted $fw2: the kernel the kexec path chose (grub.conf default=1)."
[ "$fw2" = "$KERNEL_B" ] || echo "demo: WARNING: GRUB booted ${fw2:-nothing}, not $KERNEL_B (see $fw)" >&2
echo
echo "kernel A → kernel B via kexec in $(phases "$kx" "Starting new kernel")"
echo "kernel A → kernel B via firmware + GRUB in $(phases "$fw" "Restarting system")"
echo "QEMU has no real POST (SeaBIOS takes well under a second), GRUB waits its timeout=5, and"
echo "staging and kexec's purgatory run on an emulated CPU, so the times here are noisy on a busy"
echo "host; on a real server the firmware path adds minutes of POST, which kexec skips."
