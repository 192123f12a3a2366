#!/bin/sh
# `make demo-systemd`: the story of `make demo` on the systemd flavour (systemd 252 as PID 1,
# /boot as RHEL 9 lays it out, the el9 RPM, `systemctl enable kexec`): kernel A runs
# `shutdown -r now`, kexec.service stages B while /boot is mounted, the services stop, the
# filesystems are unmounted, kexec-exec.service turns the reboot into `systemctl --force kexec`,
# and B comes back without a firmware reboot.
# Usage: tests/vm/systemd/demo.sh OUTDIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: demo.sh OUTDIR}

echo "demo-systemd: booting kernel A under systemd, then shutdown -r now (a few minutes under TCG)..."
sh "$here/run.sh" "$out" demo-systemd --action shutdown-r --timeout 400 2>/dev/null
# shellcheck source=/dev/null
. "$out/base/vm.env"
log="$out/runs/demo-systemd/serial.log"

# The log without time stamps and colours.
clean() {
    sed -e 's/^ *[0-9]* //' -e 's/\x1b\[[0-9;]*m//g' -e 's/^\[ *[0-9.]*\] //' "$log"
}
ms() {
    awk -v t="$1" 'index($0, t) { print $1; exit }' "$log"
}
secs() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'
}

boot2=$(clean | grep -m 1 'VMTEST boot 2 entry=' || true)
case "$boot2" in
*"kernel=$KERNEL_B "*) ;;
*)
    echo "demo-systemd: FAILED: the machine did not come back in kernel B ($KERNEL_B); the console said:" >&2
    tail -n 40 "$log" >&2
    exit 1
    ;;
esac

echo
echo "== kexec-reboot demo, systemd flavour ================================================="
echo "kernel A (running): $KERNEL_A"
echo "kernel B (the BLS default: grubenv saved_entry, kernelopts): $KERNEL_B"
echo
echo "the shutdown (serial console, from shutdown -r now to the new kernel):"
clean | awk '/VMTEST boot 1 action/ { on = 1; next }
    on && /Starting new kernel/ { print "  " $0; exit }
    on && (/kexec/ || /vmsvc/ || /Unmount/ || /Reached target/ || /systemd-shutdown/) { print "  " $0 }'
echo
echo "second boot: $(echo "$boot2" | sed 's/^.*VMTEST boot 2 //')"
t0=$(ms "VMTEST boot 1 action")
t1=$(ms "kexec_core: Starting new kernel")
t2=$(ms "VMTEST boot 2 entry=")
echo
echo "kernel A → kernel B via kexec: shutdown $(secs "$t0" "$t1") s, boot of B to the driver $(secs "$t1" "$t2") s (TCG, shared host)"
echo "no firmware reboot in between: back in $KERNEL_B via kexec"
