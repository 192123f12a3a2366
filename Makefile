# kexec-reboot — build, test, package, demo.
# `make test` installs what it lacks (tests/deps.sh) and runs every test; .ci/run calls it.

CARGO ?= cargo
SHELL_SCRIPTS := tests/deps.sh .ci/run packaging/portable/build.sh packaging/portable/check-elf.sh \
	rc/kexec packaging/rpm/mksources.sh \
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

.PHONY: all build deps lint fmt test test-cargo demo clean portable srpm rpm mock rpm-sources

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

test: lint test-cargo

demo: build
	$(CARGO) run -q --release -- --root tests/fixtures/centos5-seed plan

# The release binary for CentOS 5, 6 and 7 (glibc 2.5 symbols): target/portable/kexec-reboot.
# docs/portability.md says why and how.
portable: deps
	sh packaging/portable/build.sh

rpm-sources:
	rm -rf $(RPM_TOPDIR)/SOURCES $(RPM_TOPDIR)/SRPMS
	sh packaging/rpm/mksources.sh $(RPM_TOPDIR)/SOURCES

srpm: rpm-sources
	$(RPMBUILD) -bs $(SPEC)

rpm: rpm-sources
	rm -rf $(RPM_TOPDIR)/RPMS
	$(RPMBUILD) -ba $(SPEC)

mock:
	@command -v mock >/dev/null 2>&1 || { \
		echo "make mock: mock is not installed (Debian has no package of it); run it on an EL or Fedora host, or use make rpm" >&2; \
		exit 1; }
	$(MAKE) srpm
	mock $(MOCK_FLAGS) --resultdir $(RPM_TOPDIR)/mock --rebuild $(RPM_TOPDIR)/SRPMS/$(NAME)-$(VERSION)-*.src.rpm

clean:
	$(CARGO) clean
