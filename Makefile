# deskguard: build, test and benchmark on a fresh machine or a laptop.
#   make setup      install what the build and tests need (idempotent, quick when present)
#   make build      the native CLI (target/release/deskguard) and the npm package (pkg/)
#   make test       every test: Rust, then the package in Node, workerd, Deno, Chromium
#                   (as it is, and bundled by Vite and webpack), tsc
#   make bench      benchmarks: native (criterion) and WASM in Node
#   make demo       check the shipped example requests with the CLI and the WASM package
#   make lint-wasm  clippy for the wasm32 target (the bindings in src/wasm.rs)

CARGO ?= cargo
EXAMPLES := $(wildcard policies/examples/*.json)

.PHONY: preview setup setup-build build build-native build-wasm test test-rust test-runtimes \
	bench demo lint-wasm

# Everything `make test` needs: the wasm32 toolchain (rustup's target, or Debian's
# rustc-web with build-std), wasm-bindgen-cli at the crate's exact pin, wasm-opt,
# Chromium, and the npm packages of tests/runtime and tests/types.
setup:
	@command -v $(CARGO) >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
	bash scripts/setup-wasm.sh

# Only what `make build` needs.
setup-build:
	@command -v $(CARGO) >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 1; }
	bash scripts/setup-wasm.sh --build

build: setup-build build-native build-wasm

build-native:
	$(CARGO) build --release --bin deskguard

build-wasm:
	bash scripts/build-wasm.sh

test: setup test-rust build test-runtimes

test-rust:
	$(CARGO) test --all-targets
	$(CARGO) test --doc
	# The library as the WASM build compiles it: contracts and decisions checked by the
	# built-in schema validator instead of jsonschema.
	$(CARGO) test --no-default-features --lib

# The package in every runtime, each started by its test, against the CLI's verdicts.
test-runtimes:
	bash scripts/test-runtimes.sh

bench: setup-build build
	$(CARGO) bench --bench check
	$(CARGO) bench --bench validate
	node benches/wasm.mjs

demo: setup-build build
	node scripts/demo.mjs $(EXAMPLES)

lint-wasm: setup
	bash scripts/lint-wasm.sh

# The in-browser simulate-run preview (www/) on the web build of the package.
preview: setup-build build
	node www/serve.mjs 8717
