#!/usr/bin/env bash
# Runs the npm package (pkg/, built by build-wasm.sh) in every runtime: Node (import
# and require, the panic hook, npm pack into a fresh project), workerd, Deno, headless
# Chromium (the package as it is; an app that installs it, built by Vite and webpack
# and served by Vite's dev server), and tsc on the shipped types. Each test file starts
# its runtime itself.
# Needs the release CLI (target/release/deskguard, or under $CARGO_TARGET_DIR): the
# expected verdicts, screenings, alerts and notice reports come from it.
set -euo pipefail
cd "$(dirname "$0")/.."

node tests/runtime/fixtures.mjs
# One test file at a time: Chromium, workerd and Deno side by side would crowd 2 cores.
node --test --test-concurrency=1 \
    tests/runtime/*.test.mjs tests/runtime/*.test.cjs tests/types/*.test.mjs \
    tests/www/*.test.mjs
