#!/bin/sh
# Installs what the build, the tests and the demo need on Debian 12, and nothing that is
# already there. The one install step shared by `make test`, `make demo` and .ci/run.
set -eu

PACKAGES="qemu-system-x86 rpm debugedit elfutils rpmlint shellcheck dash busybox-static e2fsprogs cpio xz-utils zstd man-db groff-base file binutils rpm2cpio libpopt-dev libselinux1-dev libsepol-dev libpcre2-dev libc6-i386 fdisk grub-pc-bin grub-efi-amd64-bin grub-common ovmf mtools dosfstools systemd"

# The fleet test (tests/fleet.rs): a virtualenv for ansible-core, and ssh to reach the guests.
PACKAGES="$PACKAGES python3-venv openssh-client"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "deps: missing Debian packages:$missing; run as root (or apt-get install them)" >&2
        exit 1
    fi
    echo "deps: installing$missing"
    apt-get update -q
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

for c in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
        rustup component add "$c" >/dev/null 2>&1 || true
    fi
done

# The portable release build (packaging/portable/build.sh): zig as the linker, from PyPI.
scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || echo /usr/local/bin)
if ! PATH="$PATH:$scripts" command -v cargo-zigbuild >/dev/null 2>&1 || ! python3 -m ziglang version >/dev/null 2>&1; then
    echo "deps: installing ziglang and cargo-zigbuild (pip)"
    pkgs="ziglang==0.17.1 cargo-zigbuild==0.24.1"
    # shellcheck disable=SC2086
    python3 -m pip install -q --disable-pip-version-check $pkgs ||
        # A distribution's own python3 refuses pip installs (PEP 668) unless told.
        python3 -m pip install -q --disable-pip-version-check --break-system-packages $pkgs
fi

# make srpm's vendor tarball, filtered to the crates Linux builds need
# (packaging/rpm/mksources.sh): cargo-vendor-filterer, built by cargo.
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
if ! PATH="$PATH:$cargo_bin" cargo-vendor-filterer --version 2>/dev/null | grep -q ' 0\.5\.18$'; then
    echo "deps: installing cargo-vendor-filterer (cargo install)"
    cargo install --locked --quiet cargo-vendor-filterer --version 0.5.18
fi

# The fleet test and `make demo-fleet`: ansible-core, pinned, in a virtualenv under target/
# (the role needs 2.11 or later; this is the version it is tested with).
ANSIBLE_CORE=2.17.14
venv="$(cd "$(dirname "$0")/.." && pwd)/target/ansible"
if ! "$venv/bin/ansible-playbook" --version 2>/dev/null | grep -q "core $ANSIBLE_CORE\]"; then
    echo "deps: installing ansible-core $ANSIBLE_CORE into $venv (pip)"
    python3 -m venv "$venv"
    "$venv/bin/python3" -m pip install -q --disable-pip-version-check "ansible-core==$ANSIBLE_CORE"
fi

# `make bench` draws bench/downtime.svg with matplotlib, pinned, in a virtualenv under target/.
MATPLOTLIB=3.10.9
plot="$(cd "$(dirname "$0")/.." && pwd)/target/plot"
if ! "$plot/bin/python3" -c "import matplotlib, sys; sys.exit(matplotlib.__version__ != '$MATPLOTLIB')" 2>/dev/null; then
    echo "deps: installing matplotlib $MATPLOTLIB into $plot (pip)"
    python3 -m venv "$plot"
    "$plot/bin/python3" -m pip install -q --disable-pip-version-check "matplotlib==$MATPLOTLIB"
fi
