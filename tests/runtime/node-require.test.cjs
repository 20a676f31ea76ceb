// Node, through `require("deskguard")` (the package's node/require entry, CommonJS).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const deskguard = require("deskguard");

test("node CommonJS require", async (t) => {
  assert.match(require.resolve("deskguard"), /\/pkg\/node\.cjs$/);
  const { loadFixtures } = await import("./fixtures.mjs");
  const { runSuite } = await import("./suite.mjs");
  const { report } = await import("./report.mjs");
  await report(t, runSuite(deskguard, loadFixtures()));
});
