# Sourced by the wasm scripts: decides how to build for wasm32-unknown-unknown.
#
# Two routes:
# - rustup: a laptop with `rustup target add wasm32-unknown-unknown` done. Plain cargo.
# - debian: no rustup target can be downloaded (a fresh CI machine of this project's
#   kind). Debian's rustc-web ships the wasm32 backend and rust-web-src the standard
#   library's source, so cargo rebuilds std for wasm32 (-Zbuild-std, allowed on a
#   stable compiler by RUSTC_BOOTSTRAP=1). rust-lld (from rust-web-llvm, a link to
#   lld-22) links it.
#
# After sourcing: WASM_ROUTE, and wasm_cargo (runs cargo with the route's settings).

# shellcheck shell=bash

DESKGUARD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DESKGUARD_ROOT

WASM_TARGET=wasm32-unknown-unknown
# A separate target dir: the wasm build (std rebuilt, other profile overrides) would
# otherwise invalidate the native build's artifacts, and the two can run at once.
export WASM_TARGET_DIR="${WASM_TARGET_DIR:-$DESKGUARD_ROOT/target/wasm}"

# The exact wasm-bindgen version the crate pins; the CLI must match it byte for byte.
wasm_bindgen_version() {
    sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$DESKGUARD_ROOT/Cargo.toml" | head -n 1
}

rustup_has_wasm_target() {
    command -v rustup >/dev/null 2>&1 &&
        rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"
}

if [ -z "${WASM_ROUTE:-}" ]; then
    if rustup_has_wasm_target; then
        WASM_ROUTE=rustup
    else
        WASM_ROUTE=debian
    fi
fi
export WASM_ROUTE

# The Debian packages the debian route needs; binaryen (wasm-opt) both routes need.
# rust-web-llvm provides the rust-lld that links wasm32; rustc-web only recommends it,
# and setup installs without recommends, so it is named here.
WASM_DEBIAN_PACKAGES="rustc-web rust-web-src rust-web-llvm lld-22"
WASM_COMMON_PACKAGES="binaryen"

# wasm_cargo SUBCOMMAND [ARGS...]: cargo for wasm32 on the chosen route.
wasm_cargo() {
    local subcommand="$1"
    shift
    # ahash (via jsonschema, if a build turns that feature on) seeds its hashers from
    # getrandom, which in a browser or worker must call crypto.getRandomValues: the
    # `wasm_js` backend.
    local rustflags='--cfg getrandom_backend="wasm_js"'
    if [ "$WASM_ROUTE" = rustup ]; then
        CARGO_TARGET_DIR="$WASM_TARGET_DIR" \
            CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$rustflags" \
            cargo "$subcommand" --target "$WASM_TARGET" "$@"
    else
        # The build-std crates need a compiler of exactly the source's version, hence
        # Debian's rustc rather than rustup's. Since std is built here anyway, it is
        # built for size (`optimize_for_size`: smaller sort, formatting and string
        # code, same results): 22 KiB less gzipped. The panic hook still gets the
        # message and location (`panic_immediate_abort` would drop both).
        CARGO_TARGET_DIR="$WASM_TARGET_DIR" \
            RUSTC=/usr/bin/rustc \
            RUSTC_BOOTSTRAP=1 \
            CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$rustflags" \
            cargo "$subcommand" --target "$WASM_TARGET" -Zbuild-std=std,panic_abort \
            -Zbuild-std-features=optimize_for_size "$@"
    fi
}
