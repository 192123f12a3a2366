#!/bin/sh
# make demo-fleet: three guests of the sysvinit image, rebooted one at a time by the Ansible
# role (ansible/examples/rolling-reboot.yml), told in a few lines.
# Usage: tests/vm/fleet/demo.sh OUTDIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: demo.sh OUTDIR}

sh "$here/fleet.sh" "$out" rolling
out=$(cd "$out" && pwd)
dir="$out/fleet/rolling"
# shellcheck source=/dev/null
. "$out/base/vm.env"

echo
echo "Three CentOS-shaped guests (sysvinit, sshd), each running kernel A ($KERNEL_A);"
echo "the boot loader's default is B ($KERNEL_B). No Python on them."
echo "\$ ansible-playbook ansible/examples/rolling-reboot.yml -i $dir/inventory.ini"
echo "  (serial 1; h3 has kexec_reboot_settings: {KEXEC_APPEND: fleet_marker=h3}, for this run only)"
sed -n 's/^ *"\(kexec_reboot: h[0-9]*: .*\)",\{0,1\}$/  \1/p' "$dir/ansible.log" | tail -n 3
echo "ansible-playbook exited with $(cat "$dir/ansible.rc")."
for n in 1 2 3; do
    con="$out/runs/fleet-rolling-h$n/serial.log"
    kernels=$(sed -n 's/.*\] Linux version \([^ ]*\) .*/\1/p' "$con" | tr '\n' ' ')
    resets=$(grep -c 'power-cycled' "$con" || true)
    cmdline=$(sed -n 3p "$dir/h$n.after")
    same=changed
    [ "$(sed -n 4p "$dir/h$n.before")" != "$(sed -n 4p "$dir/h$n.after")" ] || same=unchanged
    echo "h$n console: kernels started: ${kernels}(firmware reboots: $resets); /etc/sysconfig/kexec $same"
    echo "   now: $cmdline"
done
