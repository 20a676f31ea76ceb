# deskguard: build, test and benchmark on a fresh machine or a laptop.
#   make setup   install what the build needs (idempotent, quick when present)
#   make build   the native CLI (target/release/deskguard)
#   make test    every test
#   make bench   benchmarks
#   make demo    check the shipped example requests on the embedded defaults

CARGO ?= cargo
EXAMPLES := $(wildcard policies/examples/*.json)

.PHONY: setup build test bench demo

setup:
	@command -v $(CARGO) >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }

build: setup
	$(CARGO) build --release --bin deskguard

test: setup
	$(CARGO) test --all-targets
	$(CARGO) test --doc

bench: setup
	$(CARGO) bench --bench check

demo: build
	@for request in $(EXAMPLES); do \
		echo "== $$request"; \
		./target/release/deskguard check --compact "$$request"; \
	done
