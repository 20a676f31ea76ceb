#!/usr/bin/env bash
# clippy for wasm32-unknown-unknown: src/wasm.rs only compiles there, so the host's
# clippy never sees it.
set -euo pipefail
source "$(dirname "$0")/wasm-env.sh"
cd "$DESKGUARD_ROOT"

if [ "$WASM_ROUTE" = rustup ]; then
    wasm_cargo clippy --no-default-features --lib -- -D warnings
else
    # rustup's clippy is built for rustup's compiler and cannot read a std built by
    # Debian's; Debian's rust-web-clippy matches it. cargo-clippy runs `cargo check`
    # with its own clippy-driver as the workspace wrapper.
    CARGO_TARGET_DIR="$WASM_TARGET_DIR" \
        RUSTC=/usr/bin/rustc \
        RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='--cfg getrandom_backend="wasm_js"' \
        /usr/bin/cargo-clippy clippy --target "$WASM_TARGET" -Zbuild-std=std,panic_abort \
        --no-default-features --lib -- -D warnings
fi
