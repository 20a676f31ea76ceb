// Two builds' Node cold starts side by side: `pkg/` against another copy of the package
// (`cp -r pkg /tmp/before` before a change, then rebuild). Prints each build's medians
// and the median of the paired differences; asserts nothing.
//
//   node benches/cold-compare.mjs OTHER_PKG_DIR [RUNS] [NODE_FLAG...]
//
// With COLD_POLICY=yaml in the environment, the engine is built from the default
// policy's YAML text (`new Engine({ policy })`), as for a user's own policy.
//
// Why pairs: on a small shared machine one build's cold start drifts by 10% from one
// stretch of minutes to the next, more than most changes move it. Fresh processes of
// the two builds alternate (ABBA...), so both see the same stretches, and the
// difference is taken run by run. The cold start is the one `benches/wasm.mjs` times:
// import, `new Engine()` with the embedded defaults, one `checkJson`.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { coldStartScript, defaultPolicyYaml, median, runColdStart } from "./cold-start.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const [other, runsArg, ...nodeFlags] = process.argv.slice(2);
if (!other || !existsSync(resolve(other, "node.mjs"))) {
  console.error("usage: node benches/cold-compare.mjs OTHER_PKG_DIR [RUNS] [NODE_FLAG...]");
  process.exit(2);
}
const runs = Number(runsArg ?? 41);
const builds = { "pkg/": `${root}pkg`, [other]: resolve(other) };
const policyYaml = process.env.COLD_POLICY === "yaml" ? defaultPolicyYaml : undefined;
const scripts = Object.fromEntries(
  Object.values(builds).map((dir) => [dir, coldStartScript(dir, policyYaml)]),
);
const phases = { importMs: "import", buildMs: "new Engine()", firstCheckMs: "first check", totalMs: "total" };

const [mine, theirs] = Object.values(builds);
const results = { [mine]: [], [theirs]: [] };
for (let run = 0; run < runs; run++) {
  const order = run % 2 ? [theirs, mine] : [mine, theirs];
  for (const dir of order) results[dir].push(runColdStart(scripts[dir], nodeFlags));
}

const policyNote = policyYaml === undefined ? "" : ", the policy given as YAML";
console.log(`Node ${process.version} cold starts${policyNote}, ${runs} alternating fresh processes each${nodeFlags.length ? ` (${nodeFlags.join(" ")})` : ""}`);
for (const [name, dir] of Object.entries(builds)) {
  const cells = Object.entries(phases).map(
    ([key, phase]) => `${phase} ${median(results[dir].map((r) => r[key])).toFixed(1)}`,
  );
  console.log(`  ${name.padEnd(24)} ${cells.join(", ")} ms`);
}
const differences = results[mine].map((run, k) => run.totalMs - results[theirs][k].totalMs);
console.log(`  pkg/ minus ${other}: median of the paired differences ${median(differences).toFixed(2)} ms`);
