// A bundler: Vite builds an app that does `import * as deskguard from "deskguard"`,
// as a helpdesk sidebar app would, and headless Chromium runs the suite in the built
// page. Vite picks the package's "browser" entry, finds the module through its
// `new URL("./web/deskguard_bg.wasm", import.meta.url)` and emits it as an asset of
// its own; the page fetches it from there.
import test from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { pageResults, serve } from "./browser.mjs";
import { fixturesPath, workDir } from "./fixtures.mjs";
import { report } from "./report.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const wasm = readFileSync(join(here, "node_modules/deskguard/web/deskguard_bg.wasm"));

const page = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>deskguard bundled by Vite</title>
<script type="module" src="./main.js"></script>`;

const main = `import * as deskguard from "deskguard";
import { runSuite } from "./suite.mjs";

const fixtures = await (await fetch("/fixtures.json")).json();
window.results = runSuite(deskguard, fixtures);
`;

/** An app in `dir` that resolves "deskguard" the way a project with the package
 * installed does: through its own node_modules (this folder's, linked). */
function writeApp(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.html"), page);
  writeFileSync(join(dir, "main.js"), main);
  copyFileSync(join(here, "suite.mjs"), join(dir, "suite.mjs"));
  symlinkSync(join(here, "node_modules"), join(dir, "node_modules"), "dir");
}

test("vite", async (t) => {
  const app = join(workDir, "vite-app");
  const dist = join(workDir, "vite-dist");
  writeApp(app);
  const built = await build({
    root: app,
    configFile: false,
    logLevel: "silent",
    build: { outDir: dist, emptyOutDir: true },
  });

  await t.test("emits the module as an asset, unchanged", () => {
    const assets = built.output.filter((file) => file.fileName.endsWith(".wasm"));
    assert.equal(assets.length, 1, `expected one .wasm asset, got ${built.output.map((f) => f.fileName)}`);
    assert.ok(Buffer.from(assets[0].source).equals(wasm), "the emitted .wasm differs from the package's");
    const code = built.output.filter((file) => file.type === "chunk").map((chunk) => chunk.code).join("\n");
    assert.ok(code.includes(assets[0].fileName.split("/").pop()), "no chunk refers to the emitted .wasm");
    assert.deepEqual(readdirSync(join(dist, "assets")).filter((name) => name.endsWith(".wasm")), [
      assets[0].fileName.split("/").pop(),
    ]);
  });

  const server = await serve((path) => {
    if (path === "/fixtures.json") return fixturesPath;
    const file = normalize(join(dist, path === "/" ? "index.html" : path));
    return file.startsWith(dist + sep) ? file : undefined;
  });
  t.after(() => server.close());
  await report(t, await pageResults(t, `http://127.0.0.1:${server.address().port}/`));
});
