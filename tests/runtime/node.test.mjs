// Node, through `import { ... } from "deskguard"` (the package's node/import entry).
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as deskguard from "deskguard";
import { loadFixtures } from "./fixtures.mjs";
import { runSuite } from "./suite.mjs";
import { report } from "./report.mjs";

const fixtures = loadFixtures();

test("node ESM import", async (t) => {
  await report(t, runSuite(deskguard, fixtures));
});

test("import resolves to the node entry and shares the require() instance", () => {
  const require = createRequire(import.meta.url);
  assert.match(import.meta.resolve("deskguard"), /\/pkg\/node\.mjs$/);
  assert.equal(require("deskguard").Engine, deskguard.Engine);
});

test("check() results are plain JSON data", () => {
  const engine = new deskguard.Engine();
  const [first] = fixtures.cases;
  const verdict = engine.check(first.request);
  assert.deepStrictEqual(verdict, first.expected);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(verdict)), verdict);
  engine.free();
});

test("a Date as `now` is read as its RFC 3339 text", () => {
  const engine = new deskguard.Engine();
  const { request } = fixtures.cases[0];
  const when = "2026-06-03T10:00:00.000Z";
  assert.deepStrictEqual(engine.check({ ...request, now: new Date(when) }), engine.check({ ...request, now: when }));
  engine.free();
});

test("the npm package version is the crate version", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8"));
  assert.equal(pkg.version, deskguard.version());
});

test("the declared Code and Trigger unions match src/codes.rs", () => {
  const declared = readFileSync(new URL("../../pkg/web/codes.d.ts", import.meta.url), "utf8");
  const union = (name) => {
    const body = declared.split(`export type ${name} =`)[1].split(";\n")[0];
    return [...body.matchAll(/\| "([^"]+)"/g)].map((m) => m[1]);
  };
  assert.deepStrictEqual(union("Code"), fixtures.codes);
  assert.deepStrictEqual(union("Trigger"), fixtures.triggers);
});

test("every export is declared in deskguard.d.ts", () => {
  const dts = readFileSync(new URL("../../pkg/deskguard.d.ts", import.meta.url), "utf8");
  const declared = [...dts.matchAll(/^export declare (?:class|function) (\w+)/gm)].map((m) => m[1]).sort();
  const exported = Object.keys(deskguard).filter((name) => !name.startsWith("__")).sort();
  assert.deepStrictEqual(exported, declared);
});
