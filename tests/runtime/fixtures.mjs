// The fixture set every runtime test compares against, made once per test run:
// every example request in policies/examples/ under the two configurations, with the
// verdict the native CLI prints for it. `node fixtures.mjs` writes it to
// target/runtime-tests/fixtures.json (scripts/test-runtimes.sh does this first);
// the tests only read it.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const workDir = `${root}target/runtime-tests/`;
export const fixturesPath = `${workDir}fixtures.json`;
const cli = `${root}target/release/deskguard`;
const agentazPath = "policies/resolution-agent.agentaz.json";

const CLI_ARGS = {
  "a2-suggest": [],
  "agentaz-auto": ["--contract", agentazPath, "--mode", "auto"],
};

/** The codes and triggers as declared in src/codes.rs, in order. */
function registry() {
  const source = readFileSync(`${root}src/codes.rs`, "utf8");
  const split = source.indexOf("pub enum Trigger");
  const names = (text) => [...text.matchAll(/^\s*\w+ => "([A-Za-z_]+)",$/gm)].map((m) => m[1]);
  return { codes: names(source.slice(0, split)), triggers: names(source.slice(split)) };
}

export function makeFixtures() {
  if (!existsSync(cli)) {
    throw new Error(`${cli} is missing: run \`make build\` first`);
  }
  const cases = [];
  const examples = readdirSync(`${root}policies/examples`).filter((f) => f.endsWith(".json")).sort();
  for (const file of examples) {
    const path = `policies/examples/${file}`;
    const requestText = readFileSync(`${root}${path}`, "utf8");
    for (const [config, args] of Object.entries(CLI_ARGS)) {
      const output = execFileSync(cli, ["check", "--compact", ...args, path], { cwd: root, encoding: "utf8" });
      cases.push({ name: file, config, request: JSON.parse(requestText), requestText, expected: JSON.parse(output) });
    }
  }
  const cargo = readFileSync(`${root}Cargo.toml`, "utf8");
  const version = cargo.match(/^version = "([^"]+)"/m)[1];
  const fixtures = {
    cases,
    contracts: { agentaz: readFileSync(`${root}${agentazPath}`, "utf8") },
    version,
    ...registry(),
  };
  mkdirSync(workDir, { recursive: true });
  writeFileSync(fixturesPath, JSON.stringify(fixtures));
  return fixtures;
}

export function loadFixtures() {
  if (!existsSync(fixturesPath)) {
    throw new Error(`${fixturesPath} is missing: run \`node tests/runtime/fixtures.mjs\` first`);
  }
  return JSON.parse(readFileSync(fixturesPath, "utf8"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fixtures = makeFixtures();
  console.log(`fixtures: ${fixtures.cases.length} cases from the CLI -> ${fixturesPath}`);
}
