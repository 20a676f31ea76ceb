// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) loads a
// page from 127.0.0.1 that imports the package through an import map pointing at its
// "browser" entry, runs the suite in the page and hands back the results.
import test from "node:test";
import { readFileSync } from "node:fs";
import { join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { pageResults, serve } from "./browser.mjs";
import { fixturesPath } from "./fixtures.mjs";
import { report } from "./report.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const pkgDir = join(here, "node_modules/deskguard");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const entry = pkg.exports["."].browser.default.replace(/^\.\//, "");

const page = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>deskguard in the browser</title>
<script type="importmap">{ "imports": { "deskguard": "/deskguard/${entry}" } }</script>
<script type="module">
  import * as deskguard from "deskguard";
  import { runSuite } from "/suite.mjs";
  const fixtures = await (await fetch("/fixtures.json")).json();
  window.results = runSuite(deskguard, fixtures);
</script>`;

function route(path) {
  if (path === "/") return { body: page, type: "text/html" };
  if (path === "/suite.mjs") return join(here, "suite.mjs");
  if (path === "/fixtures.json") return fixturesPath;
  if (path.startsWith("/deskguard/")) {
    const file = normalize(join(pkgDir, path.slice("/deskguard/".length)));
    return file.startsWith(pkgDir + sep) ? file : undefined;
  }
  return undefined;
}

test("chromium", async (t) => {
  const server = await serve(route);
  t.after(() => server.close());
  await report(t, await pageResults(t, `http://127.0.0.1:${server.address().port}/`));
});
