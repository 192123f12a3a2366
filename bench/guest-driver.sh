#!/bin/sh
# The guest side of `make bench`: runs inside the VM on kernel A (from the vmtest driver, on
# boot 1, before its `shutdown -r now`), stages kernel B over and over, and prints one console
# line per measurement for bench/run.sh to read from the serial log:
#   BENCH: <what> <run> wall_ms=... [maxrss_kb=...] status=...
# what: ours (kexec-reboot load), kexec-s (kexec -s -l), kexec-l (kexec -l), bare (one
# kexec_file_load call, no program around it), dry (kexec-reboot load --dry-run: everything
# but the load), rc (the whole `/etc/rc.d/init.d/kexec stop` at runlevel 6).
#
# Why this exists: staging can only be measured on a kernel that does kexec; one boot runs
# every repetition, side by side, the order rotated each round so drift hits all alike.
# Every run starts from the same state: nothing loaded, no state or pending record of ours.
# Run 0 of each is a warm-up (files into the page cache), not counted by bench/run.sh.
# Usage: driver (from /etc/vmtest/bench, beside `probe` and `params`: RUNS=N)
PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

here=$(cd "$(dirname "$0")" && pwd)
probe="$here/probe"
RUNS=10
# shellcheck disable=SC1091
. "$here/params"

say() {
    echo "BENCH: $*"
}

# The same files and command line for every tool: what our plan would load.
plan=$(/usr/sbin/kexec-reboot plan 2>&1)
kernel=$(echo "$plan" | sed -n 's/^  kernel: *//p')
initrd=$(echo "$plan" | sed -n 's/^  initrd: *//p')
cmdline=$(echo "$plan" | sed -n 's/^  cmdline: *//p')
if [ -z "$kernel" ] || [ -z "$initrd" ] || [ -z "$cmdline" ]; then
    say "error: kexec-reboot plan gave no kernel, initrd or command line: $plan"
    exit 1
fi
say "files kernel=$kernel ($(wc -c <"$kernel") bytes) initrd=$initrd ($(wc -c <"$initrd") bytes)"
say "cmdline $cmdline"

clean() {
    /sbin/kexec -u >/dev/null 2>&1
    rm -f /var/run/kexec-reboot.state /var/lib/kexec-reboot/pending.json
}

# measure WHAT RUN: one measurement from a clean state; checks that a kernel got staged.
measure() {
    clean
    case $1 in
    ours) r=$("$probe" run --stderr /tmp/bench.err -- /usr/sbin/kexec-reboot load --reason bench) ;;
    dry) r=$("$probe" run --stderr /tmp/bench.err -- /usr/sbin/kexec-reboot load --dry-run) ;;
    kexec-s) r=$("$probe" run --stderr /tmp/bench.err -- /sbin/kexec -s -l "$kernel" \
        --initrd="$initrd" --command-line="$cmdline") ;;
    kexec-l) r=$("$probe" run --stderr /tmp/bench.err -- /sbin/kexec -l "$kernel" \
        --initrd="$initrd" --command-line="$cmdline") ;;
    bare) r=$("$probe" file-load "$kernel" "$initrd" "$cmdline" 2>/tmp/bench.err) ;;
    rc)
        # rc exports the runlevel being entered (CentOS 5); the script's stop takes the lock
        # away, as at a real reboot.
        touch /var/lock/subsys/kexec
        r=$(runlevel=6 "$probe" run --stderr /tmp/bench.err -- /etc/rc.d/init.d/kexec stop)
        ;;
    esac
    loaded=$(cat /sys/kernel/kexec_loaded)
    want=1
    [ "$1" = dry ] && want=0
    if [ "$loaded" != "$want" ]; then
        r="$r error=kexec_loaded-$loaded:$(tail -n 1 /tmp/bench.err 2>/dev/null)"
    fi
    say "$1 $2 $r"
}

order="ours kexec-s kexec-l bare rc dry"
i=0
while [ "$i" -le "$RUNS" ]; do
    for what in $order; do
        measure "$what" "$i"
    done
    # Rotate: the first of this round goes last in the next.
    # shellcheck disable=SC2086
    set -- $order
    first=$1
    shift
    order="$* $first"
    i=$((i + 1))
done

# Leave the machine as the reboot expects it: nothing staged, rc's lock back in place, so the
# `shutdown -r now` that follows stages B through the product as usual (bench/run.sh times it).
clean
touch /var/lock/subsys/kexec
say "done"
