// `npm pack` makes a tarball that a fresh project installs offline and uses, through
// both `import` and `require`.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixturesPath } from "./fixtures.mjs";

const pkgDir = fileURLToPath(new URL("../../pkg/", import.meta.url));

test("npm pack, install offline in a fresh project, import and require", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "deskguard-pack-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const npm = (args, cwd) =>
    execFileSync("npm", [...args, "--cache", join(dir, "npm-cache"), "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd,
      encoding: "utf8",
    });

  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], pkgDir));
  const files = packed.files.map((f) => f.path).sort();
  for (const wanted of ["package.json", "README.md", "deskguard.d.ts", "index.js", "node.cjs", "node.mjs", "workerd.js", "web/deskguard.js", "web/deskguard.cjs", "web/deskguard_bg.wasm", "web/codes.d.ts", "web/deskguard.d.cts"]) {
    assert.ok(files.includes(wanted), `${wanted} is in the tarball (${files.join(", ")})`);
  }
  assert.ok(!files.some((f) => f.endsWith(".stamp") || f.startsWith("node_modules")), files.join(", "));

  const consumer = join(dir, "consumer");
  mkdirSync(consumer);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", "--offline", join(dir, packed.filename)], consumer);
  assert.ok(!lstatSync(join(consumer, "node_modules", "deskguard")).isSymbolicLink(), "a real copy, not a link");

  const esm = `
    import { readFileSync } from "node:fs";
    import { Engine, version } from "deskguard";
    const { cases } = JSON.parse(readFileSync(${JSON.stringify(fixturesPath)}, "utf8"));
    const engine = new Engine();
    const bad = cases.filter((c) => c.config === "a2-suggest")
      .filter((c) => JSON.stringify(engine.check(c.request)) !== JSON.stringify(c.expected));
    console.log(JSON.stringify({ version: version(), bad: bad.map((c) => c.name) }));`;
  const fromImport = JSON.parse(execFileSync("node", ["--input-type=module", "-e", esm], { cwd: consumer, encoding: "utf8" }));
  assert.deepStrictEqual(fromImport.bad, []);
  assert.equal(fromImport.version, packed.version);

  const cjs = `
    const { Engine } = require("deskguard");
    const verdict = new Engine({ mode: "auto" }).check({ decision: "ESCALATE_NEEDED: no KB" });
    console.log(JSON.stringify({ decision: verdict.decision, resolved: require.resolve("deskguard") }));`;
  const fromRequire = JSON.parse(execFileSync("node", ["-e", cjs], { cwd: consumer, encoding: "utf8" }));
  assert.equal(fromRequire.decision, "ESCALATE");
  assert.match(fromRequire.resolved, /node_modules\/deskguard\/node\.cjs$/);
});
