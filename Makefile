# kexec-reboot — build, test, package, demo.
# `make test` installs what it lacks (tests/deps.sh) and runs every test; .ci/run calls it.

CARGO ?= cargo
SHELL_SCRIPTS := tests/deps.sh .ci/run packaging/portable/build.sh packaging/portable/check-elf.sh \
	rc/kexec packaging/rpm/mksources.sh packaging/rpm/crates.sh \
	tests/rc/kexec-reboot tests/rc/runlevel tests/rc/logger tests/rc/functions

# RPM: `make srpm`, `make rpm` (both under RPM_TOPDIR), `make mock` (an EL/Fedora host).
NAME := kexec-reboot
VERSION := $(shell sed -n 's/^version = "\([^"]*\)"$$/\1/p' Cargo.toml | head -n 1)
SPEC := packaging/rpm/kexec-reboot.spec
RPM_TOPDIR ?= $(CURDIR)/target/rpmbuild
# rpm's own database is empty on Debian, so BuildRequires can never be met there.
RPM_NODEPS := $(shell rpm -q --quiet rpm 2>/dev/null || echo --nodeps)
RPMBUILD = rpmbuild $(RPM_NODEPS) --define "_topdir $(RPM_TOPDIR)"
MOCK_FLAGS ?=

# The VM test's scripts (tests/vm, the chkconfig stand-in) and its cache directory.
SHELL_SCRIPTS += tests/bin/chkconfig tests/vm/*.sh tests/vm/standin-kexec \
	tests/vm/guest/rc.sysinit tests/vm/guest/consoletype tests/vm/guest/usleep \
	tests/vm/guest/initrd-init tests/vm/guest/kexec-args tests/vm/guest/init.d/* \
	tests/vm/guest/vmtest-efi \
	tests/vm/initscripts/rc.d/rc tests/vm/initscripts/rc.d/init.d/*
SHELL_SCRIPTS += tests/thirdparty/chkconfig.sh
SHELL_SCRIPTS += tests/vm/oracle-init
SHELL_SCRIPTS += bench/run.sh bench/genroot.sh bench/guest-driver.sh
SHELL_SCRIPTS += tests/vm/fleet/fleet.sh tests/vm/fleet/demo.sh
# The systemd releases (el7/el8/el9): the units' shutdown step, the systemd-shutdown hook, the
# kernel-install time check, and the systemd flavour of the VM test.
SHELL_SCRIPTS += systemd/kexec-step systemd/kexec-reboot.shutdown packaging/kernel/kexec-reboot-hook \
	tests/vm/systemd/*.sh tests/vm/systemd/guest/vmtest-systemd
VM_DIR := target/vm

.PHONY: all build deps lint fmt test test-cargo test-portable test-vm test-oracle vm-image demo bench clean portable srpm rpm mock rpm-sources \
	test-vm-systemd vm-image-systemd demo-systemd

all: build

build:
	$(CARGO) build --release

deps:
	@sh tests/deps.sh

fmt:
	$(CARGO) fmt

lint: deps
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	shellcheck $(SHELL_SCRIPTS)

test-cargo: deps
	$(CARGO) test

test: lint test-cargo test-portable test-vm test-vm-systemd test-oracle

# The VM end-to-end test (tests/vm.rs): real kernels, sysvinit, kexec-tools and the RPM under
# QEMU. Its scenarios are #[ignore]d in a plain `cargo test`; here they run, one VM at a time.
vm-image: deps
	sh tests/vm/build-image.sh $(VM_DIR)

test-vm: deps rpm vm-image
	$(CARGO) test --test vm -- --ignored --test-threads=1
	$(CARGO) test --test vm_firmware -- --ignored --test-threads=1

# The systemd flavour (tests/vm_systemd.rs): systemd 252 as PID 1, /boot as RHEL 9, the el9
# RPM enabled with systemctl; scenarios 1-7 of the systemd releases, one VM at a time.
vm-image-systemd: deps
	sh tests/vm/systemd/build-image.sh $(VM_DIR)

test-vm-systemd: deps rpm vm-image-systemd
	$(CARGO) test --test systemd_step -- --include-ignored
	$(CARGO) test --test vm_systemd -- --ignored --test-threads=1

# `make demo` on the systemd flavour: shutdown -r now ends in B via kexec.
demo-systemd: deps rpm vm-image-systemd
	sh tests/vm/systemd/demo.sh $(VM_DIR)

# The boot loader oracle (tests/oracle.rs, tests/oracle/README.md): each case under
# tests/oracle/cases boots through kexec and through the firmware and the real GRUB 0.97,
# GRUB 2 or GRUB 2 EFI (OVMF); both must land on the same kernel and command line.
test-oracle: deps rpm vm-image
	$(CARGO) test --test oracle -- --ignored --nocapture

# Boots kernel A, reboots via kexec into B, and tells the story (KEXEC_VM_INITSCRIPTS=DIR
# runs it on another initscripts tree).
demo: deps rpm vm-image
	sh tests/vm/demo.sh $(VM_DIR)

# What a kexec reboot costs, side by side in one run: staging in the VM (ours vs kexec-tools),
# the hook's overhead, reboot downtime (kexec vs firmware), plan at scale, size and start-up.
# Prints a table and writes bench/results.json; bench/README.md says how to read it.
bench: deps rpm vm-image
	sh bench/run.sh

# The release binary for CentOS 5, 6 and 7 (glibc 2.5 symbols): target/portable/kexec-reboot.
# docs/portability.md says why and how.
portable: deps
	sh packaging/portable/build.sh

# Source0 is `git archive` of HEAD: `make srpm` refuses while tracked files have uncommitted
# changes (KEXEC_SRPM_ALLOW_DIRTY=1 packages them as a throwaway commit, which the tarball
# names). `make rpm` (local and test builds) takes them so. Source1: the crates for Linux.
rpm-sources: deps
	rm -rf $(RPM_TOPDIR)/SOURCES $(RPM_TOPDIR)/SRPMS
	$(SOURCES_ENV) sh packaging/rpm/mksources.sh $(RPM_TOPDIR)/SOURCES

srpm: rpm-sources
	$(RPMBUILD) -bs $(SPEC)

# The released packages: one per EL release (%{dist} .el5 ... .el9), each with the portable
# binary; their contents are the same, their rpm format readable by that release's rpm.
RPM_DISTS := el5 el6 el7 el8 el9
rpm: SOURCES_ENV := KEXEC_SRPM_ALLOW_DIRTY=1
rpm: rpm-sources portable
	rm -rf $(RPM_TOPDIR)/RPMS
	$(RPMBUILD) -bs $(SPEC)
	for d in $(RPM_DISTS); do \
		$(RPMBUILD) --define "dist .$$d" \
			--define "kexec_reboot_binary $(CURDIR)/target/portable/kexec-reboot" -bb $(SPEC) || exit 1; \
	done

# The ELF and rpmlib checks of the built packages against each release (tests/portable.rs).
test-portable: rpm
	KEXEC_REBOOT_RPM_DIR=$(RPM_TOPDIR)/RPMS $(CARGO) test --test portable -- --include-ignored

mock:
	@command -v mock >/dev/null 2>&1 || { \
		echo "make mock: mock is not installed (Debian has no package of it); run it on an EL or Fedora host, or use make rpm" >&2; \
		exit 1; }
	$(MAKE) srpm
	mock $(MOCK_FLAGS) --resultdir $(RPM_TOPDIR)/mock --rebuild $(RPM_TOPDIR)/SRPMS/$(NAME)-$(VERSION)-*.src.rpm

clean:
	$(CARGO) clean

# The fleet test (tests/fleet.rs): three guests rebooted by the Ansible role (ansible/), with
# ansible-core from target/ansible; one fleet at a time.
.PHONY: test-fleet demo-fleet
test-fleet: deps rpm vm-image
	$(CARGO) test --test fleet -- --ignored --test-threads=1

# The three-host rolling reboot, told in a few lines.
demo-fleet: deps rpm vm-image
	sh tests/vm/fleet/demo.sh $(VM_DIR)
