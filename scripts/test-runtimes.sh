#!/usr/bin/env bash
# Runs the npm package (pkg/, built by build-wasm.sh) in every runtime: Node (import
# and require, the panic hook, npm pack into a fresh project), workerd, Deno, headless
# Chromium, and tsc on the shipped types. Each test file starts its runtime itself.
# Needs target/release/deskguard: the expected verdicts come from the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

node tests/runtime/fixtures.mjs
# One test file at a time: Chromium, workerd and Deno side by side would crowd 2 cores.
node --test --test-concurrency=1 \
    tests/runtime/*.test.mjs tests/runtime/*.test.cjs tests/types/*.test.mjs \
    tests/www/*.test.mjs
