// The simulate-run preview and the draft checker, on the real engine in WebAssembly.
import { ready } from "./deskguard.js";
import { SAMPLES } from "./samples.js";

const $ = (id) => document.getElementById(id);
const ASSETS = "../policies/";

const state = {
  deskguard: null,
  engine: null,
  engineKey: "",
  contracts: {},
  defaultPolicy: "",
  samples: new Map(),
};

// ---- small helpers -------------------------------------------------------------

function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

async function fetchText(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.text();
}

function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Where a JSON.parse failure is, as "line L, column C" (V8 reports a position). */
function jsonErrorLocation(text, error) {
  const lineColumn = /line (\d+) column (\d+)/.exec(error.message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /position (\d+)/.exec(error.message);
  const offset = position ? Number(position[1]) : text.length;
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Parses a textarea as JSON; shows "line:column: message" under it on failure. */
function readJson(id, { allowText = false } = {}) {
  const area = $(id);
  const errorBox = $(`${id}-error`);
  const text = area.value;
  errorBox.textContent = "";
  area.removeAttribute("aria-invalid");
  if (allowText && !text.trim().startsWith("{")) return text.trim();
  try {
    return JSON.parse(text);
  } catch (error) {
    const { line, column } = jsonErrorLocation(text, error);
    errorBox.textContent = `${line}:${column}: ${error.message}`;
    area.setAttribute("aria-invalid", "true");
    throw new Error(`${id} is not valid JSON`);
  }
}

/** Spans are UTF-8 byte ranges; JS strings index UTF-16 units. */
function byteToUtf16Index(text) {
  const map = new Map();
  let bytes = 0;
  let units = 0;
  for (const ch of text) {
    map.set(bytes, units);
    bytes += new TextEncoder().encode(ch).length;
    units += ch.length;
  }
  map.set(bytes, units);
  return (offset) => map.get(offset) ?? units;
}

/** Renders `text` with every span-carrying finding highlighted; focus or hover shows it. */
function highlight(container, text, findings) {
  container.replaceChildren();
  const toIndex = byteToUtf16Index(text);
  const ranges = findings
    .filter((f) => f.span)
    .map((f) => ({ start: toIndex(f.span.start), end: toIndex(f.span.end), finding: f }));
  const cuts = new Set([0, text.length]);
  for (const r of ranges) { cuts.add(r.start); cuts.add(r.end); }
  const points = [...cuts].sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const [from, to] = [points[i], points[i + 1]];
    const piece = text.slice(from, to);
    const covering = ranges.filter((r) => r.start <= from && to <= r.end && r.start < r.end);
    if (covering.length === 0) {
      container.append(piece);
      continue;
    }
    const tip = covering.map((r) => `${r.finding.code}: ${r.finding.message}`).join("\n");
    const severity = covering.some((r) => r.finding.severity === "block") ? "block" : "warn";
    container.append(element("mark", {
      class: `finding ${severity}`, tabindex: 0, title: tip, "data-tip": tip,
      "data-codes": covering.map((r) => r.finding.code).join(" "), "aria-label": `${piece} — ${tip}`,
    }, piece));
  }
}

// ---- the engine ----------------------------------------------------------------

function selectedMode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

/** Rebuilds the engine when the policy, contract or mode changed; shows load errors. */
function currentEngine() {
  const policy = $("policy").value;
  const contract = $("contract").value;
  const mode = selectedMode();
  const key = JSON.stringify([policy, contract, mode]);
  if (state.engine && key === state.engineKey) return state.engine;
  $("policy-error").textContent = "";
  $("contract-error").textContent = "";
  try {
    const engine = new state.deskguard.Engine({ policy, contract, mode });
    state.engine?.free();
    state.engine = engine;
    state.engineKey = key;
    const tier = state.deskguard.computeTier(contract);
    $("tier").textContent = `Contract declares ${tier.declared}; its tool boundary computes band ${tier.computed}` +
      (tier.computable ? "" : " (not computable for this shape)") + (tier.agrees ? "." : " — they disagree.");
    return engine;
  } catch (error) {
    const target = error.message.startsWith("contract") ? "contract-error" : "policy-error";
    $(target).textContent = `${error.code ?? "ERROR"}: ${error.message}`;
    state.engine = null;
    state.engineKey = "";
    throw error;
  }
}

// ---- simulate run ----------------------------------------------------------------

function loadSample(file) {
  const sample = SAMPLES.find((s) => s.file === file);
  const request = state.samples.get(file);
  $("sample-about").textContent = sample.about;
  const { ticket, context, decision, ...rest } = request;
  $("ticket").value = JSON.stringify(ticket, null, 2);
  $("context").value = JSON.stringify(context, null, 2);
  $("decision").value = typeof decision === "string" ? decision : JSON.stringify(decision, null, 2);
  $("trace").value = JSON.stringify(rest, null, 2);
  document.querySelector(`input[name="mode"][value="${sample.mode}"]`).checked = true;
  $("contract-choice").value = sample.contract;
  $("contract").value = state.contracts[sample.contract];
  for (const id of ["ticket", "context", "decision", "trace"]) $(`${id}-error`).textContent = "";
}

/** Times `engine.check` over enough runs for a stable per-call figure in µs. */
function timedCheck(engine, request) {
  let verdict = engine.check(request);
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < 25 && runs < 2000) {
    verdict = engine.check(request);
    runs++;
    elapsed = performance.now() - start;
  }
  return { verdict, micros: (elapsed * 1000) / Math.max(runs, 1) };
}

function run() {
  let request;
  try {
    const extra = readJson("trace");
    request = { ticket: readJson("ticket"), context: readJson("context"), decision: readJson("decision", { allowText: true }), ...extra };
  } catch {
    renderMessage("Fix the JSON errors shown under the inputs.");
    return;
  }
  let engine;
  try {
    engine = currentEngine();
  } catch {
    renderMessage("The policy or contract does not load: see the error under it.");
    return;
  }
  const { verdict, micros } = timedCheck(engine, request);
  renderVerdict(verdict, request, micros);
}

function renderMessage(text) {
  $("result").replaceChildren(element("p", { class: "error", role: "alert" }, text));
}

const DECISION_LABEL = { AUTO_RESOLVE: "Auto-resolve", DRAFT: "Draft", ROUTE: "Route", ESCALATE: "Escalate" };

function renderVerdict(verdict, request, micros) {
  const out = $("result");
  out.replaceChildren();
  const badge = element("span", { class: `badge ${verdict.decision.toLowerCase()}`, "data-decision": verdict.decision },
    DECISION_LABEL[verdict.decision] ?? verdict.decision);
  out.append(element("div", { class: "verdict-head" },
    badge,
    element("span", { class: "muted" },
      verdict.proposed ? `proposed ${verdict.proposed}${verdict.downgraded ? " — downgraded" : ""}` : "the decision could not be read"),
    element("span", { class: "timing", "data-micros": micros.toFixed(1) }, `check took ${micros.toFixed(1)} µs`)));

  const blocking = verdict.violations.filter((v) => v.severity === "block");
  if (blocking.length > 0 || verdict.escalation.triggers.length > 0) {
    out.append(element("h2", {}, "Why"));
    out.append(element("ul", { class: "violations", id: "verdict-violations" },
      verdict.violations.map((v) => element("li", { class: v.severity, "data-code": v.code },
        element("code", {}, v.code), " ", v.message, v.field ? element("span", { class: "muted" }, ` (${v.field})`) : null))));
  } else if (verdict.violations.length > 0) {
    out.append(element("ul", { class: "violations", id: "verdict-violations" },
      verdict.violations.map((v) => element("li", { class: v.severity, "data-code": v.code }, element("code", {}, v.code), " ", v.message))));
  }

  const escalation = verdict.escalation;
  out.append(element("h2", {}, "Escalation"));
  out.append(element("p", {},
    escalation.needed ? "A human takes over: " : escalation.queue ? "Routed: " : "Stays with the agent. ",
    escalation.queue ? element("strong", {}, escalation.queue) : null,
    escalation.queue ? ` · priority ${escalation.priority}` : ""));
  if (escalation.details.length > 0) {
    out.append(element("ul", { class: "chips", id: "verdict-triggers" },
      escalation.details.map((hit) => element("li", { class: "chip", "data-trigger": hit.trigger, title: hit.message, tabindex: 0 },
        hit.trigger))));
  }

  out.append(element("h2", {}, "Actions"));
  const rows = [
    ...verdict.allowed.map((a) => ({ tool: a.tool, args: a.args, outcome: a.mode === "execute" ? "execute" : "needs approval", cls: a.mode, why: a.note ?? "" })),
    ...verdict.blocked.map((b) => ({ tool: b.tool, args: b.args, outcome: `blocked ${b.code}`, cls: "blocked", why: b.message })),
  ];
  if (rows.length === 0) out.append(element("p", { class: "muted" }, "No actions."));
  else out.append(element("table", { class: "actions-table", id: "verdict-actions" },
    element("thead", {}, element("tr", {}, element("th", { scope: "col" }, "Tool"), element("th", { scope: "col" }, "Arguments"),
      element("th", { scope: "col" }, "Outcome"), element("th", { scope: "col" }, "Why"))),
    element("tbody", {}, rows.map((r) => element("tr", { class: r.cls },
      element("td", {}, element("code", {}, r.tool)), element("td", {}, element("code", { class: "args" }, JSON.stringify(r.args))),
      element("td", { class: "outcome" }, r.outcome), element("td", {}, r.why))))));

  const reply = typeof request.decision === "object" && request.decision ? request.decision.customer_reply ?? "" : "";
  if (reply) {
    out.append(element("h2", {}, "Customer reply"));
    const box = element("div", { class: "reply", id: "verdict-reply", tabindex: 0 });
    const onReply = verdict.violations.filter((v) => v.span && (v.field === "decision.customer_reply" || v.field === "customer_reply"));
    highlight(box, reply, onReply);
    out.append(box);
    out.append(element("h2", {}, "Redacted reply"));
    out.append(element("pre", { class: "reply", id: "verdict-redacted" }, verdict.reply?.redacted ?? "(nothing to redact)"));
  }

  const cost = verdict.cost;
  out.append(element("h2", {}, "Cost"));
  const share = cost.limit_usd ? Math.min(cost.usd / cost.limit_usd, 1) : 0;
  out.append(element("div", { class: "cost" },
    element("meter", { min: 0, max: cost.limit_usd ?? 1, value: cost.usd, high: (cost.limit_usd ?? 1) * 0.7, "aria-label": "cost against the cap" }),
    ` ${cost.usd} USD of ${cost.limit_usd ?? "no"} USD cap${cost.alert ? " — over the alert threshold" : ""}`,
    element("span", { class: "sr-only" }, ` (${Math.round(share * 100)}%)`)));
}

// ---- draft checker ---------------------------------------------------------------

function checkDraft() {
  const text = $("draft").value;
  const request = state.samples.get($("draft-sample").value);
  const status = $("draft-status");
  if (!state.engine || typeof state.engine.validateReply !== "function") {
    status.textContent = "This build of the engine has no reply validator.";
    return;
  }
  const started = performance.now();
  // A check request is a valid reply context: its KB, CRM, orders, ticket and turn.
  const report = state.engine.validateReply(text, request);
  const micros = (performance.now() - started) * 1000;
  highlight($("draft-highlight"), text, report.violations);
  $("draft-violations").replaceChildren(...report.violations.map((v) =>
    element("li", { class: v.severity, "data-code": v.code }, element("code", {}, v.code), " ", v.message)));
  $("draft-redacted").textContent = report.redacted;
  status.textContent = report.violations.length === 0
    ? `No findings (${micros.toFixed(0)} µs).`
    : `${report.violations.length} finding${report.violations.length === 1 ? "" : "s"} (${micros.toFixed(0)} µs).`;
}

function loadDraftSample(file) {
  const request = state.samples.get(file);
  const decision = request.decision;
  $("draft").value = typeof decision === "object" && decision ? decision.customer_reply ?? "" : "";
  checkDraft();
}

// ---- wiring ----------------------------------------------------------------------

function selectTab(which) {
  for (const [tab, panel] of [["tab-simulate", "panel-simulate"], ["tab-draft", "panel-draft"]]) {
    const selected = tab === which;
    $(tab).setAttribute("aria-selected", String(selected));
    $(tab).tabIndex = selected ? 0 : -1;
    $(panel).hidden = !selected;
  }
}

async function main() {
  const [deskguard, policy, a2, a3, ...samples] = await Promise.all([
    ready,
    fetchText(`${ASSETS}support-agent.yaml`),
    fetchText(`${ASSETS}agentaz.json`),
    fetchText(`${ASSETS}resolution-agent.agentaz.json`),
    ...SAMPLES.map((s) => fetchText(`${ASSETS}examples/${s.file}`)),
  ]);
  state.deskguard = deskguard;
  state.defaultPolicy = policy;
  state.contracts = { "agentaz.json": a2, "resolution-agent.agentaz.json": a3 };
  SAMPLES.forEach((s, i) => state.samples.set(s.file, JSON.parse(samples[i])));

  for (const select of [$("sample"), $("draft-sample")]) {
    select.replaceChildren(...SAMPLES.map((s) => element("option", { value: s.file }, s.title)));
  }
  $("policy").value = policy;
  $("engine-status").textContent = `Engine ${deskguard.version()} ready.`;
  document.body.dataset.ready = "true";

  $("sample").addEventListener("change", (e) => { loadSample(e.target.value); run(); });
  $("contract-choice").addEventListener("change", (e) => {
    if (e.target.value !== "custom") $("contract").value = state.contracts[e.target.value];
  });
  $("contract").addEventListener("input", () => { $("contract-choice").value = "custom"; });
  const recompile = debounce(() => { try { currentEngine(); } catch { /* shown under the field */ } }, 300);
  $("policy").addEventListener("input", recompile);
  $("contract").addEventListener("input", recompile);
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener("change", recompile);
  $("inputs").addEventListener("submit", (e) => { e.preventDefault(); run(); });
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); }
  });
  $("tab-simulate").addEventListener("click", () => selectTab("tab-simulate"));
  $("tab-draft").addEventListener("click", () => { selectTab("tab-draft"); checkDraft(); });
  for (const tab of [$("tab-simulate"), $("tab-draft")]) {
    tab.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        const other = tab.id === "tab-simulate" ? "tab-draft" : "tab-simulate";
        selectTab(other);
        $(other).focus();
      }
    });
  }
  $("draft").addEventListener("input", debounce(checkDraft, 200));
  $("draft-sample").addEventListener("change", (e) => loadDraftSample(e.target.value));

  loadSample(SAMPLES[0].file);
  currentEngine();
  run();
  // The draft checker opens on the PII sample, with that sample's context.
  $("draft-sample").value = SAMPLES[6].file;
  loadDraftSample(SAMPLES[6].file);
}

main().catch((error) => {
  $("engine-status").textContent = `The engine failed to load: ${error.message}`;
  document.body.dataset.ready = "error";
});
