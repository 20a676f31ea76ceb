// The simulate-run preview (www/) in headless Chromium: every sample gives the CLI's
// decision and codes, a broken policy shows its line, the draft checker highlights a
// card number as it is typed, and no request leaves the page's own origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "../runtime/node_modules/playwright-core/index.mjs";
import { CHROMIUM_FLAGS } from "../runtime/browser.mjs";
import { serve } from "../../www/serve.mjs";
import { SAMPLES } from "../../www/samples.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = JSON.parse(readFileSync(`${root}/target/runtime-tests/fixtures.json`, "utf8"));
// The runtime fixtures hold the CLI's verdicts for two set-ups: the blueprint's A2
// contract in suggest mode, and the A3 resolution-agent contract in auto mode.
const configOf = (sample) =>
  sample.contract === "agentaz.json" && sample.mode === "suggest" ? "a2-suggest" : "agentaz-auto";

let server;
let browser;
let page;
let origin;
const external = [];

before(async () => {
  server = await serve(0);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_FLAGS,
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("request", (request) => {
    if (!request.url().startsWith(`${origin}/`)) external.push(request.url());
  });
  await page.goto(`${origin}/www/`);
  await page.waitForSelector("body[data-ready]", { timeout: 30000 });
  assert.equal(await page.getAttribute("body", "data-ready"), "true");
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("every sample shows the CLI's decision and codes", async () => {
  for (const sample of SAMPLES) {
    const config = configOf(sample);
    const expected = fixtures.cases.find((c) => c.name === sample.file && c.config === config);
    assert.ok(expected, `no CLI fixture for ${sample.file} (${config})`);
    await page.selectOption("#sample", sample.file);
    await page.waitForFunction((decision) => document.querySelector(".badge")?.dataset.decision === decision,
      expected.expected.decision, { timeout: 5000 });
    const shown = await page.$$eval("#verdict-violations li", (items) => items.map((li) => li.dataset.code));
    assert.deepEqual(shown, expected.expected.violations.map((v) => v.code), sample.file);
  }
});

test("a broken policy shows its error with the line", async () => {
  await page.click("#rules summary");
  const policy = await page.inputValue("#policy");
  await page.fill("#policy", `${policy}\nthresholds: [\n`);
  await page.waitForFunction(() => document.querySelector("#policy-error").textContent.length > 0, null, { timeout: 5000 });
  const error = await page.textContent("#policy-error");
  assert.match(error, /^(YAML_SYNTAX|POLICY_INVALID): policy:\d+:\d+: /);
  await page.fill("#policy", policy);
  await page.waitForFunction(() => document.querySelector("#policy-error").textContent === "", null, { timeout: 5000 });
});

test("the draft checker highlights a card number as it is typed", async () => {
  mkdirSync(`${root}/docs/screenshots`, { recursive: true });
  await page.selectOption("#sample", SAMPLES[0].file);
  await page.screenshot({ path: `${root}/docs/screenshots/simulate-run.png` });
  await page.click("#tab-draft");
  await page.selectOption("#draft-sample", SAMPLES[1].file);
  await page.fill("#draft", "");
  await page.type("#draft", "Your card 4242 4242 4242 4242 is refunded.", { delay: 5 });
  await page.waitForSelector('#draft-highlight mark[data-codes~="PII_CARD"]', { timeout: 5000 });
  const marked = await page.textContent('#draft-highlight mark[data-codes~="PII_CARD"]');
  assert.equal(marked, "4242 4242 4242 4242");
  assert.equal(await page.textContent("#draft-redacted"), "Your card •••• •••• •••• 4242 is refunded.");
  await page.screenshot({ path: `${root}/docs/screenshots/draft-checker.png` });
});

test("nothing leaves the page", () => {
  assert.deepEqual(external, []);
});
