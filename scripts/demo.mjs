// `make demo`: checks the shipped example requests on the embedded defaults (the
// support-agent policy in suggest mode, the blueprint's A2 contract), once with the
// native CLI and once with the WASM package in Node, and prints the verdicts as a table.
//   node scripts/demo.mjs policies/examples/*.json
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine, version } from "../pkg/node.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/demo.mjs REQUEST.json...");
  process.exit(2);
}

const engine = new Engine();
const list = (items) => (items.length === 0 ? "-" : items.join(" "));
const describe = (verdict) => ({
  decision: verdict.proposed && verdict.proposed !== verdict.decision
    ? `${verdict.decision} (from ${verdict.proposed})`
    : verdict.decision,
  allowed: list(verdict.allowed.map((a) => (a.mode === "requires_approval" ? `${a.tool}*` : a.tool))),
  blocked: list(verdict.blocked.map((b) => b.tool)),
  codes: list([...new Set([...verdict.violations.map((v) => v.code), ...verdict.escalation.triggers])]),
  queue: verdict.escalation.queue || "-",
});

const rows = [];
let differ = 0;
for (const file of files) {
  const cli = JSON.parse(
    execFileSync(`${root}target/release/deskguard`, ["check", "--compact", file], { encoding: "utf8" }),
  );
  const wasm = engine.check(JSON.parse(readFileSync(file, "utf8")));
  const same = JSON.stringify(cli) === JSON.stringify(wasm);
  if (!same) differ++;
  const name = basename(file, ".json");
  rows.push({ example: name, ...describe(cli), wasm: same ? "same" : "DIFFERS" });
  // A differing WASM verdict gets a row of its own, under the CLI's.
  if (!same) rows.push({ example: "", ...describe(wasm), wasm: "^ wasm" });
}

const columns = ["example", "decision", "allowed", "blocked", "codes", "queue", "wasm"];
const width = Object.fromEntries(
  columns.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]),
);
const line = (row) => columns.map((c) => String(row[c]).padEnd(width[c])).join("  ").trimEnd();
console.log(`deskguard ${version()}: embedded policy (suggest mode), blueprint A2 contract`);
console.log("Each request checked by the native CLI; the last column compares the WASM package's verdict.\n");
console.log(line(Object.fromEntries(columns.map((c) => [c, c]))));
console.log(columns.map((c) => "-".repeat(width[c])).join("  "));
for (const row of rows) console.log(line(row));
console.log("\n* requires approval. codes: violations, then escalation triggers.");
console.log(
  differ === 0
    ? `The WASM package gave the CLI's verdict for all ${files.length} requests.`
    : `${differ} of ${files.length} verdicts differ between the CLI and the WASM package.`,
);
process.exit(differ === 0 ? 0 : 1);
