#!/bin/sh
# Builds the systemd flavour's base root tree: the sysvinit base of tests/vm/build-image.sh
# (same kernels A and B, same initrds, same /boot) with Debian's systemd 252 as PID 1 (RHEL 9
# ships 252 too), udev, and the test's guest units from tests/vm/systemd/guest.
#
# Why this exists: on CentOS/RHEL 7, 8, 9 a reboot goes through systemd, not /etc/rc.d/rc; the
# systemd scenarios (tests/vm_systemd.rs, `make demo-systemd`) need a machine that shuts down
# that way. Not done here: dracut initrds (with dracut's shutdown module) and an LVM root; the
# initrd is the busybox one of the sysvinit flavour.
# Usage: tests/vm/systemd/build-image.sh OUTDIR   (cached; writes OUTDIR/base-systemd/root)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
vm=$(cd "$here/.." && pwd)
out=${1:?usage: build-image.sh OUTDIR}

die() {
    echo "vm systemd image: $*" >&2
    exit 1
}

sh "$vm/build-image.sh" "$out"
sh "$vm/fetch.sh" "$out" systemd
out=$(cd "$out" && pwd)

stamp=$( (cat "$out/base/.stamp" "$out/debs-systemd/.complete" "$here/build-image.sh" &&
    find "$here/guest" -type f | sort | xargs cat) | sha256sum | cut -d' ' -f1)
base="$out/base-systemd"
if [ -f "$base/.stamp" ] && [ "$(cat "$base/.stamp")" = "$stamp" ]; then
    exit 0
fi
echo "vm systemd image: building the systemd root tree" >&2
rm -rf "$base"
mkdir -p "$base"
root="$base/root"
cp -a "$out/base/root" "$root"

# sysvinit's init and its shutdown commands give way to systemd's.
for f in init halt poweroff reboot shutdown runlevel telinit; do
    rm -f "$root/usr/sbin/$f"
done
rm -f "$root/etc/inittab"

stage="$base/stage"
mkdir -p "$stage"
for deb in "$out/debs-systemd"/*.deb; do
    dpkg-deb -x "$deb" "$stage"
done
# Merged /usr, as in the base tree.
for d in bin sbin lib lib64; do
    if [ -d "$stage/$d" ] && [ ! -L "$stage/$d" ]; then
        mkdir -p "$stage/usr/$d"
        cp -a "$stage/$d/." "$stage/usr/$d/"
        rm -rf "${stage:?}/$d"
    fi
done
# Debian's /etc/init.d scripts are not wanted (the base has the CentOS init.d link).
rm -rf "$stage/etc/init.d"
cp -a "$stage/." "$root/"
rm -rf "$stage"
[ -x "$root/usr/lib/systemd/systemd" ] || die "systemd did not unpack to /usr/lib/systemd/systemd"
ln -sfn ../lib/systemd/systemd "$root/usr/sbin/init"

# What the maintainer scripts and the installer would have left.
printf 'root:x:0:0:root:/root:/bin/bash\nmessagebus:x:100:101::/nonexistent:/usr/sbin/nologin\n' \
    >"$root/etc/passwd"
printf 'root:x:0:\ntty:x:5:\ndisk:x:6:\nkmem:x:15:\nutmp:x:43:\ninput:x:101:\nkvm:x:102:\nrender:x:103:\nsgx:x:104:\naudio:x:29:\nvideo:x:44:\ncdrom:x:24:\ndialout:x:20:\ntape:x:26:\nfloppy:x:25:\nlp:x:7:\nsystemd-journal:x:105:\n' \
    >"$root/etc/group"
mkdir -p "$root/var/log/journal" "$root/etc/systemd/system/multi-user.target.wants" \
    "$root/etc/systemd/system/reboot.target.wants" "$root/etc/systemd/system/poweroff.target.wants" \
    "$root/var/lib/vmtest" "$root/usr/local/sbin"
ln -sfn /usr/lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
# No login prompt on the serial console: the test drives the machine itself.
# Under TCG every unit costs: masked here what this machine has no use for (no D-Bus, no
# logins, no virtual consoles). None of it takes part in the shutdown path under test.
for u in serial-getty@.service getty@.service getty-static.service dbus.service dbus.socket \
    systemd-logind.service modprobe@.service dev-hugepages.mount dev-mqueue.mount \
    sys-kernel-debug.mount sys-kernel-tracing.mount systemd-timesyncd.service \
    systemd-random-seed.service systemd-update-utmp.service systemd-update-utmp-runlevel.service \
    systemd-pstore.service systemd-binfmt.service systemd-firstboot.service \
    systemd-machine-id-commit.service systemd-journal-catalog-update.service \
    systemd-hwdb-update.service ldconfig.service e2scrub_reap.service; do
    ln -sfn /dev/null "$root/etc/systemd/system/$u"
done

# The test's own units (tests/vm/systemd/guest): the driver, a service with a visible stop, and
# probes that print /sys/kernel/kexec_loaded just before systemd-reboot/-poweroff.service.
install -m 0755 "$here/guest/vmtest-systemd" "$root/usr/local/sbin/vmtest-systemd"
for u in "$here/guest"/*.service; do
    install -m 0644 "$u" "$root/etc/systemd/system/${u##*/}"
done
ln -sfn ../vmtest.service "$root/etc/systemd/system/multi-user.target.wants/vmtest.service"
ln -sfn ../vmsvc.service "$root/etc/systemd/system/multi-user.target.wants/vmsvc.service"
ln -sfn ../vmtest-probe-reboot.service \
    "$root/etc/systemd/system/reboot.target.wants/vmtest-probe-reboot.service"
ln -sfn ../vmtest-probe-poweroff.service \
    "$root/etc/systemd/system/poweroff.target.wants/vmtest-probe-poweroff.service"

echo "$stamp" >"$base/.stamp"
echo "vm systemd image: ready in $base" >&2
