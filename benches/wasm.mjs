// The WASM package in Node: module size, cold start, time per check and per reply
// validation (plain and with a prepared context), next to the native criterion figures
// when `cargo bench --bench check` and `--bench validate` have left them in
// target/criterion (under CARGO_TARGET_DIR when set). Run by `make bench` after
// `make build`; prints a report, asserts nothing (the goals are in the README).
//
//   node benches/wasm.mjs [--json FILE]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { coldStartScript, median, runColdStart } from "./cold-start.mjs";

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
const coldScript = coldStartScript();
const RUNS = 21;
function coldStart(nodeFlags) {
  const runs = Array.from({ length: RUNS }, () => runColdStart(coldScript, nodeFlags));
  return Object.fromEntries(Object.keys(runs[0]).map((key) => [key, median(runs.map((r) => r[key]))]));
}
const coldMedian = coldStart([]);
report.coldStart = coldMedian;
console.log(`\ncold start in Node ${process.version} (median of ${RUNS} fresh processes)`);
console.log(
  `  import + engine build + first check  ${coldMedian.totalMs.toFixed(1)} ms  (goal <= ${GOALS.coldStartMs} ms)` +
    `\n    import (compile + instantiate) ${coldMedian.importMs.toFixed(1)} ms, new Engine() ${coldMedian.buildMs.toFixed(1)} ms,` +
    ` first check ${coldMedian.firstCheckMs.toFixed(1)} ms` +
    `\n  whole process, node's own start-up included  ${coldMedian.processMs.toFixed(1)} ms`,
);

// Where a cold start's time goes besides the main thread's own work. V8 re-compiles a
// function that runs hot with its optimizing compiler on a pool of background threads
// (four in Node); on a machine with few cores those threads take CPU from the main
// thread while it builds the engine. The same cold start with Node's own option for
// that pool set to one thread shows how much: not a setting the package can make (it
// is process-wide), but one a deployment can.
const onePool = coldStart(["--v8-pool-size=1"]);
report.coldStartOneBackgroundThread = onePool;
const traced = spawnSync(
  process.execPath,
  ["--trace-wasm-compilation-times", "--input-type=module", "-e", coldScript],
  { encoding: "utf8" },
).stdout;
const sumOf = (pattern) => [...traced.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
const optimizingMs = sumOf(/using TurboFan, took (\d+) ms/g);
const baselineKiB = sumOf(/using Liftoff, took \d+ ms.*?bodysize (\d+)/g) / 1024;
report.coldStartCompilation = { optimizingCpuMs: optimizingMs, baselineCompiledKiB: baselineKiB };
console.log(
  `  with \`node --v8-pool-size=1\` (one background thread for V8)  ${onePool.totalMs.toFixed(1)} ms` +
    `\n  V8's work in one cold start: ${baselineKiB.toFixed(0)} KiB of code compiled on first call (main thread),` +
    ` ${optimizingMs} ms of CPU re-compiling hot functions (background threads)`,
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

/** A criterion median in µs; `id` is its directory: `group/name` for a benchmark group,
 * and for `bench_function("a/b")` criterion's own `a_b`. */
function nativeMicros(id) {
  const path = `${resolve(root, process.env.CARGO_TARGET_DIR ?? "target")}/criterion/${id}/new/estimates.json`;
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
      nativeCheck: nativeMicros(`check/${name}`),
      nativeCheckJson: nativeMicros(`check_json/${name}`),
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

// -- validateReply: a 1 KB draft, as a sidebar validates it on every keystroke pause ---
// The draft and context of benches/validate.rs (`validate/draft_1k`): the billing
// example as the context, the blueprint's billing reply padded to about 1 KB.
function draft1k() {
  let text =
    "Hi Lee \u2014 you're right, I can see two identical $29 charges on June 3rd. That's a duplicate, and I've queued a refund for the extra charge (you'll see it back on your original payment method in 5\u201310 business days). Sorry for the scare \u2014 your billing is otherwise correct and you won't be charged again until your normal renewal. ";
  const filler =
    "If anything else looks off on your invoice, reply to this message and we'll take a look together. You can also review past payments under Settings > Billing > History. ";
  const bytes = (value) => new TextEncoder().encode(value).length;
  while (bytes(text) < 1000) text += filler;
  // Every character that starts before byte 1024, as the Rust bench truncates.
  let kept = "";
  for (const char of text) {
    if (bytes(kept) >= 1024) break;
    kept += char;
  }
  return kept;
}
const draft = draft1k();
const billing = JSON.parse(readFileSync(`${root}policies/examples/02-duplicate-charge-refund.json`, "utf8"));
const prepared = engines.a2.prepareReplyContext(billing);
const validateRows = [
  {
    name: "validateReply(draft, context)",
    wasm: microsPerCall(() => engines.a2.validateReply(draft, billing)),
    native: nativeMicros("validate_draft_1k"),
  },
  {
    name: "prepared.validateReply(draft)",
    wasm: microsPerCall(() => prepared.validateReply(draft)),
    native: nativeMicros("validate_draft_1k_prepared"),
  },
];
prepared.free();
report.validateReply = { draftBytes: new TextEncoder().encode(draft).length, rows: validateRows };
console.log(
  `\nvalidateReply, a ${report.validateReply.draftBytes}-byte draft with the billing context, median µs;` +
    " native from target/criterion (cargo bench --bench validate)",
);
const validateHeader = ["call", "wasm", "native", "wasm/native"];
const validateTable = validateRows.map((r) => [r.name, fmt(r.wasm), fmt(r.native), ratio(r.wasm, r.native)]);
const validateWidths = validateHeader.map((h, i) => Math.max(h.length, ...validateTable.map((row) => row[i].length)));
const printValidate = (cells) =>
  console.log(`  ${cells.map((c, i) => (i === 0 ? c.padEnd(validateWidths[i]) : c.padStart(validateWidths[i]))).join("  ")}`);
printValidate(validateHeader);
validateTable.forEach(printValidate);
if (validateRows.every((r) => r.native === null)) {
  console.log("  (no native figures: run `cargo bench --bench validate` first for the ratio)");
}

const jsonAt = process.argv.indexOf("--json");
if (jsonAt > 0 && process.argv[jsonAt + 1]) {
  writeFileSync(process.argv[jsonAt + 1], JSON.stringify(report, null, 2));
}
