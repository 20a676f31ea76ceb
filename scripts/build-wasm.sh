#!/usr/bin/env bash
# Builds the npm package's generated half into pkg/web/:
#   deskguard_bg.wasm   the engine, optimized by wasm-opt
#   deskguard.js        wasm-bindgen's ES module glue (--target web)
#   deskguard.cjs       the same glue as CommonJS, for Node's `require`
#   codes.d.ts          the Code and Trigger unions, read from the module itself
#   deskguard.d.cts     pkg/deskguard.d.ts for CommonJS consumers
# The hand-written half (package.json, entry points, deskguard.d.ts) is in the repo.
set -euo pipefail
source "$(dirname "$0")/wasm-env.sh"
cd "$DESKGUARD_ROOT"

out="$DESKGUARD_ROOT/pkg/web"
mkdir -p "$out"

# Cold code at `s`, the crates a check runs in at `2` (measured: docs/performance.md):
# `s` against `z` costs 32 KiB gzipped and makes every check about 2.4x faster; `2`
# for deskguard (where serde's code for its request, verdict and policy types is
# generated too) and for the phrase, JSON, normalization and allocator crates its
# checks spend their time in costs another 33 KiB and makes a check about 25% faster
# again. `2` everywhere costs 50 KiB more for nearly nothing. The module is downloaded
# by browsers, and a sidebar validates on every keystroke pause. Set here rather than
# in Cargo.toml's release profile, which the native CLI and benches share.
#
# The regex crates are not at `2`, for the cold start. V8 compiles a function whole on
# its first call and, once it runs hot, again with its optimizing compiler on a
# background thread, on the same two cores the cold start runs on; the larger the
# function, the longer. Building an engine runs the regex parser and NFA compiler hard.
# regex-syntax, which parses patterns while an engine is built (a check barely uses
# it), is at `z`: at `s` its parser was one 21 KB function, 53 ms of background CPU in
# one cold start. regex-automata, whose lazy DFA a check does search with, is at `s`:
# against `2` that is 20 KiB less code compiled in a cold start and a third less
# background CPU, and no change per call (`check`, and validating a 64 KB reply).
# `DESKGUARD_WASM_OPT_LEVEL=3 make build` builds everything at one level instead.
HOT_CRATES="deskguard aho-corasick memchr serde_json unicode-normalization dlmalloc"
BUILD_ONLY_CRATES="regex-syntax"
level_args=()
if [ -n "${DESKGUARD_WASM_OPT_LEVEL:-}" ]; then
    export CARGO_PROFILE_RELEASE_OPT_LEVEL="$DESKGUARD_WASM_OPT_LEVEL"
    opt_levels="opt-level $DESKGUARD_WASM_OPT_LEVEL"
else
    export CARGO_PROFILE_RELEASE_OPT_LEVEL=s
    opt_levels="opt-level s, 2 for $HOT_CRATES"
    for crate in $HOT_CRATES; do
        level_args+=(--config "profile.release.package.$crate.opt-level=2")
    done
    opt_levels="$opt_levels, z for $BUILD_ONLY_CRATES"
    for crate in $BUILD_ONLY_CRATES; do
        level_args+=(--config "profile.release.package.$crate.opt-level='z'")
    done
fi

echo "build-wasm: cargo build ($WASM_ROUTE route, $opt_levels)"
wasm_cargo build "${level_args[@]}" --release --no-default-features --lib
raw="$WASM_TARGET_DIR/$WASM_TARGET/release/deskguard.wasm"

# Everything below depends only on the raw module, these scripts and the hand-written
# declarations: skip it when none changed (wasm-opt alone takes ~20 s).
stamp="$(cat "$raw" "$0" "$DESKGUARD_ROOT/scripts/finish-pkg.mjs" "$DESKGUARD_ROOT/pkg/deskguard.d.ts" |
    sha256sum | cut -c1-32)"
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] &&
    [ -f "$out/deskguard_bg.wasm" ] && [ -f "$out/deskguard.cjs" ]; then
    echo "build-wasm: pkg/web is up to date"
    exit 0
fi
rm -f "$out/.stamp"

echo "build-wasm: wasm-bindgen"
wasm-bindgen --target web --out-dir "$out" --out-name deskguard "$raw"

echo "build-wasm: wasm-opt"
# binaryen 108 (Debian 12) enables no post-MVP feature by default; these are the
# ones rustc's wasm32 target emits and wasm-bindgen relies on (externref tables).
# By default wasm-opt inlines every function that has one caller, however large, into
# that caller. V8 compiles a whole function on its first call and, once it runs hot,
# compiles all of it again with its optimizing compiler on a background thread, so
# merged functions cost a cold start twice: code on cold branches is compiled although
# never run, and a merged function turns hot as a whole. Inlining a one-caller function
# only when it is as small as the ones wasm-opt inlines anyway (20, its default for
# `--flexible-inline-max-function-size`) makes the module 6 KiB smaller and the code
# a cold start compiles 669 KiB instead of 709, with no change per call
# (docs/performance.md).
wasm-opt -Oz --one-caller-inline-max-function-size=20 \
    --enable-reference-types --enable-bulk-memory --enable-sign-ext \
    --enable-nontrapping-float-to-int --enable-multivalue --enable-mutable-globals \
    "$out/deskguard_bg.wasm" -o "$out/deskguard_bg.opt.wasm"
mv "$out/deskguard_bg.opt.wasm" "$out/deskguard_bg.wasm"

node "$DESKGUARD_ROOT/scripts/finish-pkg.mjs"

echo "$stamp" >"$out/.stamp"
raw_size=$(stat -c %s "$out/deskguard_bg.wasm")
gz_size=$(gzip -9 -c "$out/deskguard_bg.wasm" | wc -c)
echo "build-wasm: pkg/web/deskguard_bg.wasm $((raw_size / 1024)) KiB, $((gz_size / 1024)) KiB gzip -9"
