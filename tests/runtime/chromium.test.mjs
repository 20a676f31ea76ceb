// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) loads a
// page from 127.0.0.1 that imports the package through an import map pointing at its
// "browser" entry, runs the suite in the page and hands back the results.
import test from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
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

const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

function serve() {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, "http://127.0.0.1").pathname;
    let file;
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html" }).end(page);
      return;
    } else if (path === "/suite.mjs") file = join(here, "suite.mjs");
    else if (path === "/fixtures.json") file = fixturesPath;
    else if (path.startsWith("/deskguard/")) {
      file = normalize(join(pkgDir, path.slice("/deskguard/".length)));
      if (!file.startsWith(pkgDir + sep)) file = undefined;
    }
    try {
      if (!file) throw new Error("not served");
      const body = await readFile(file);
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("chromium", async (t) => {
  const server = await serve();
  const profile = mkdtempSync(join(tmpdir(), "deskguard-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    // The flags that keep Chromium from reaching for the network on this machine.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  t.after(async () => {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(String(error)));
  tab.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.results !== undefined || false, null, { timeout: 60_000 }).catch(() => {
    throw new Error(`the page never finished: ${errors.join("\n")}`);
  });
  const results = await tab.evaluate(() => window.results);
  assert.deepStrictEqual(errors, []);
  await report(t, results);
});
