// workerd (the binary from npm @cloudflare/workerd-linux-64) serves a worker that
// imports the package; the test posts every fixture to it on 127.0.0.1 and compares
// the verdicts with the CLI's.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadFixtures, root } from "./fixtures.mjs";
import { report } from "./report.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const workerd = join(here, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const pkgDir = join(here, "node_modules/deskguard");

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Every file the "workerd" entry loads, found by following its relative imports. */
function packageModules() {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const entry = pkg.exports["."].workerd.default.replace(/^\.\//, "");
  const modules = [];
  const visit = (file) => {
    if (modules.some((m) => m.file === file)) return;
    modules.push({ file });
    if (!file.endsWith(".js")) return;
    const source = readFileSync(join(pkgDir, file), "utf8");
    for (const [, spec] of source.matchAll(/from\s+"(\.[^"]+)"/g)) {
      visit(join(file, "..", spec).replace(/^\.\//, ""));
    }
  };
  visit(entry);
  return { entry, modules };
}

async function startWorkerd(dir) {
  const { entry, modules } = packageModules();
  const lines = [];
  const add = (name, kind, file) => {
    const copy = `m${lines.length}-${file.replaceAll("/", "_")}`;
    copyFileSync(file.startsWith("/") ? file : join(pkgDir, file), join(dir, copy));
    lines.push(`(name = "${name}", ${kind} = embed "${copy}")`);
  };
  add("worker.mjs", "esModule", join(here, "workerd/worker.mjs"));
  add("suite.mjs", "esModule", join(here, "suite.mjs"));
  add("resolution-agent.agentaz.json", "text", join(root, "policies/resolution-agent.agentaz.json"));
  // The bare specifier "deskguard" names the package's workerd entry; its relative
  // imports resolve against that name, so the other files keep their package paths.
  add("deskguard", "esModule", entry);
  for (const { file } of modules.filter((m) => m.file !== entry)) {
    add(file, file.endsWith(".wasm") ? "wasm" : "esModule", file);
  }
  const port = await freePort();
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${lines.join(",\n    ")}],
  compatibilityDate = "2025-01-01",
);
`,
  );
  const child = spawn(workerd, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited ${child.exitCode}: ${log}`);
    try {
      await fetch(`${base}/`);
      return { child, base, log: () => log };
    } catch {
      if (Date.now() > deadline) throw new Error(`workerd did not listen: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test("workerd", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "deskguard-workerd-"));
  const server = await startWorkerd(dir);
  t.after(() => {
    server.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });
  const fixtures = loadFixtures();
  const post = async (path, body) => {
    const response = await fetch(`${server.base}${path}`, { method: "POST", body });
    const text = await response.text();
    assert.equal(response.status, 200, `${path}: ${text}\n${server.log()}`);
    return JSON.parse(text);
  };

  await t.test("POST /check and /check-json answer the CLI's verdicts", async (t) => {
    for (const { name, config, requestText, expected } of fixtures.cases) {
      await t.test(`${config} ${name}`, async () => {
        assert.deepStrictEqual(await post(`/check?config=${config}`, requestText), expected);
        assert.deepStrictEqual(await post(`/check-json?config=${config}`, requestText), expected);
      });
    }
  });

  await t.test("a malformed body is an ESCALATE verdict", async () => {
    const verdict = await post("/check-json", '{"ticket": {"turn": "two"}}');
    assert.equal(verdict.decision, "ESCALATE");
    assert.equal(verdict.violations[0].code, "REQUEST_INVALID");
  });

  await t.test("the shared suite inside the worker", async (t) => {
    await report(t, await post("/suite", JSON.stringify(fixtures)));
  });
});
