// Deno (the binary from npm @deno/linux-x64-glibc) runs the suite against the package
// resolved through its "deno" export condition.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fixturesPath, root } from "./fixtures.mjs";
import { report } from "./report.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const deno = join(here, "node_modules/@deno/linux-x64-glibc/deno");

test("deno", async (t) => {
  const denoDir = mkdtempSync(join(tmpdir(), "deskguard-deno-"));
  t.after(() => rmSync(denoDir, { recursive: true, force: true }));
  const { stdout } = await promisify(execFile)(
    deno,
    ["run", `--allow-read=${root}`, "--no-prompt", "--node-modules-dir=manual", "--no-lock", "deno/run-suite.mjs", fixturesPath],
    {
      cwd: here,
      // Its own cache dir, no update check: nothing reaches for the network.
      env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const { resolved, results } = JSON.parse(stdout);
  assert.match(resolved, /\/pkg\/index\.js$/, "the deno condition picks the web entry");
  await report(t, results);
});
