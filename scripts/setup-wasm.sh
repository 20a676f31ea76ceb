#!/usr/bin/env bash
# Installs what the WASM package, its runtime tests and `make lint-wasm` need.
# Idempotent: each step first checks whether its tool is already there, so a second
# run takes a second or two.
#
#   scripts/setup-wasm.sh            toolchain + test dependencies
#   scripts/setup-wasm.sh --build    toolchain only (enough for `make build`)
set -euo pipefail
source "$(dirname "$0")/wasm-env.sh"
cd "$DESKGUARD_ROOT"

build_only=false
[ "${1:-}" = "--build" ] && build_only=true

say() { echo "setup-wasm: $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=false
apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        say "please install: ${missing[*]} (no apt-get here)"
        return 1
    fi
    if [ "$apt_updated" = false ]; then
        as_root apt-get update -qq
        apt_updated=true
    fi
    say "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# -- compiler for wasm32 ---------------------------------------------------------
if [ "$WASM_ROUTE" = rustup ]; then
    say "wasm32 target: rustup's $WASM_TARGET"
    if command -v wasm-opt >/dev/null 2>&1; then :; else apt_install $WASM_COMMON_PACKAGES; fi
else
    say "wasm32 target: Debian's rustc-web with -Zbuild-std"
    # shellcheck disable=SC2086
    apt_install $WASM_DEBIAN_PACKAGES $WASM_COMMON_PACKAGES
    # The wasm32 clippy must be the same compiler version as the std it checks against.
    [ "$build_only" = true ] || apt_install rust-web-clippy
fi

# -- wasm-bindgen-cli at exactly the crate's version -----------------------------
want="$(wasm_bindgen_version)"
if [ -z "$want" ]; then
    say "no exact wasm-bindgen pin found in Cargo.toml"
    exit 1
fi
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$want" ]; then
    say "cargo install wasm-bindgen-cli $want (a few minutes, once)"
    # --locked first for a reproducible build; its lock file can name a dependency
    # version that the registry no longer serves, so fall back to a fresh resolution.
    cargo install --quiet --locked wasm-bindgen-cli --version "=$want" ||
        cargo install --quiet wasm-bindgen-cli --version "=$want"
fi

[ "$build_only" = true ] && exit 0

# -- runtimes for the tests ------------------------------------------------------
command -v node >/dev/null 2>&1 || apt_install nodejs npm
# Debian's Chromium runs the browser test; playwright-core drives it (it never
# downloads a browser of its own).
[ -x /usr/bin/chromium ] || apt_install chromium

install_npm() {
    local dir="$1"
    # A stamp with the lock file's hash: skip npm when nothing changed.
    local stamp="$dir/node_modules/.deskguard-stamp"
    local hash
    hash="$(sha256sum "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
        return 0
    fi
    say "npm ci in ${dir#"$DESKGUARD_ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$hash" >"$stamp"
}
install_npm "$DESKGUARD_ROOT/tests/runtime"
install_npm "$DESKGUARD_ROOT/tests/types"
say "ready"
