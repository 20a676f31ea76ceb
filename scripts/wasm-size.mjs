#!/usr/bin/env node
// Where the bytes of the .wasm go, by crate: `node scripts/wasm-size.mjs [RAW.wasm]`.
//
// Takes the module cargo built (before wasm-bindgen; default: the one build-wasm.sh
// last built), runs wasm-bindgen and `wasm-opt -Oz -g` on a copy (the same passes as
// the package, but keeping function names), and groups twiggy's sizes by the crate
// each function belongs to. A generic function instantiated for another crate's type
// (`core::ptr::drop_in_place<regex::Regex>`) counts for that crate. Data segments are
// one line: wasm does not say which crate a constant came from (link with
// `-C link-arg=--Map=FILE` for that). Needs twiggy (`cargo install twiggy`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join } from "node:path";

const targetDir = process.env.WASM_TARGET_DIR ?? new URL("../target/wasm", import.meta.url).pathname;
const raw = process.argv[2] ?? join(targetDir, "wasm32-unknown-unknown/release/deskguard.wasm");
const twiggy = [join(homedir(), ".cargo/bin/twiggy"), "twiggy"].find((path) => {
  try {
    execFileSync(path, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});
if (!twiggy) {
  console.error("wasm-size: twiggy not found (cargo install twiggy)");
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "deskguard-size-"));
try {
  execFileSync("wasm-bindgen", ["--target", "web", "--keep-debug", "--out-dir", work, "--out-name", "m", raw]);
  const named = join(work, "named.wasm");
  execFileSync("wasm-opt", [
    "-Oz", "-g",
    "--enable-reference-types", "--enable-bulk-memory", "--enable-sign-ext",
    "--enable-nontrapping-float-to-int", "--enable-multivalue", "--enable-mutable-globals",
    join(work, "m_bg.wasm"), "-o", named,
  ]);
  const csv = execFileSync(twiggy, ["top", "-n", "10000000", "--format", "csv", named], {
    maxBuffer: 1 << 30,
  }).toString();
  const groups = new Map();
  const crate = /([A-Za-z_][A-Za-z0-9_]*)\[[0-9a-f]{1,16}\]::/g;
  const std = new Set(["core", "alloc", "std"]);
  let total = 0;
  for (const line of csv.split("\n").slice(1)) {
    // Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent; the name
    // may be quoted and hold commas, the other four never do.
    const fields = line.split(",");
    if (fields.length < 5) continue;
    const size = Number(fields[fields.length - 4]);
    let name = fields.slice(0, -4).join(",");
    if (name.startsWith('"')) name = name.slice(1, -1).replaceAll('""', '"');
    let group;
    if (name.includes("function names") || name.startsWith("custom section")) continue;
    if (name.startsWith("data[") || name.startsWith("data segment")) group = "(data: constants of every crate)";
    else {
      const crates = [...name.matchAll(crate)].map((m) => m[1]);
      const own = crates.find((c) => !std.has(c));
      group = crates.length === 0 ? "(wasm tables, types, glue)" : std.has(crates[0]) && own ? own : crates[0];
    }
    groups.set(group, (groups.get(group) ?? 0) + size);
    total += size;
  }
  console.log(`by crate, after wasm-opt -Oz (names not counted): ${(total / 1024).toFixed(0)} KiB`);
  for (const [group, size] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${(size / 1024).toFixed(1).padStart(8)} KiB  ${group}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
