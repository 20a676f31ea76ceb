// The WASM package in Node: module size, cold start, and time per check, next to the
// native criterion figures when `cargo bench --bench check` has left them in
// target/criterion. Run by `make bench` after `make build`; prints a report, asserts
// nothing (the goals are in the README).
//
//   node benches/wasm.mjs [--json FILE]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = `${root}pkg/node.mjs`;
const wasmPath = `${root}pkg/web/deskguard_bg.wasm`;
const a3Contract = readFileSync(`${root}policies/resolution-agent.agentaz.json`, "utf8");
const EXAMPLES = [
  ["how_to_2fa", "01-how-to-2fa.json"],
  ["duplicate_charge", "02-duplicate-charge-refund.json"],
  ["enterprise_churn", "03-enterprise-churn-data-loss.json"],
];
const GOALS = { gzipKiB: 600, coldStartMs: 50, checkMicros: 50 };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const report = {};

// -- size -----------------------------------------------------------------------------
if (!existsSync(wasmPath)) {
  console.error("pkg/web/deskguard_bg.wasm is missing: run `make build` first");
  process.exit(2);
}
const wasm = readFileSync(wasmPath);
let gzipBytes;
try {
  gzipBytes = Number(execFileSync("sh", ["-c", `gzip -9 -c '${wasmPath}' | wc -c`], { encoding: "utf8" }).trim());
} catch {
  gzipBytes = gzipSync(wasm, { level: 9 }).length;
}
report.size = { rawBytes: wasm.length, gzipBytes };
console.log("size (after wasm-opt -Oz)");
console.log(`  deskguard_bg.wasm  ${kib(wasm.length)} raw, ${kib(gzipBytes)} gzip -9  (goal <= ${GOALS.gzipKiB} KiB gzip)`);

// -- cold start: a fresh process each time ---------------------------------------------
const coldScript = `
  const t0 = performance.now();
  const { Engine } = await import(${JSON.stringify(entry)});
  const t1 = performance.now();
  const engine = new Engine();
  const t2 = performance.now();
  engine.checkJson(${JSON.stringify(readFileSync(`${root}policies/examples/01-how-to-2fa.json`, "utf8"))});
  const t3 = performance.now();
  console.log(JSON.stringify({ importMs: t1 - t0, buildMs: t2 - t1, firstCheckMs: t3 - t2, totalMs: t3 - t0 }));`;
const RUNS = 21;
const cold = [];
for (let run = 0; run < RUNS; run++) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", coldScript], { encoding: "utf8" });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) {
    console.error(child.stderr);
    process.exit(1);
  }
  cold.push({ ...JSON.parse(child.stdout), processMs });
}
const coldMedian = Object.fromEntries(Object.keys(cold[0]).map((key) => [key, median(cold.map((c) => c[key]))]));
report.coldStart = coldMedian;
console.log(`\ncold start in Node ${process.version} (median of ${RUNS} fresh processes)`);
console.log(
  `  import + engine build + first check  ${coldMedian.totalMs.toFixed(1)} ms  (goal <= ${GOALS.coldStartMs} ms)` +
    `\n    import (compile + instantiate) ${coldMedian.importMs.toFixed(1)} ms, new Engine() ${coldMedian.buildMs.toFixed(1)} ms,` +
    ` first check ${coldMedian.firstCheckMs.toFixed(1)} ms` +
    `\n  whole process, node's own start-up included  ${coldMedian.processMs.toFixed(1)} ms`,
);

// -- per check ------------------------------------------------------------------------
const { Engine } = await import(entry);
const engines = { a2: new Engine(), a3: new Engine({ contract: a3Contract, mode: "auto" }) };

function microsPerCall(call) {
  for (let i = 0; i < 300; i++) call();
  // Batches long enough to read the clock well; the median batch resists GC pauses.
  let perBatch = 50;
  for (;;) {
    const started = performance.now();
    for (let i = 0; i < perBatch; i++) call();
    if (performance.now() - started > 20 || perBatch > 1e6) break;
    perBatch *= 2;
  }
  const samples = [];
  for (let batch = 0; batch < 25; batch++) {
    const started = performance.now();
    for (let i = 0; i < perBatch; i++) call();
    samples.push(((performance.now() - started) * 1000) / perBatch);
  }
  return median(samples);
}

function nativeMicros(group, name) {
  const path = `${root}target/criterion/${group}/${name}/new/estimates.json`;
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, "utf8")).median.point_estimate / 1000;
}

const rows = [];
for (const [example, file] of EXAMPLES) {
  const text = readFileSync(`${root}policies/examples/${file}`, "utf8");
  const request = JSON.parse(text);
  for (const [contract, engine] of Object.entries(engines)) {
    const name = `${example}_${contract}`;
    rows.push({
      name,
      check: microsPerCall(() => engine.check(request)),
      checkJson: microsPerCall(() => engine.checkJson(text)),
      nativeCheck: nativeMicros("check", name),
      nativeCheckJson: nativeMicros("check_json", name),
    });
  }
}
report.perCheck = rows;
const fmt = (v) => (v === null ? "-" : v.toFixed(1));
const ratio = (a, b) => (b === null ? "-" : `${(a / b).toFixed(1)}x`);
console.log(`\nper call, median µs (goal <= ${GOALS.checkMicros} µs); native from target/criterion`);
const header = ["example_contract", "check", "checkJson", "native check", "native check_json", "wasm/native"];
const table = rows.map((r) => [
  r.name,
  fmt(r.check),
  fmt(r.checkJson),
  fmt(r.nativeCheck),
  fmt(r.nativeCheckJson),
  // Like for like: both parse the request text and check it.
  ratio(r.checkJson, r.nativeCheckJson),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const print = (cells) => console.log(`  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")}`);
print(header);
table.forEach(print);
console.log(
  `  median over all: check ${median(rows.map((r) => r.check)).toFixed(1)} µs, checkJson ${median(rows.map((r) => r.checkJson)).toFixed(1)} µs`,
);
if (rows.every((r) => r.nativeCheckJson === null)) {
  console.log("  (no native figures: run `cargo bench --bench check` first for the ratio)");
}

const jsonAt = process.argv.indexOf("--json");
if (jsonAt > 0 && process.argv[jsonAt + 1]) {
  writeFileSync(process.argv[jsonAt + 1], JSON.stringify(report, null, 2));
}
