// One Node cold start of the package, the one `wasm.mjs` and `cold-compare.mjs` both
// time: a fresh process that imports the package, builds an `Engine` with the embedded
// defaults (or with a policy given as YAML text) and runs one `checkJson`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const request = readFileSync(`${root}policies/examples/01-how-to-2fa.json`, "utf8");

/** The default policy's YAML source: what a user's own policy looks like to the engine. */
export const defaultPolicyYaml = readFileSync(`${root}policies/support-agent.yaml`, "utf8");

/** The script a fresh process runs for a package directory (`pkg/` by default), with the
 * embedded policy or, given `policyYaml`, with that policy text. */
export function coldStartScript(packageDir = `${root}pkg`, policyYaml = undefined) {
  const options = policyYaml === undefined ? "" : `{ policy: ${JSON.stringify(policyYaml)} }`;
  return `
  const t0 = performance.now();
  const { Engine } = await import(${JSON.stringify(`${packageDir}/node.mjs`)});
  const t1 = performance.now();
  const engine = new Engine(${options});
  const t2 = performance.now();
  engine.checkJson(${JSON.stringify(request)});
  const t3 = performance.now();
  console.log(JSON.stringify({ importMs: t1 - t0, buildMs: t2 - t1, firstCheckMs: t3 - t2, totalMs: t3 - t0 }));`;
}

/** Runs `script` in a fresh Node process (with `nodeFlags`): its phases in ms, and the
 * whole process's time as `processMs`. Exits on a failed run. */
export function runColdStart(script, nodeFlags = []) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [...nodeFlags, "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) {
    console.error(child.stderr);
    process.exit(1);
  }
  return { ...JSON.parse(child.stdout), processMs };
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
