// The fixture set every runtime test compares against, made once per test run:
// every example request in policies/examples/ under the two configurations, with the
// verdict the native CLI prints for it; tickets with the CLI's screening; the incident
// events of tests/fixtures/ with the CLI's alerts and saved state; notices with the
// CLI's report; the validator's labeled corpus with the CLI's reports. `node
// fixtures.mjs` writes it to target/runtime-tests/fixtures.json
// (scripts/test-runtimes.sh does this first); the tests only read it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const workDir = `${root}target/runtime-tests/`;
export const fixturesPath = `${workDir}fixtures.json`;
// The CLI of `cargo build --release`, wherever CARGO_TARGET_DIR puts it.
const cli = `${resolve(root, process.env.CARGO_TARGET_DIR ?? "target")}/release/deskguard`;
const agentazPath = "policies/resolution-agent.agentaz.json";

const CLI_ARGS = {
  "a2-suggest": [],
  "agentaz-auto": ["--contract", agentazPath, "--mode", "auto"],
};

/** The codes and triggers as declared in src/codes.rs, in order. */
function registry() {
  const source = readFileSync(`${root}src/codes.rs`, "utf8");
  const split = source.indexOf("pub enum Trigger");
  const names = (text) => [...text.matchAll(/^\s*\w+ => "([A-Za-z_]+)",$/gm)].map((m) => m[1]);
  return { codes: names(source.slice(0, split)), triggers: names(source.slice(split)) };
}

/** Tickets to screen: a ticket (or a request-shaped `{ ticket, now }`) and `now`. */
const SCREEN_CASES = [
  // Tier 2 with a 2-business-hour SLA on a Friday afternoon: due Monday morning.
  { name: "task stuck on a Friday", ticket: { id: "T-9", subject: "Task stuck", body: "The agent stopped halfway", customer: { id: "C-1" } }, now: "2026-06-05T16:00:00Z" },
  // A hard trigger: a human takes it without a model call.
  { name: "legal language", ticket: { subject: "Lawsuit", body: "Our attorney will call you about the invoice" }, now: "2026-06-01T10:00:00Z" },
  { name: "enterprise refund", ticket: { subject: "Refund please", body: "Refund my last order", customer: { id: "E-1", tier: "enterprise", verified: true } }, now: "2026-06-06T09:30:00+02:00" },
  { name: "no category phrase", ticket: { subject: "hello", body: "" }, now: "2026-12-24T23:59:59Z" },
  // The blueprint's short-circuits: an auto-reply, and obvious spam (two spam phrases).
  { name: "auto-reply", ticket: { subject: "Automatic reply: invoice", body: "I am out of the office until Monday." }, now: "2026-06-01T10:00:00Z" },
  { name: "obvious spam", ticket: { subject: "Partnership", body: "We are an SEO agency: backlinks that put you on the first page of Google." }, now: "2026-06-01T10:00:00Z" },
  // The request form: its own `now` is used when none is passed.
  { name: "request with now", ticket: { ticket: { subject: "Password reset", body: "I cannot log in" }, now: "2026-03-29T00:30:00Z" } },
];

const NOTICE_CASES = [
  { name: "playbook template", file: "tests/fixtures/notice-good.txt", options: {}, args: [] },
  { name: "every do-not rule", file: "tests/fixtures/notice-bad.txt", options: {}, args: [] },
  {
    name: "fix time confirmed, not a quality incident",
    file: "tests/fixtures/notice-bad.txt",
    options: { fix_time_confirmed: true, quality_incident: false },
    args: ["--fix-time-confirmed", "--not-quality-incident"],
  },
  { name: "nothing but an apology", text: "We are sorry for the trouble.", options: {}, args: [] },
];

const EVENTS_PATH = "tests/fixtures/incident-events.jsonl";
const INCIDENT_CONFIG_PATH = "tests/fixtures/incident-config.json";

function run(args, input) {
  return execFileSync(cli, args, { cwd: root, encoding: "utf8", input });
}

function screenings() {
  return SCREEN_CASES.map(({ name, ticket, now }) => {
    const args = ["screen", "--compact", ...(now ? ["--now", now] : []), "-"];
    return { name, ticket, now: now ?? null, expected: JSON.parse(run(args, JSON.stringify(ticket))) };
  });
}

function incidents() {
  const eventsText = readFileSync(`${root}${EVENTS_PATH}`, "utf8");
  const events = eventsText.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
  const lines = (text) => text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
  const dir = mkdtempSync(join(tmpdir(), "deskguard-fixtures-"));
  try {
    const statePath = join(dir, "state.json");
    const alerts = lines(run(["incident", "--save-state", statePath, EVENTS_PATH]));
    const state = JSON.parse(readFileSync(statePath, "utf8"));
    const config = JSON.parse(readFileSync(`${root}${INCIDENT_CONFIG_PATH}`, "utf8"));
    const configured = lines(run(["incident", "--config", INCIDENT_CONFIG_PATH, EVENTS_PATH]));
    return { events, alerts, state, config, configured };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function notices() {
  return NOTICE_CASES.map(({ name, file, text, options, args }) => {
    const notice = text ?? readFileSync(`${root}${file}`, "utf8");
    const expected = JSON.parse(run(["notice", "--compact", ...args, "-"], notice));
    return { name, text: notice, options, expected };
  });
}

/** The response validator's labeled corpus (tests/corpus/*.json), each case with the
 * CLI's whole report: the context as tests/corpus.rs builds it (the named context,
 * with the case's turn). */
function corpus() {
  const dir = mkdtempSync(join(tmpdir(), "deskguard-corpus-"));
  try {
    const files = readdirSync(`${root}tests/corpus`).filter((f) => f.endsWith(".json")).sort();
    const cases = [];
    for (const file of files) {
      const { contexts, cases: labeled } = JSON.parse(readFileSync(`${root}tests/corpus/${file}`, "utf8"));
      for (const { name, text, context: contextName, turn } of labeled) {
        const context = { ...(contextName ? contexts[contextName] : {}) };
        delete context.turn;
        if (turn !== undefined && turn !== null) context.turn = turn;
        const contextPath = join(dir, "context.json");
        writeFileSync(contextPath, JSON.stringify(context));
        const expected = JSON.parse(run(["validate-reply", "--compact", "--context", contextPath, "-"], text));
        cases.push({ name: `${file} ${name}`, text, context, expected });
      }
    }
    return cases;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeFixtures() {
  if (!existsSync(cli)) {
    throw new Error(`${cli} is missing: run \`make build\` first`);
  }
  const cases = [];
  const examples = readdirSync(`${root}policies/examples`).filter((f) => f.endsWith(".json")).sort();
  for (const file of examples) {
    const path = `policies/examples/${file}`;
    const requestText = readFileSync(`${root}${path}`, "utf8");
    for (const [config, args] of Object.entries(CLI_ARGS)) {
      const output = execFileSync(cli, ["check", "--compact", ...args, path], { cwd: root, encoding: "utf8" });
      cases.push({ name: file, config, request: JSON.parse(requestText), requestText, expected: JSON.parse(output) });
    }
  }
  const cargo = readFileSync(`${root}Cargo.toml`, "utf8");
  const version = cargo.match(/^version = "([^"]+)"/m)[1];
  const fixtures = {
    cases,
    contracts: { agentaz: readFileSync(`${root}${agentazPath}`, "utf8") },
    version,
    ...registry(),
    screenings: screenings(),
    incident: incidents(),
    notices: notices(),
    corpus: corpus(),
  };
  mkdirSync(workDir, { recursive: true });
  writeFileSync(fixturesPath, JSON.stringify(fixtures));
  return fixtures;
}

export function loadFixtures() {
  if (!existsSync(fixturesPath)) {
    throw new Error(`${fixturesPath} is missing: run \`node tests/runtime/fixtures.mjs\` first`);
  }
  return JSON.parse(readFileSync(fixturesPath, "utf8"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fixtures = makeFixtures();
  console.log(`fixtures: ${fixtures.cases.length} cases from the CLI -> ${fixturesPath}`);
}
