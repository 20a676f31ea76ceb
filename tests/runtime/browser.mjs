// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
// playwright-core (which never downloads a browser of its own), and a static server
// on 127.0.0.1 for the page it loads.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { chromium } from "playwright-core";

/** The flags that keep Chromium from reaching for the network on this machine. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/**
 * Serves on 127.0.0.1, on a free port, what `route(pathname)` names: a file's path,
 * `{ body, type }`, or nothing (404). Resolves to the listening server.
 */
export function serve(route) {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, "http://127.0.0.1").pathname;
    try {
      const target = route(path);
      if (target === undefined) throw new Error("not served");
      const { body, type } =
        typeof target === "string"
          ? { body: await readFile(target), type: TYPES[extname(target)] ?? "application/octet-stream" }
          : target;
      response.writeHead(200, { "content-type": type }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * Opens `url` in a fresh headless Chromium (a new profile, removed afterwards) and
 * resolves to the `window.results` the page sets. Fails on any uncaught error or
 * console error in the page, and when the page has set nothing after a minute.
 */
export async function pageResults(t, url) {
  const profile = mkdtempSync(join(tmpdir(), "deskguard-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(String(error)));
  tab.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  await tab.goto(url);
  await tab.waitForFunction(() => window.results !== undefined, null, { timeout: 60_000 }).catch(() => {
    throw new Error(`the page never finished: ${errors.join("\n")}`);
  });
  const results = await tab.evaluate(() => window.results);
  assert.deepStrictEqual(errors, []);
  return results;
}
