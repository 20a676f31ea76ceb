// Two builds' Node cold starts side by side: `pkg/` against another copy of the package
// (`cp -r pkg /tmp/before` before a change, then rebuild). Prints each build's medians
// and the median of the paired differences; asserts nothing.
//
//   node benches/cold-compare.mjs OTHER_PKG_DIR [RUNS] [NODE_FLAG...]
//
// Why pairs: on a small shared machine one build's cold start drifts by 10% from one
// stretch of minutes to the next, more than most changes move it. Fresh processes of
// the two builds alternate (ABBA...), so both see the same stretches, and the
// difference is taken run by run. The cold start is the one `benches/wasm.mjs` times:
// import, `new Engine()` with the embedded defaults, one `checkJson`.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const [other, runsArg, ...nodeFlags] = process.argv.slice(2);
if (!other || !existsSync(resolve(other, "node.mjs"))) {
  console.error("usage: node benches/cold-compare.mjs OTHER_PKG_DIR [RUNS] [NODE_FLAG...]");
  process.exit(2);
}
const runs = Number(runsArg ?? 41);
const builds = { "pkg/": `${root}pkg`, [other]: resolve(other) };
const request = readFileSync(`${root}policies/examples/01-how-to-2fa.json`, "utf8");

function coldStart(dir) {
  const script = `
    const t0 = performance.now();
    const { Engine } = await import(${JSON.stringify(`${dir}/node.mjs`)});
    const t1 = performance.now();
    const engine = new Engine();
    const t2 = performance.now();
    engine.checkJson(${JSON.stringify(request)});
    const t3 = performance.now();
    console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2, t3 - t0]));`;
  const child = spawnSync(process.execPath, [...nodeFlags, "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  if (child.status !== 0) {
    console.error(child.stderr);
    process.exit(1);
  }
  return JSON.parse(child.stdout);
}

const [mine, theirs] = Object.values(builds);
const results = { [mine]: [], [theirs]: [] };
for (let run = 0; run < runs; run++) {
  const order = run % 2 ? [theirs, mine] : [mine, theirs];
  for (const dir of order) results[dir].push(coldStart(dir));
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const phases = ["import", "new Engine()", "first check", "total"];
console.log(`Node ${process.version} cold starts, ${runs} alternating fresh processes each${nodeFlags.length ? ` (${nodeFlags.join(" ")})` : ""}`);
for (const [name, dir] of Object.entries(builds)) {
  const cells = phases.map((phase, k) => `${phase} ${median(results[dir].map((r) => r[k])).toFixed(1)}`);
  console.log(`  ${name.padEnd(24)} ${cells.join(", ")} ms`);
}
const differences = results[mine].map((run, k) => run[3] - results[theirs][k][3]);
console.log(`  pkg/ minus ${other}: median of the paired differences ${median(differences).toFixed(2)} ms`);
