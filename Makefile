# kexec-reboot — build, test, package, demo.
# `make test` installs what it lacks (tests/deps.sh) and runs every test; .ci/run calls it.

CARGO ?= cargo
SHELL_SCRIPTS := tests/deps.sh .ci/run packaging/portable/build.sh packaging/portable/check-elf.sh

.PHONY: all build deps lint fmt test test-cargo demo clean portable

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

clean:
	$(CARGO) clean
