# kexec-reboot — build, test, package, demo.
# `make test` installs what it lacks (tests/deps.sh) and runs every test; .ci/run calls it.

CARGO ?= cargo
SHELL_SCRIPTS := tests/deps.sh .ci/run

.PHONY: all build deps lint fmt test test-cargo demo clean

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

clean:
	$(CARGO) clean
