#!/bin/sh
# Runs one fleet scenario: three guests of the sysvinit image (run-vm.sh --ssh: sshd, a key made
# for this run, 127.0.0.1 port forwards only), started one after another in the background, then
# `ansible-playbook ansible/examples/rolling-reboot.yml` against them with ansible-core from
# target/ansible (tests/deps.sh), then the guests are shut down.
#
# Why this exists: the proof that the Ansible role reboots a fleet host by host through kexec and
# stops where it must (tests/fleet.rs asserts, `make demo-fleet` tells the story). It asserts
# nothing; the caller reads the files.
#
# Usage: fleet.sh OUTDIR SCENARIO
#   rolling         serial 1, h3 with kexec_reboot_settings (KEXEC_APPEND for this run only)
#   broken-initrd   h2's kernel B initrd is missing: the play stops at h2's preflight
#   serial-2        kexec_reboot_serial=2: h1 and h2 in one batch, then h3
#   allow-firmware  h2's kexec service is off, kexec_reboot_allow_firmware=true
# Leaves in OUTDIR/fleet/SCENARIO: ansible.log, ansible.rc, inventory.ini, hN.before and
# hN.after (uname -r, boot id, /proc/cmdline, md5 of /etc/sysconfig/kexec, over SSH), hN.log
# (run-vm.sh's messages); each guest's serial.log etc. in OUTDIR/runs/fleet-SCENARIO-hN.
# Environment: KEXEC_FLEET_TIMEOUT (seconds, default 2400): the bound on each guest's QEMU and
# on the play. KEXEC_FLEET_KEEP=1 (debugging) leaves the guests running and skips the play.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${1:?usage: fleet.sh OUTDIR SCENARIO}
scenario=${2:?usage: fleet.sh OUTDIR SCENARIO}
limit=${KEXEC_FLEET_TIMEOUT:-2400}

die() {
    echo "fleet $scenario: $*" >&2
    exit 1
}

ansible=$top/target/ansible/bin/ansible-playbook
[ -x "$ansible" ] || die "no $ansible; run tests/deps.sh (make deps)"
for tool in ssh ssh-keygen python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run tests/deps.sh (make deps)"
done

# What each host gets: run-vm.sh options, inventory variables; and the play's extra variables.
# shellcheck disable=SC2034
opts1="" opts2="" opts3=""
vars1="" vars2="" vars3=""
extra=""
case "$scenario" in
rolling) vars3="kexec_reboot_settings='{\"KEXEC_APPEND\": \"fleet_marker=h3\"}'" ;;
broken-initrd) opts2="--break missing-initrd" ;;
serial-2) extra="kexec_reboot_serial=2" ;;
allow-firmware)
    # shellcheck disable=SC2034
    opts2="--kexec off"
    vars2="kexec_reboot_allow_firmware=true"
    ;;
*) die "unknown scenario $scenario (rolling, broken-initrd, serial-2, allow-firmware)" ;;
esac

began=$(date +%s)
sh "$top/tests/vm/build-image.sh" "$out"
out=$(cd "$out" && pwd)
dir="$out/fleet/$scenario"
rm -rf "$dir"
mkdir -p "$dir/keys" "$dir/ansible"
keys="$dir/keys"

# This run's keys: the client's, and one host key for the three guests.
ssh-keygen -q -t ed25519 -N '' -C "fleet-$scenario" -f "$keys/client"
ssh-keygen -q -t ed25519 -N '' -C "fleet-guest" -f "$keys/ssh_host_ed25519_key"
cp "$keys/client.pub" "$keys/authorized_keys"

# Three free ports on 127.0.0.1.
ports=$(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
# shellcheck disable=SC2086
set -- $ports
port1=$1 port2=$2 port3=$3
: >"$keys/known_hosts"
for p in $ports; do
    echo "[127.0.0.1]:$p $(cut -d' ' -f1,2 "$keys/ssh_host_ed25519_key.pub")" >>"$keys/known_hosts"
done
sshopts="-o UserKnownHostsFile=$keys/known_hosts -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o BatchMode=yes -o LogLevel=ERROR"

# on N CMD: runs CMD on guest N as root.
on() {
    eval "p=\$port$1"
    # shellcheck disable=SC2086,SC2154
    ssh -F none -i "$keys/client" $sshopts -p "$p" root@127.0.0.1 "$2"
}

# facts N FILE: what guest N runs, for the test to compare before and after.
facts() {
    on "$1" 'uname -r; cat /proc/sys/kernel/random/boot_id; cat /proc/cmdline; md5sum /etc/sysconfig/kexec' \
        >"$2" 2>&1 || echo "unreachable" >>"$2"
}

pids=""
# shellcheck disable=SC2317
cleanup() {
    for n in 1 2 3; do
        run="$out/runs/fleet-$scenario-h$n"
        [ -d "$run" ] || continue
        : >"$run/stop"
        on "$n" 'shutdown -h now' >/dev/null 2>&1 || true
    done
    # Each guest halts and its run-vm.sh checks the disks; bounded, then QEMU is ended by id.
    waited=0
    for pid in $pids; do
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 180 ]; do
            sleep 2
            waited=$((waited + 2))
        done
    done
    for n in 1 2 3; do
        for pid in $(pgrep -f "file=$out/runs/fleet-$scenario-h$n/root.img" || true); do
            echo "fleet $scenario: h$n did not halt; ending QEMU ($pid)" >&2
            kill "$pid" 2>/dev/null || true
        done
    done
    for pid in $pids; do
        wait "$pid" 2>/dev/null || true
    done
}
[ -n "${KEXEC_FLEET_KEEP:-}" ] || trap cleanup EXIT

# The guests, one after another (TCG on shared cores): each is up (SSH answers) before the next
# starts.
for n in 1 2 3; do
    eval "p=\$port$n o=\$opts$n"
    # shellcheck disable=SC2154
    echo "fleet $scenario: starting h$n (127.0.0.1:$p) $o" >&2
    # shellcheck disable=SC2086
    sh "$top/tests/vm/run-vm.sh" "$out" "fleet-$scenario-h$n" --ssh "$p:$keys" --cycles 10 \
        --firmware-kernel b --timeout "$limit" $o >"$dir/h$n.log" 2>&1 &
    pid=$!
    pids="$pids $pid"
    waited=0
    until on "$n" true >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || die "h$n stopped before SSH answered (see $dir/h$n.log)"
        [ "$waited" -lt 900 ] || die "h$n: no SSH after 900 s (see $out/runs/fleet-$scenario-h$n/serial.log)"
        sleep 5
        waited=$((waited + 5))
    done
    facts "$n" "$dir/h$n.before"
done

cat >"$dir/inventory.ini" <<INV
[fleet]
h1 ansible_port=$port1 $vars1
h2 ansible_port=$port2 $vars2
h3 ansible_port=$port3 $vars3

[fleet:vars]
ansible_host=127.0.0.1
ansible_user=root
ansible_ssh_private_key_file=$keys/client
ansible_ssh_common_args='$sshopts'
INV

if [ -n "${KEXEC_FLEET_KEEP:-}" ]; then
    echo "fleet $scenario: guests left running (KEXEC_FLEET_KEEP); inventory $dir/inventory.ini" >&2
    exit 0
fi
echo "fleet $scenario: ansible-playbook ansible/examples/rolling-reboot.yml -i $dir/inventory.ini${extra:+ -e $extra}" >&2
st=0
# shellcheck disable=SC2086
(cd "$top" && ANSIBLE_HOME="$dir/ansible" ANSIBLE_LOCAL_TEMP="$dir/ansible/tmp" \
    ANSIBLE_SSH_CONTROL_PATH_DIR="$dir/ansible/cp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
    timeout -k 10 "$limit" "$ansible" ansible/examples/rolling-reboot.yml -i "$dir/inventory.ini" \
    ${extra:+-e "$extra"} >"$dir/ansible.log" 2>&1) || st=$?
echo "$st" >"$dir/ansible.rc"
echo "fleet $scenario: ansible-playbook exited with $st" >&2

for n in 1 2 3; do
    facts "$n" "$dir/h$n.after"
done
echo "fleet $scenario: $(($(date +%s) - began)) s up to the end of the play" >&2
exit 0
