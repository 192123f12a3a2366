#!/bin/sh
# `make bench`: what a kexec reboot costs, measured side by side in one run, as a table on stdout
# and in bench/results.json. Rows: figure, ours, reference, ratio, target, met.
#   1. staging kernel B in the VM: `kexec-reboot load` vs `kexec -s -l` (and `kexec -l`),
#      wall time and peak RSS, median of RUNS after a warm-up, with the spread
#   2. hook overhead: the whole `rc/kexec stop` at runlevel 6 minus the bare kexec_file_load
#   3. reboot downtime: each `shutdown -r now` to the next boot's READY, kexec against the real
#      firmware paths (SeaBIOS + GRUB 0.97 at timeout 5 and 0, OVMF + GRUB 2 EFI), cut into
#      phases, also drawn as bench/downtime.svg (bench/downtime.py, matplotlib)
#   4. `plan` on synthetic roots of 10, 200 and 2000 kernels and entries (grub, grub2, BLS)
#   5. binary size and start-up time of `--version`, ours vs kexec-tools
# Times are only ever compared within this run (these machines are noisy); no test asserts them.
#
# Why this exists: a kexec reboot exists to save time, and the hook runs while a server goes
# down, so its cost must be known. bench/README.md says how to read the output.
# Usage: bench/run.sh [OUTDIR]   (default target/bench; the VM cache is target/vm)
# Environment: BENCH_RUNS (default 10), BENCH_REBOOTS (reboots per path, default 3),
# BENCH_PLAN_RUNS (default 20), BENCH_RESULTS (the JSON file, default bench/results.json),
# BENCH_SVG (the picture, default bench/downtime.svg), KEXEC_VM_RPM (as in tests/vm/run-vm.sh).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${1:-$top/target/bench}
mkdir -p "$out"
out=$(cd "$out" && pwd)
vmdir="$top/target/vm"
runs=${BENCH_RUNS:-10}
reboots=${BENCH_REBOOTS:-3}
plan_runs=${BENCH_PLAN_RUNS:-20}
results=${BENCH_RESULTS:-$here/results.json}
svg=${BENCH_SVG:-$here/downtime.svg}
plot_python="$top/target/plot/bin/python3"
bin="$top/target/portable/kexec-reboot"

die() {
    echo "bench: $*" >&2
    exit 1
}

[ -x "$bin" ] || die "$bin is missing (make portable, or make bench which builds it)"
# Part 5 compares with the host's /sbin/kexec: install Debian's kexec-tools if it is missing,
# told not to take over this host's reboots.
if ! command -v kexec >/dev/null 2>&1 && [ ! -x /sbin/kexec ]; then
    [ "$(id -u)" -eq 0 ] || die "kexec-tools is not installed on this host; run as root or apt-get install kexec-tools"
    echo "bench: installing kexec-tools (for the size and start-up comparison)" >&2
    echo "kexec-tools kexec-tools/load_kexec boolean false" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kexec-tools >&2 ||
        die "apt-get install kexec-tools failed"
fi
kexec_tools=$(command -v kexec 2>/dev/null || echo /sbin/kexec)
"$plot_python" -c 'import matplotlib' 2>/dev/null ||
    die "matplotlib is missing in target/plot (run tests/deps.sh, or make bench, which runs it)"
started=$(date +%s)
load_before=$(cut -d' ' -f1 /proc/loadavg)

# The measuring tool, for the host and the guest (same glibc: Debian 12 on both).
echo "bench: building bench-probe" >&2
CARGO_TARGET_DIR="$out/probe-target" cargo build -q --release --offline \
    --manifest-path "$here/probe/Cargo.toml" || die "building bench/probe failed"
probe="$out/probe-target/release/bench-probe"
# Every VM run's serial console is stamped by the probe: at each line's first byte, CR ending a
# line too, so a boot loader's countdown or a firmware banner does not move a phase boundary.
KEXEC_VM_STAMPER="$probe stamp"
export KEXEC_VM_STAMPER

# ---- statistics ------------------------------------------------------------------------------

# stats: numbers on stdin -> "median min max n" (median of an even count: mean of the middle two).
stats() {
    sort -g | awk '{ v[NR] = $1 }
        END {
            if (NR == 0) { print "nan nan nan 0"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.3f %.3f %.3f %d\n", m, v[1], v[NR], NR
        }'
}

# field LINE KEY: the value of KEY=value in LINE.
field() {
    echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# ratio A B: A/B with two decimals ("n/a" when B is 0 or not a number).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# le A B: "met" when A <= B, else "not met".
le() {
    awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 <= b + 0) ? "met" : "not met" }'
}

# fmt_ms MEDIAN MIN MAX: "123.4 ms [120.1-130.0]"
fmt_ms() {
    awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { printf "%.1f ms [%.1f-%.1f]\n", m, lo, hi }'
}

rows="$out/rows.tsv"
: >"$rows"
# row FIGURE OURS REFERENCE RATIO TARGET MET: one line of the table (tab-separated).
row() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$rows"
}
notes="$out/notes.txt"
: >"$notes"
note() {
    echo "$*" >>"$notes"
}
json_extra="$out/extra.json"
: >"$json_extra"

# ---- 1-3: the VM -----------------------------------------------------------------------------

echo "bench: VM run 1/4: boot kernel A, stage kernel B $runs+1 times with each tool, then reboot $reboots times via kexec" >&2
guest="$out/guest"
rm -rf "$guest"
mkdir -p "$guest"
install -m 0755 "$here/guest-driver.sh" "$guest/driver"
install -m 0755 "$probe" "$guest/probe"
echo "RUNS=$runs" >"$guest/params"
vm_start=$(date +%s)
# Boots 2..REBOOTS reboot again, the one after the last halts (vmtest's --then actions).
thens=""
j=2
while [ "$j" -le "$reboots" ]; do
    thens="$thens --then $j=reboot"
    j=$((j + 1))
done
thens="$thens --then $((reboots + 1))=halt"
# shellcheck disable=SC2086
sh "$top/tests/vm/run-vm.sh" "$vmdir" bench-kexec --bench "$guest" $thens \
    --timeout 600 2>"$out/vm-kexec.err" ||
    die "the VM run failed: $(tail -n 3 "$out/vm-kexec.err")"
# The firmware paths: the same machine started on kernel B with kexec off, its /boot on a disk
# with the real boot loader, and each reboot QEMU started again from that disk with no -kernel:
# firmware -> boot loader -> the kernel the boot loader picks (B, the default).
#   name:boot-disk kind:menu timeout:label
fw_paths="seabios-grub-legacy-t5:grub-legacy:5:SeaBIOS + GRUB 0.97, timeout=5
seabios-grub-legacy-t0:grub-legacy:0:SeaBIOS + GRUB 0.97, timeout=0
ovmf-grub2-efi-t5:grub2-efi:5:OVMF + GRUB 2 EFI, timeout=5"
echo "$fw_paths" >"$out/fw-paths"
n=2
while IFS=: read -r name kind t label; do
    echo "bench: VM run $n/4: kernel B, kexec off, reboot $reboots times through $label" >&2
    # shellcheck disable=SC2086
    sh "$top/tests/vm/run-vm.sh" "$vmdir" "bench-$name" --kexec off --start b --boot-disk "$kind" \
        --boot-timeout "$t" --disk-runs $((reboots + 1)) $thens --timeout 600 2>"$out/vm-$name.err" ||
        die "the firmware VM run $name failed: $(tail -n 3 "$out/vm-$name.err")"
    n=$((n + 1))
done <"$out/fw-paths"
vm_secs=$(($(date +%s) - vm_start))
kx="$vmdir/runs/bench-kexec/serial.log"
# shellcheck source=/dev/null
. "$vmdir/base/vm.env"

grep -q "BENCH: done" "$kx" || die "the guest driver did not finish; see $kx"
if grep "BENCH: .*error=" "$kx" >&2; then
    die "some staging runs failed (above); see $kx"
fi

# vm KIND KEY: "median min max n" of KEY over runs 1..RUNS of KIND (run 0 is the warm-up).
vm() {
    awk -v k="$1" '$2 == "BENCH:" && $3 == k && $4 != "0"' "$kx" | while IFS= read -r l; do
        field "$l" "$2"
    done | stats
}
# shellcheck disable=SC2046
set -- $(vm ours wall_ms)
ours_t=$1 ours_lo=$2 ours_hi=$3 n_ours=$4
# shellcheck disable=SC2046
set -- $(vm kexec-s wall_ms)
ks_t=$1 ks_lo=$2 ks_hi=$3
# shellcheck disable=SC2046
set -- $(vm kexec-l wall_ms)
kl_t=$1 kl_lo=$2 kl_hi=$3
# shellcheck disable=SC2046
set -- $(vm bare wall_ms)
bare_t=$1 bare_lo=$2 bare_hi=$3
# shellcheck disable=SC2046
set -- $(vm rc wall_ms)
rc_t=$1 rc_lo=$2 rc_hi=$3
# shellcheck disable=SC2046
set -- $(vm dry wall_ms)
dry_t=$1 dry_lo=$2 dry_hi=$3
# shellcheck disable=SC2046
set -- $(vm ours maxrss_kb)
ours_rss=$1 ours_rss_hi=$3
# shellcheck disable=SC2046
set -- $(vm kexec-s maxrss_kb)
ks_rss=$1 ks_rss_hi=$3
# shellcheck disable=SC2046
set -- $(vm kexec-l maxrss_kb)
kl_rss=$1
[ "$n_ours" -ge 1 ] || die "no staging measurements in $kx"

# pair A B OP: "median min max n" over the rounds of A's wall time OP (ratio or diff) B's in the
# same round. The host's load drifts during a run; a round's kinds ran seconds apart, so paired
# figures are steadier than a ratio or difference of two medians.
pair() {
    awk -v a="$1" -v b="$2" -v op="$3" '$2 == "BENCH:" && $4 != "0" && ($3 == a || $3 == b) {
            for (i = 5; i <= NF; i++) if ($i ~ /^wall_ms=/) { v = substr($i, 9) }
            if ($3 == a) x[$4] = v; else y[$4] = v
        }
        END { for (r in x) if (r in y) print (op == "ratio") ? x[r] / y[r] : x[r] - y[r] }' "$kx" | stats
}
# shellcheck disable=SC2046
set -- $(pair ours kexec-s ratio)
r_ks=$(awk -v m="$1" 'BEGIN { printf "%.2f", m }') r_ks_lo=$2 r_ks_hi=$3
# shellcheck disable=SC2046
set -- $(pair ours kexec-l ratio)
r_kl=$(awk -v m="$1" 'BEGIN { printf "%.2f", m }')
# shellcheck disable=SC2046
set -- $(pair rc bare diff)
hook=$(awk -v m="$1" 'BEGIN { printf "%.1f", m }') hook_lo=$2 hook_hi=$3
# shellcheck disable=SC2046
set -- $(pair ours bare diff)
ours_bare=$1
# shellcheck disable=SC2046
set -- $(pair rc ours diff)
rc_ours=$1
# What `load` does besides the syscall and the work before it (the records, syslog, the load's
# thread): per round, ours - bare - dry.
after=$(awk '$2 == "BENCH:" && $4 != "0" && ($3 == "ours" || $3 == "bare" || $3 == "dry") {
        for (i = 5; i <= NF; i++) if ($i ~ /^wall_ms=/) { v[$3, $4] = substr($i, 9) }
        if ($3 == "ours") r[$4] = 1
    }
    END { for (k in r) if (("bare", k) in v && ("dry", k) in v)
        print v["ours", k] - v["bare", k] - v["dry", k] }' "$kx" | stats | cut -d' ' -f1)

files=$(sed -n 's/.*BENCH: files //p' "$kx" | head -n 1)
row "1. staging B, wall (VM, n=$n_ours)" "$(fmt_ms "$ours_t" "$ours_lo" "$ours_hi")" \
    "kexec -s -l $(fmt_ms "$ks_t" "$ks_lo" "$ks_hi")" \
    "$(awk -v m="$r_ks" -v lo="$r_ks_lo" -v hi="$r_ks_hi" 'BEGIN { printf "%.2fx [%.2f-%.2f]", m, lo, hi }')" \
    "<= 1.0x" "$(le "$r_ks" 1.0)"
row "1. staging B, peak RSS" "${ours_rss%.*} KiB" "kexec -s -l ${ks_rss%.*} KiB" \
    "$(ratio "$ours_rss" "$ks_rss")x" "<= 1.2x" "$(le "$(ratio "$ours_rss" "$ks_rss")" 1.2)"
row "1. staging B vs kexec -l (kexec_load)" "$(fmt_ms "$ours_t" "$ours_lo" "$ours_hi")" \
    "kexec -l $(fmt_ms "$kl_t" "$kl_lo" "$kl_hi"), ${kl_rss%.*} KiB" \
    "${r_kl}x" "-" "info"

# 2. The hook: rc/kexec stop at runlevel 6, minus the load itself (one bare kexec_file_load).
row "2. hook overhead (rc stop - bare load)" "$(fmt_ms "$hook" "$hook_lo" "$hook_hi")" \
    "rc stop $(fmt_ms "$rc_t" "$rc_lo" "$rc_hi"), bare load $(fmt_ms "$bare_t" "$bare_lo" "$bare_hi")" \
    "-" "< 250 ms" "$(awk -v h="$hook" 'BEGIN { print (h < 250) ? "met" : "not met" }')"
note "staging: the same files for every tool: $files"
note "hook, split: load --dry-run (config, boot loader, preflight, process start) $(fmt_ms "$dry_t" "$dry_lo" "$dry_hi");" \
    "load minus bare syscall $(awk -v a="$ours_bare" 'BEGIN { printf "%.1f", a }') ms," \
    "of which after the syscall (records, syslog) $(awk -v a="$after" 'BEGIN { printf "%.1f", a }') ms;" \
    "rc script around the binary $(awk -v a="$rc_ours" 'BEGIN { printf "%.1f", a }') ms (paired medians)"
note "ratios and differences of wall times are medians over the rounds of the ratio or difference within each round (the kinds of a round ran seconds apart; the host's load drifts)"

# 3. Downtime: each `shutdown -r now` to the next boot's READY, from the host's stamps, cut into
# phases. phases LOG: one line per reboot, in seconds:
#   total rc6_halt firmware boot_loader kexec kernel_to_ready
# rc 6 + halt: the action to the kernel's last word (`Restarting system`, or kexec's `Starting
# new kernel`); firmware: from there (QEMU's exit and start again included, as a reset) to the
# boot loader's first output (OVMF's own lines skipped); boot loader: to the new kernel's first
# line (loading kernel and initrd, the menu's timeout, the decompressor); kexec: purgatory and
# the decompressor; kernel to ready: the first kernel line to vmtest's READY.
phases() {
    awk '
        function out() {
            printf "%.2f %.2f %.2f %.2f %.2f %.2f\n", (r - a) / 1000, (x - a) / 1000, fw / 1000, bl / 1000, kx / 1000, (r - l) / 1000
        }
        /VMTEST: action shutdown -r now/ { a = $1; x = 0; h = 0; g = 0; l = 0; next }
        !a { next }
        !x && (/reboot: Restarting system/ || /kexec_core: Starting new kernel/) {
            x = $1; viakexec = /Starting new kernel/; next
        }
        x && !viakexec && !h && /VMHOST: run [0-9]+: firmware reboot/ { h = $1; next }
        h && !g && !/BdsDxe/ && !/Linux version/ { g = $1 }
        x && !l && /\] Linux version / {
            l = $1
            if (viakexec) { fw = 0; bl = 0; kx = l - x } else { if (!g) g = l; fw = g - x; bl = l - g; kx = 0 }
            next
        }
        l && /VMTEST: READY/ { r = $1; out(); a = 0 }
    ' "$1"
}
# column FILE N: "median min max n" of column N.
column() {
    awk -v c="$2" '{ print $c }' "$1" | stats
}
fmt_s() {
    awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN { printf "%.1f s [%.1f-%.1f]\n", m, lo, hi }'
}
# check_path NAME LOG VIA: the run rebooted $reboots times, each through VIA (kexec or firmware),
# and came back in kernel B each time.
check_path() {
    if [ "$3" = kexec ]; then
        if [ "$(grep -c "Starting new kernel" "$2")" != "$reboots" ] || grep -q "Restarting system" "$2"; then
            die "the $1 run did not reboot $reboots times through kexec; see $2"
        fi
    elif [ "$(grep -c "VMHOST: run [0-9]*: firmware reboot" "$2")" != "$reboots" ] ||
        grep -q "Starting new kernel" "$2"; then
        die "the $1 run did not reboot $reboots times through the firmware and the boot loader; see $2"
    fi
    unames=$(awk '/VMTEST: boot [0-9]/ { boot = $NF } /VMTEST: uname/ && boot > 1 { print $NF }' "$2" | sort -u)
    [ "$unames" = "$KERNEL_B" ] || die "the $1 run came back in ${unames:-nothing}, not only kernel B ($KERNEL_B); see $2"
}
check_path kexec "$kx" kexec
phases "$kx" >"$out/phases-kexec"
[ "$(wc -l <"$out/phases-kexec")" = "$reboots" ] || die "the kexec run did not come back $reboots times; see $kx"
# shellcheck disable=SC2046
set -- $(column "$out/phases-kexec" 1)
kx_down=$1 kx_down_lo=$2 kx_down_hi=$3
# medians PHASES-FILE: the JSON object of each phase's median.
medians() {
    printf '{"rc6_halt": %s, "firmware": %s, "boot_loader": %s, "kexec": %s, "kernel_to_ready": %s}' \
        "$(column "$1" 2 | cut -d' ' -f1)" "$(column "$1" 3 | cut -d' ' -f1)" \
        "$(column "$1" 4 | cut -d' ' -f1)" "$(column "$1" 5 | cut -d' ' -f1)" \
        "$(column "$1" 6 | cut -d' ' -f1)"
}
down_json="$out/downtime.json"
printf '    {"path": "kexec", "label": "kexec (kexec-reboot)", "median": %s, "min": %s, "max": %s, "phases": %s}' \
    "$kx_down" "$kx_down_lo" "$kx_down_hi" "$(medians "$out/phases-kexec")" >"$down_json"
phase_note() {
    awk '{ for (c = 2; c <= 6; c++) print c, $c }' "$1" >"$out/phase-cols"
    for c in 2 3 4 5 6; do
        awk -v c="$c" '$1 == c { print $2 }' "$out/phase-cols" | stats | cut -d' ' -f1
    done | tr '\n' ' ' | awk '{ printf "rc 6 + halt %.1f s, firmware %.1f s, boot loader %.1f s, kexec %.1f s, kernel to READY %.1f s", $1, $2, $3, $4, $5 }'
}
note "downtime phases (medians of $reboots reboots), kexec: $(phase_note "$out/phases-kexec")"
while IFS=: read -r name kind t label; do
    log="$vmdir/runs/bench-$name/serial.log"
    check_path "$label" "$log" firmware
    phases "$log" >"$out/phases-$name"
    [ "$(wc -l <"$out/phases-$name")" = "$reboots" ] || die "the $label run did not come back $reboots times; see $log"
    # shellcheck disable=SC2046
    set -- $(column "$out/phases-$name" 1)
    row "3. downtime vs $label (n=$reboots)" "kexec $(fmt_s "$kx_down" "$kx_down_lo" "$kx_down_hi")" \
        "$(fmt_s "$1" "$2" "$3")" "$(ratio "$kx_down" "$1")x" "-" "info"
    printf ',\n    {"path": "%s", "label": "%s", "median": %s, "min": %s, "max": %s, "ratio_kexec_to_this": %s, "phases": %s}' \
        "$name" "$label" "$1" "$2" "$3" "$(ratio "$kx_down" "$1")" "$(medians "$out/phases-$name")" >>"$down_json"
    note "downtime phases (medians of $reboots reboots), $label: $(phase_note "$out/phases-$name")"
done <"$out/fw-paths"
echo >>"$down_json"
note "downtime: shutdown -r now to the next boot's READY, on the host's clock (serial lines stamped" \
    "at their first byte). Each firmware reboot starts QEMU again from the disk: the real firmware," \
    "the real boot loader, then the kernel it picks. QEMU's firmware takes about a second where a" \
    "real server spends minutes in POST, which the kexec path skips; purgatory and the kernel's" \
    "SHA-256 run on an emulated CPU here. So these ratios are the worst case for kexec."

# ---- 4: plan at scale (host) -----------------------------------------------------------------

echo "bench: plan on synthetic roots (10, 200, 2000 entries; grub, grub2, BLS)" >&2
roots="$out/roots"
mkdir -p "$roots"
for kind in grub grub2 bls; do
    line="$kind:"
    for n in 10 200 2000; do
        r="$roots/$kind-$n"
        want=$(sh "$here/genroot.sh" "$r" "$kind" "$n")
        got=$("$bin" --root "$r" plan 2>&1 | sed -n 's/^would stage //p')
        [ "$got" = "$want" ] || die "plan on $r chose ${got:-nothing}, expected $want"
        "$probe" run -- "$bin" --root "$r" plan >/dev/null
        : >"$out/plan-times"
        i=0
        while [ "$i" -lt "$plan_runs" ]; do
            l=$("$probe" run -- "$bin" --root "$r" plan)
            [ "$(field "$l" status)" = 0 ] || die "plan on $r: $l"
            field "$l" wall_ms >>"$out/plan-times"
            i=$((i + 1))
        done
        # shellcheck disable=SC2046
        set -- $(stats <"$out/plan-times")
        eval "plan_${kind}_$n=$1"
        line="$line $n: $(fmt_ms "$1" "$2" "$3")"
        printf '{"figure": "plan", "bootloader": "%s", "entries": %s, "median_ms": %s, "min_ms": %s, "max_ms": %s, "runs": %s},\n' \
            "$kind" "$n" "$1" "$2" "$3" "$4" >>"$json_extra"
    done
    note "plan growth, $line"
done
for kind in grub grub2 bls; do
    eval "t10=\$plan_${kind}_10 t200=\$plan_${kind}_200 t2000=\$plan_${kind}_2000"
    case $kind in
    grub) what="grub.conf" ;;
    grub2) what="grub2 grub.cfg" ;;
    bls) what="BLS entries" ;;
    esac
    # shellcheck disable=SC2154
    row "4. plan, 200 kernels + $what" "$t200 ms" "10: $t10 ms, 2000: $t2000 ms" \
        "x$(ratio "$t200" "$t10") (10->200), x$(ratio "$t2000" "$t10") (10->2000)" "< 50 ms" \
        "$(awk -v a="$t200" 'BEGIN { print (a < 50) ? "met" : "not met" }')"
done

# The binary's own work before the load, natively on this host: load --dry-run on the CentOS 6
# fixture tree (config, grub.conf, /boot scan, preflight, trust checks).
fixture="$top/tests/fixtures/centos6-saved"
if [ -d "$fixture" ]; then
    : >"$out/dry-host"
    i=0
    while [ "$i" -lt 30 ]; do
        l=$("$probe" run -- "$bin" --root "$fixture" -q load --dry-run)
        [ "$(field "$l" status)" = 0 ] || die "load --dry-run on $fixture: $l"
        field "$l" wall_ms >>"$out/dry-host"
        i=$((i + 1))
    done
    # shellcheck disable=SC2046
    set -- $(stats <"$out/dry-host")
    note "the same work natively on this host: load --dry-run on tests/fixtures/centos6-saved $(fmt_ms "$1" "$2" "$3") (n=30)"
fi

# ---- 5: size and start-up (host) -------------------------------------------------------------

echo "bench: binary size and start-up of --version" >&2
kexec_real=$(readlink -f "$kexec_tools")
size_ours=$(wc -c <"$bin" | tr -d ' ')
size_kexec=$(wc -c <"$kexec_real" | tr -d ' ')
libs_kexec=$(ldd "$kexec_real" 2>/dev/null | awk '$3 ~ /^\// { print $3 }' | xargs -r readlink -f |
    xargs -r wc -c | awk 'END { print $1 + 0 }')
row "5. binary size" "$((size_ours / 1024)) KiB" "kexec $((size_kexec / 1024)) KiB (+$((libs_kexec / 1024)) KiB of its libraries)" \
    "$(ratio "$size_ours" "$size_kexec")x" "-" "info"
: >"$out/start-ours"
: >"$out/start-kexec"
"$probe" run -- "$bin" --version >/dev/null
"$probe" run -- "$kexec_tools" --version >/dev/null
i=0
while [ "$i" -lt 30 ]; do
    field "$("$probe" run -- "$bin" --version)" wall_ms >>"$out/start-ours"
    field "$("$probe" run -- "$kexec_tools" --version)" wall_ms >>"$out/start-kexec"
    i=$((i + 1))
done
# shellcheck disable=SC2046
set -- $(stats <"$out/start-ours")
so=$1 so_lo=$2 so_hi=$3
# shellcheck disable=SC2046
set -- $(stats <"$out/start-kexec")
sk=$1 sk_lo=$2 sk_hi=$3
row "5. start-up, --version (n=30)" "$(fmt_ms "$so" "$so_lo" "$so_hi")" \
    "kexec $(fmt_ms "$sk" "$sk_lo" "$sk_hi")" "$(ratio "$so" "$sk")x" "-" "info"

# ---- the table and the JSON ------------------------------------------------------------------

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
machine="$(uname -sr), $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); VM: QEMU TCG (no KVM), 1 vCPU, 768 MiB"
when=$(date -u '+%Y-%m-%d %H:%M UTC')
total=$(($(date +%s) - started))

{
    echo "kexec-reboot benchmark, $when"
    echo "machine: $machine"
    echo "kernels: A $KERNEL_A (running in the VM), B $KERNEL_B (staged)"
    echo "kexec-tools: $(find "$vmdir/debs" -name "kexec-tools_*.deb" | sed 's/.*kexec-tools_\([^_]*\)_.*/\1/; s/%3a/:/') in the VM, $("$kexec_tools" --version 2>&1 | head -n 1) on the host"
    echo "host load average (1 min): $load_before at the start, $(cut -d' ' -f1 /proc/loadavg) at the end (other work on the host makes the VM figures noisier)"
    echo "each figure: median [min-max]; every ratio compares figures from this one run"
    echo
    awk -F '\t' 'BEGIN { printf "%-42s | %-32s | %-52s | %-24s | %-8s | %s\n", "figure", "ours", "reference", "ratio", "target", "met"
                         printf "%s\n", "-------------------------------------------+----------------------------------+------------------------------------------------------+--------------------------+----------+--------" }
                 { printf "%-42s | %-32s | %-52s | %-24s | %-8s | %s\n", $1, $2, $3, $4, $5, $6 }' "$rows"
    echo
    sed 's/^/- /' "$notes"
    echo "- the run took ${total} s (VM part ${vm_secs} s)"
} | tee "$out/table.txt"

# JSON: strings escaped for backslashes and quotes (none are expected).
jstr() {
    printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}
{
    echo "{"
    echo "  \"date\": $(jstr "$when"),"
    echo "  \"machine\": $(jstr "$machine"),"
    echo "  \"kernel_a\": $(jstr "$KERNEL_A"),"
    echo "  \"kernel_b\": $(jstr "$KERNEL_B"),"
    echo "  \"runs\": $runs,"
    echo "  \"rows\": ["
    awk -F '\t' '{ printf "%s", (NR > 1 ? ",\n" : "") }
                 { gsub(/\\/, "\\\\"); gsub(/"/, "\\\"")
                   printf "    {\"figure\": \"%s\", \"ours\": \"%s\", \"reference\": \"%s\", \"ratio\": \"%s\", \"target\": \"%s\", \"met\": \"%s\"}", $1, $2, $3, $4, $5, $6 }
                 END { print "" }' "$rows"
    echo "  ],"
    echo "  \"staging_ms\": {\"ours\": $ours_t, \"kexec_s_l\": $ks_t, \"kexec_l\": $kl_t, \"bare_kexec_file_load\": $bare_t, \"rc_stop\": $rc_t, \"load_dry_run\": $dry_t},"
    echo "  \"staging_peak_rss_kib\": {\"ours\": $ours_rss, \"ours_max\": $ours_rss_hi, \"kexec_s_l\": $ks_rss, \"kexec_s_l_max\": $ks_rss_hi, \"kexec_l\": $kl_rss},"
    echo "  \"staging_ratio_ours_to_kexec_s_l\": {\"median\": $r_ks, \"min\": $r_ks_lo, \"max\": $r_ks_hi},"
    echo "  \"hook_overhead_ms\": {\"median\": $hook, \"min\": $hook_lo, \"max\": $hook_hi},"
    echo "  \"downtime_reboots\": $reboots,"
    echo "  \"downtime_s\": ["
    cat "$down_json"
    echo "  ],"
    echo "  \"plan\": ["
    sed '$ s/,$//' "$json_extra" | sed 's/^/    /'
    echo "  ],"
    echo "  \"size_bytes\": {\"ours\": $size_ours, \"kexec\": $size_kexec, \"kexec_libraries\": $libs_kexec},"
    echo "  \"startup_ms\": {\"ours\": $so, \"kexec\": $sk},"
    echo "  \"notes\": ["
    awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "%s    \"%s\"", (NR > 1 ? ",\n" : ""), $0 } END { print "" }' "$notes"
    echo "  ],"
    echo "  \"seconds\": $total"
    echo "}"
} >"$results"
"$plot_python" "$here/downtime.py" "$results" "$svg" || die "drawing $svg failed"
echo "bench: results in ${results#"$top"/}, ${svg#"$top"/} and ${out#"$top"/}/table.txt" >&2
