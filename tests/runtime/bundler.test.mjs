// Bundlers: an app that does `import * as deskguard from "deskguard"`, as a helpdesk
// sidebar app would, with the package installed in its node_modules, built by Vite and
// by webpack and served by Vite's dev server; headless Chromium runs the suite in each
// page. The bundler picks the package's "browser" entry, finds the module through its
// `new URL("./web/deskguard_bg.wasm", import.meta.url)` and emits (or serves) it as an
// asset of its own; the page fetches it from there.
import test from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build as viteBuild, createServer as viteServer } from "vite";
import webpack from "webpack";
import { pageResults, serve } from "./browser.mjs";
import { fixturesPath, workDir } from "./fixtures.mjs";
import { report } from "./report.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const pkgDir = join(here, "node_modules/deskguard");
const wasm = readFileSync(join(pkgDir, "web/deskguard_bg.wasm"));

const main = `import * as deskguard from "deskguard";
import { runSuite } from "./suite.mjs";

const fixtures = await (await fetch("/fixtures.json")).json();
window.results = runSuite(deskguard, fixtures);
`;

const page = (script) => `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>deskguard bundled</title>
${script}`;

/** Builds the app in `app` into `dist`, with `index.html` the page to open. */
const BUNDLERS = {
  async vite(app, dist) {
    await viteBuild({
      root: app,
      configFile: false,
      logLevel: "silent",
      build: { outDir: dist, emptyOutDir: true },
    });
  },
  async webpack(app, dist) {
    const compiler = webpack({
      mode: "production",
      context: app,
      entry: "./main.js",
      output: { path: dist, clean: true },
      target: "web",
      // The module is one 2 MiB asset by design; no advice about it.
      performance: { hints: false },
      infrastructureLogging: { level: "error" },
    });
    const stats = await new Promise((resolve, reject) =>
      compiler.run((error, result) => (error ? reject(error) : resolve(result))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
    assert.deepEqual([...errors, ...warnings].map((problem) => problem.message), []);
    writeFileSync(join(dist, "index.html"), page(`<script src="./main.js"></script>`));
  },
};

/** An app in `dir` with the package installed as npm installs it: the files its
 * package.json lists, copied into the app's node_modules. The fixtures are a static
 * file of the app (`public/`, which Vite serves and copies into its build). */
function writeApp(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "public"), { recursive: true });
  writeFileSync(join(dir, "main.js"), main);
  writeFileSync(join(dir, "index.html"), page(`<script type="module" src="./main.js"></script>`));
  copyFileSync(join(here, "suite.mjs"), join(dir, "suite.mjs"));
  copyFileSync(fixturesPath, join(dir, "public/fixtures.json"));
  const installed = join(dir, "node_modules/deskguard");
  const { files } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  for (const file of ["package.json", ...files]) {
    mkdirSync(dirname(join(installed, file)), { recursive: true });
    copyFileSync(join(pkgDir, file), join(installed, file));
  }
}

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(dir.length + 1));

for (const [name, bundle] of Object.entries(BUNDLERS)) {
  test(name, async (t) => {
    const app = join(workDir, `${name}-app`);
    const dist = join(workDir, `${name}-dist`);
    writeApp(app);
    await bundle(app, dist);

    await t.test("emits the module as an asset, unchanged", () => {
      const files = filesUnder(dist);
      const modules = files.filter((file) => file.endsWith(".wasm"));
      assert.equal(modules.length, 1, `expected one .wasm in the build, got ${files}`);
      assert.ok(readFileSync(join(dist, modules[0])).equals(wasm), "the emitted .wasm differs from the package's");
      const assetName = modules[0].split(sep).pop();
      const code = files.filter((file) => file.endsWith(".js")).map((file) => readFileSync(join(dist, file), "utf8"));
      assert.ok(code.some((text) => text.includes(assetName)), `no script refers to ${assetName}`);
    });

    const server = await serve((path) => {
      if (path === "/fixtures.json") return fixturesPath;
      const file = normalize(join(dist, path === "/" ? "index.html" : path));
      return file.startsWith(dist + sep) ? file : undefined;
    });
    t.after(() => server.close());
    await report(t, await pageResults(t, `http://127.0.0.1:${server.address().port}/`));
  });
}

test("vite dev server", async (t) => {
  const app = join(workDir, "vite-dev-app");
  writeApp(app);
  const server = await viteServer({
    root: app,
    configFile: false,
    logLevel: "silent",
    server: { host: "127.0.0.1", port: 0, strictPort: false },
  });
  await server.listen();
  t.after(() => server.close());
  await report(t, await pageResults(t, server.resolvedUrls.local[0]));
});
