// The checks every runtime runs against the package, written once with no runtime
// API: Node, Deno, workerd and Chromium each import this file, pass in the package
// and the fixture set (see fixtures.mjs), and report the results back to the Node
// test that started them.
//
// fixtures: { cases: [{ name, config, request, requestText, expected }], contracts }
// where config is "a2-suggest" (embedded defaults) or "agentaz-auto" (the resolution
// agent's A3 contract, mode auto), and `expected` is the native CLI's JSON.

export const CONFIGS = ["a2-suggest", "agentaz-auto"];

export function engineOptions(config, contracts) {
  return config === "agentaz-auto" ? { contract: contracts.agentaz, mode: "auto" } : {};
}

/** Structural equality of JSON data, with the first difference as a path. */
export function difference(actual, expected, path = "$") {
  if (Object.is(actual, expected)) return null;
  if (typeof actual !== typeof expected || actual === null || expected === null) {
    return `${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`;
  }
  if (Array.isArray(actual) !== Array.isArray(expected)) return `${path}: array vs object`;
  if (typeof actual !== "object") {
    return `${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`;
  }
  if (Object.getPrototypeOf(actual) !== Object.prototype && !Array.isArray(actual)) {
    return `${path}: not a plain object`;
  }
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const key of keys) {
    if (!(key in actual)) return `${path}.${key}: missing`;
    if (!(key in expected)) return `${path}.${key}: unexpected`;
    const found = difference(actual[key], expected[key], `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

function thrown(run) {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception, none was thrown");
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs every check; returns [{ name, ok, message }] and never throws. */
export function runSuite(deskguard, fixtures) {
  const results = [];
  const test = (name, body) => {
    try {
      body();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, message: String(error?.stack ?? error) });
    }
  };
  const { Engine } = deskguard;
  const engines = new Map();
  const engine = (config) => {
    if (!engines.has(config)) {
      engines.set(config, new Engine(engineOptions(config, fixtures.contracts)));
    }
    return engines.get(config);
  };

  for (const { name, config, request, requestText, expected } of fixtures.cases) {
    test(`${config} ${name}: check() deep-equals the CLI`, () => {
      const found = difference(engine(config).check(request), expected);
      check(found === null, found);
    });
    test(`${config} ${name}: checkJson() deep-equals the CLI`, () => {
      const text = engine(config).checkJson(requestText);
      check(typeof text === "string", "checkJson returns text");
      const found = difference(JSON.parse(text), expected);
      check(found === null, found);
    });
  }

  test("engine mode follows the options", () => {
    check(engine("a2-suggest").mode === "suggest", "default mode is suggest");
    check(engine("agentaz-auto").mode === "auto", "mode option applies");
  });

  test("bad policy YAML throws YAML_SYNTAX with line:column", () => {
    const error = thrown(() => new Engine({ policy: "mode: suggest\nthresholds: [1, 2\n" }));
    check(error instanceof Error, "an Error instance");
    check(error.code === "YAML_SYNTAX", `code ${error.code}`);
    check(/^policy:\d+:\d+: /.test(error.message), `message ${error.message}`);
    check(Number.isInteger(error.line) && Number.isInteger(error.column), "line and column");
  });

  test("invalid policy field throws POLICY_INVALID naming the field", () => {
    const error = thrown(() => new Engine({ policy: "mode: fast\n" }));
    check(error.code === "POLICY_INVALID", `code ${error.code}`);
    check(error.field === "mode", `field ${error.field}`);
    check(error.message.includes("policy:1:7: field `mode`"), error.message);
  });

  test("unknown option key throws OPTION_INVALID naming the key", () => {
    const error = thrown(() => new Engine({ polcy: "mode: auto\n" }));
    check(error instanceof Error, "an Error instance");
    check(error.code === "OPTION_INVALID", `code ${error.code}`);
    check(error.message.includes("`polcy`"), error.message);
  });

  test("bad option values throw OPTION_INVALID", () => {
    for (const options of [{ mode: "fast" }, { policy: 42 }, { contract: 7 }, "auto", [1]]) {
      const error = thrown(() => new Engine(options));
      check(error.code === "OPTION_INVALID", `${JSON.stringify(options)}: ${error.code}`);
    }
  });

  test("contract JSON syntax error throws JSON_SYNTAX with line:column", () => {
    const error = thrown(() => new Engine({ contract: '{\n  "agent_id": \n}' }));
    check(error.code === "JSON_SYNTAX", `code ${error.code}`);
    check(/^contract:\d+:\d+: /.test(error.message), error.message);
  });

  test("contract schema error throws CONTRACT_SCHEMA naming the field", () => {
    const contract = JSON.parse(fixtures.contracts.agentaz);
    contract.trust_level = "A9";
    const error = thrown(() => new Engine({ contract }));
    check(error.code === "CONTRACT_SCHEMA", `code ${error.code}`);
    check(error.field === "trust_level", `field ${error.field}`);
  });

  test("a broken policy is reported before a broken contract, as the CLI does", () => {
    const contract = JSON.parse(fixtures.contracts.agentaz);
    contract.trust_level = "A9";
    for (const given of [contract, JSON.stringify(contract), '{\n  "agent_id": \n}']) {
      const error = thrown(() => new Engine({ policy: "mode: fast\n", contract: given }));
      check(error.code === "POLICY_INVALID", `code ${error.code}`);
      check(error.message.includes("policy:1:7: field `mode`"), error.message);
    }
  });

  test("a contract object behaves as its JSON text", () => {
    const first = fixtures.cases.find((c) => c.config === "agentaz-auto");
    const fromObject = new Engine({ contract: JSON.parse(fixtures.contracts.agentaz), mode: "auto" });
    try {
      const found = difference(fromObject.check(first.request), first.expected);
      check(found === null, found);
    } finally {
      fromObject.free();
    }
  });

  test("malformed request fails closed: ESCALATE with REQUEST_INVALID", () => {
    const verdict = engine("a2-suggest").check({ ticket: { turn: "two" } });
    check(verdict.decision === "ESCALATE", verdict.decision);
    check(verdict.violations[0].code === "REQUEST_INVALID", verdict.violations[0].code);
    check(verdict.violations[0].field === "ticket.turn", verdict.violations[0].field);
    const viaText = JSON.parse(engine("a2-suggest").checkJson('{"ticket": {"turn": "two"}}'));
    check(viaText.decision === "ESCALATE", viaText.decision);
    check(viaText.violations[0].code === "REQUEST_INVALID", viaText.violations[0].code);
    check(viaText.violations[0].message.startsWith("1:25: field `ticket.turn`"), viaText.violations[0].message);
    // Both go to the policy's default queue, where a human picks them up.
    for (const failed of [verdict, viaText]) {
      check(failed.escalation.queue === "general_support", JSON.stringify(failed.escalation));
    }
  });

  // Input that means nothing, or two things, is refused by name: an array where an
  // object belongs (serde would read it as fields in order), a decision that repeats
  // a key (parsers disagree on which value counts), a name given as a number.
  test("shapeless or ambiguous input fails closed, naming the field", () => {
    const e = engine("a2-suggest");
    const repeated = '{"decision": {"decision": "ESCALATE", "decision": "AUTO_RESOLVE"}}';
    for (const [verdict, field, message] of [
      [JSON.parse(e.checkJson("[]")), undefined, "1:1: invalid type: sequence, expected a mapping"],
      [e.check([]), undefined, "invalid type: sequence, expected a mapping"],
      [JSON.parse(e.checkJson(repeated)), "decision.decision", "1:48: field `decision.decision`: duplicate key `decision`"],
    ]) {
      const [violation] = verdict.violations;
      check(verdict.decision === "ESCALATE" && violation.code === "REQUEST_INVALID", JSON.stringify(verdict.violations));
      check(violation.field === field && violation.message === message, JSON.stringify(violation));
    }
    const error = thrown(() => e.validateReply("Thanks!", { mode: 5 }));
    check(error.code === "REQUEST_INVALID" && error.field === "mode", `${error.code} ${error.field}`);
    check(error.message === "field `mode`: invalid type: integer `5`, expected a string", error.message);
  });

  // Regression (found by fuzzing the package): half of a surrogate pair, as a sliced
  // emoji leaves it, made a whole request object unreadable (JSON_SYNTAX, no field).
  // In objects it reads as U+FFFD, as it does in text arguments.
  test("a lone surrogate in an object reads as U+FFFD", () => {
    const cut = "Billing question \u{1F600}".slice(0, -1);
    const first = fixtures.cases.find((c) => c.config === "a2-suggest");
    const request = structuredClone(first.request);
    request.ticket.subject = cut;
    const verdict = engine("a2-suggest").check(request);
    check(verdict.violations.every((v) => v.code !== "JSON_SYNTAX" && v.code !== "REQUEST_INVALID"),
      JSON.stringify(verdict.violations));
    request.ticket.subject = "Billing question \uFFFD";
    const same = engine("a2-suggest").check(request);
    check(difference(verdict, same) === null, difference(verdict, same));
    // An escaped backslash before a `u` is text, not an escape.
    request.ticket.subject = "C:\\ud83d";
    const kept = engine("a2-suggest").check(request);
    check(kept.violations.every((v) => v.code !== "REQUEST_INVALID"), JSON.stringify(kept.violations));
    const screening = engine("a2-suggest").screenTicket({ subject: cut, body: "" }, "2026-06-24T09:00:00Z");
    check(typeof screening.category === "string", JSON.stringify(screening));
  });

  test("non-JSON input fails closed instead of throwing", () => {
    const text = JSON.parse(engine("a2-suggest").checkJson("{not json"));
    check(text.decision === "ESCALATE" && text.violations[0].code === "JSON_SYNTAX", JSON.stringify(text.violations));
    const cyclic = {};
    cyclic.self = cyclic;
    for (const request of [cyclic, undefined, 12n]) {
      const verdict = engine("a2-suggest").check(request);
      check(verdict.decision === "ESCALATE", verdict.decision);
      check(verdict.violations[0].code === "REQUEST_INVALID", verdict.violations[0].code);
    }
    const notText = JSON.parse(engine("a2-suggest").checkJson({}));
    check(notText.violations[0].code === "REQUEST_INVALID", notText.violations[0].code);
    for (const failed of [text, engine("a2-suggest").check(cyclic), notText]) {
      check(failed.escalation.queue === "general_support", JSON.stringify(failed.escalation));
    }
  });

  test("Engine.lint reports located diagnostics", () => {
    const report = Engine.lint("mode: fast\n", "policy");
    check(report.kind === "policy" && report.ok === false, JSON.stringify(report));
    const [diagnostic] = report.diagnostics;
    check(diagnostic.code === "POLICY_INVALID" && diagnostic.line === 1 && diagnostic.column === 7, JSON.stringify(diagnostic));
    const contract = Engine.lint(fixtures.contracts.agentaz, "contract");
    check(contract.ok === true && contract.declared_trust_level === "A3", JSON.stringify(contract));
    check(thrown(() => Engine.lint("x", "poem")).code === "OPTION_INVALID", "unknown kind");
  });

  test("computeTier takes text or an object", () => {
    const fromText = deskguard.computeTier(fixtures.contracts.agentaz);
    check(difference(fromText, { declared: "A3", computed: "A3", computable: true, agrees: true }) === null, JSON.stringify(fromText));
    const fromObject = deskguard.computeTier(JSON.parse(fixtures.contracts.agentaz));
    check(difference(fromObject, fromText) === null, JSON.stringify(fromObject));
    check(thrown(() => deskguard.computeTier("{")).code === "JSON_SYNTAX", "syntax error");
  });

  test("version, codes and triggers", () => {
    check(deskguard.version() === fixtures.version, `${deskguard.version()} vs ${fixtures.version}`);
    const codes = deskguard.codes().map((entry) => entry.code);
    check(difference(codes, fixtures.codes) === null, "codes() differs from src/codes.rs");
    const triggers = deskguard.triggers().map((entry) => entry.trigger);
    check(difference(triggers, fixtures.triggers) === null, "triggers() differs from src/codes.rs");
  });

  test("validateReply finds PII with its span, and redact masks it", () => {
    const text = "Your card 4242 4242 4242 4242 is on file.";
    const report = engine("a2-suggest").validateReply(text, { kb: [], crm: {}, orders: [] });
    check(report.violations.length === 1, JSON.stringify(report.violations));
    const [card] = report.violations;
    check(card.code === "PII_CARD" && card.field === "customer_reply", JSON.stringify(card));
    check(card.span.start === 10 && card.span.end === 29, JSON.stringify(card.span));
    check(report.redacted === "Your card \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 4242 is on file.", report.redacted);
    check(engine("a2-suggest").redact(text).redacted === report.redacted, "redact agrees with validateReply");
    check(thrown(() => engine("a2-suggest").validateReply(42, {})).code === "OPTION_INVALID", "text must be a string");
  });

  // A ticket's context as a sidebar holds it: KB, CRM, orders, the customer's address
  // and an internal note with findings of its own (a card number, a cited KB id).
  const replyContext = {
    context: {
      kb: [
        { id: "KB-1", title: "Pro plan", content: "The Pro plan costs $29 a month.", updated_at: "2026-05-01" },
        { id: "KB-7", title: "Refunds", content: "Duplicate charges are refunded in 5-10 business days." },
      ],
      crm: { plan: "Pro", seats: 3 },
      orders: [{ txn_id: "txn_1", amount_usd: 29, date: "2026-06-03" }],
    },
    customer_email: "lee@startup.dev",
    internal_note: "Card 4242 4242 4242 4242 charged twice, see KB-7 and txn_1.",
    grounded: true,
    turn: 2,
    now: "2026-06-05T16:00:00Z",
  };
  const drafts = {
    pii: "Your card 4242 4242 4242 4242 is on file; we also wrote to sam@other.example.",
    ungrounded: "The Pro plan is $19 a month.",
    grounded: "Hi Lee, the Pro plan is $29 a month (KB-1); the duplicate $29 charge is refunded in 5\u201310 business days.",
    empty: "",
  };

  // The validator's labeled corpus (PII, grounding, content): every report, violations
  // and redaction, is the CLI's, and a context prepared once gives the same.
  test("validateReply deep-equals the CLI on the validator corpus", () => {
    const failures = [];
    for (const { name, text, context, expected } of fixtures.corpus) {
      const found = difference(engine("a2-suggest").validateReply(text, context), expected);
      if (found !== null) failures.push(`${name}: ${found}`);
    }
    check(fixtures.corpus.length > 300, `${fixtures.corpus.length} corpus cases`);
    check(failures.length === 0, failures.slice(0, 5).join("\n"));
  });

  test("prepareReplyContext: each draft's report deep-equals validateReply's", () => {
    for (const config of CONFIGS) {
      const prepared = engine(config).prepareReplyContext(replyContext);
      try {
        for (const [name, text] of Object.entries(drafts)) {
          const expected = engine(config).validateReply(text, replyContext);
          const found = difference(prepared.validateReply(text), expected);
          check(found === null, `${config} ${name}: ${found}`);
          // Validating does not change the prepared context.
          check(difference(prepared.validateReply(text), expected) === null, `${config} ${name}: second call`);
        }
      } finally {
        prepared.free();
      }
    }
    // The drafts exercise what they are named for, so the equality is not vacuous.
    const codesOf = (text) => engine("a2-suggest").validateReply(text, replyContext).violations.map((v) => `${v.field} ${v.code}`);
    check(codesOf(drafts.pii).includes("customer_reply PII_CARD"), JSON.stringify(codesOf(drafts.pii)));
    check(codesOf(drafts.pii).includes("customer_reply PII_OTHER_CUSTOMER_EMAIL"), JSON.stringify(codesOf(drafts.pii)));
    check(codesOf(drafts.ungrounded).includes("customer_reply UNGROUNDED_CLAIM"), JSON.stringify(codesOf(drafts.ungrounded)));
    check(!codesOf(drafts.grounded).includes("customer_reply UNGROUNDED_CLAIM"), JSON.stringify(codesOf(drafts.grounded)));
    check(codesOf(drafts.empty).includes("internal_note PII_CARD"), JSON.stringify(codesOf(drafts.empty)));
  });

  test("prepareReplyContext: a bare, a request-shaped and no context agree too", () => {
    const bare = { kb: replyContext.context.kb, crm: {}, orders: [] };
    const request = { ticket: { subject: "Pro price", body: "What does Pro cost?" }, context: replyContext.context };
    for (const context of [bare, request, undefined, null]) {
      const prepared = engine("a2-suggest").prepareReplyContext(context);
      for (const [name, text] of Object.entries(drafts)) {
        const found = difference(prepared.validateReply(text), engine("a2-suggest").validateReply(text, context));
        check(found === null, `${JSON.stringify(context)?.slice(0, 40)} ${name}: ${found}`);
      }
      prepared.free();
    }
  });

  test("a prepared context keeps working after engine.free()", () => {
    const scratch = new Engine();
    const expected = Object.values(drafts).map((text) => scratch.validateReply(text, replyContext));
    const prepared = scratch.prepareReplyContext(replyContext);
    scratch.free();
    check(thrown(() => scratch.validateReply("", replyContext)) instanceof Error, "the freed engine throws");
    Object.values(drafts).forEach((text, at) => {
      const found = difference(prepared.validateReply(text), expected[at]);
      check(found === null, found);
    });
    prepared.free();
    check(thrown(() => prepared.validateReply("")) instanceof Error, "a freed prepared context throws");
  });

  test("prepareReplyContext and its validateReply check their arguments like validateReply", () => {
    const prepared = engine("a2-suggest").prepareReplyContext(replyContext);
    try {
      for (const text of [42, undefined, null, { text: "hi" }]) {
        const error = thrown(() => prepared.validateReply(text));
        check(error.code === "OPTION_INVALID" && error.field === "text", `${String(text)}: ${error.code} ${error.field}`);
      }
    } finally {
      prepared.free();
    }
    for (const context of [{ kb: "KB-1" }, { internal_notes: "typo" }, { context: { orders: [{ amount_usd: 5 }] } }]) {
      const error = thrown(() => engine("a2-suggest").prepareReplyContext(context));
      const same = thrown(() => engine("a2-suggest").validateReply("", context));
      check(error.code === "REQUEST_INVALID" && typeof error.field === "string", `${JSON.stringify(context)}: ${error.code} ${error.field}`);
      check(error.code === same.code && error.field === same.field && error.message === same.message, `${JSON.stringify(context)}: ${error.message} vs ${same.message}`);
    }
    const cyclic = {};
    cyclic.self = cyclic;
    const error = thrown(() => engine("a2-suggest").prepareReplyContext(cyclic));
    check(error.code === "OPTION_INVALID" && error.field === "context", `${error.code} ${error.field}`);
  });

  test("utf16Span converts byte offsets for String#slice", () => {
    const text = "héllo 😀 refund";
    const bytes = new TextEncoder().encode(text);
    const start = bytes.length - "refund".length;
    const span = deskguard.utf16Span(text, { start, end: bytes.length });
    check(text.slice(span.start, span.end) === "refund", JSON.stringify(span));
    check(thrown(() => deskguard.utf16Span(text, { start: 2, end: 3 })).code === "OPTION_INVALID", "mid-character");
  });

  // ---------------------------------------------------------- screening

  for (const { name, ticket, now, expected } of fixtures.screenings) {
    test(`screenTicket ${name}: deep-equals the CLI`, () => {
      const found = difference(engine("a2-suggest").screenTicket(ticket, now ?? undefined), expected);
      check(found === null, found);
    });
  }

  test("screenTicket takes a Date and refuses to guess the time", () => {
    const { ticket, now, expected } = fixtures.screenings[0];
    const found = difference(engine("a2-suggest").screenTicket(ticket, new Date(now)), expected);
    check(found === null, found);
    let error = thrown(() => engine("a2-suggest").screenTicket(ticket));
    check(error instanceof Error && error.code === "REQUEST_INVALID" && error.field === "now", `${error.code} ${error.field}`);
    check(error.message.startsWith("field `now`: no time given"), error.message);
    error = thrown(() => engine("a2-suggest").screenTicket(ticket, "next tuesday"));
    check(error.code === "REQUEST_INVALID" && error.field === "now", `${error.code} ${error.field}`);
    check(error.message === "field `now`: `next tuesday` is not an RFC 3339 time such as `2026-06-03T10:00:00Z`", error.message);
    error = thrown(() => engine("a2-suggest").screenTicket(ticket, new Date(Number.NaN)));
    check(error.code === "REQUEST_INVALID" && error.message === "field `now`: the `Date` is invalid", error.message);
    error = thrown(() => engine("a2-suggest").screenTicket({ subject: 7 }, now));
    check(error.code === "REQUEST_INVALID" && error.field === "subject", `${error.code} ${error.field}`);
    check(error.message === "field `subject`: invalid type: integer `7`, expected a string", error.message);
    error = thrown(() => engine("a2-suggest").screenTicket("Task stuck", now));
    check(error.code === "REQUEST_INVALID" && error.field === "ticket", `${error.code} ${error.field}`);
  });

  // ---------------------------------------------------------- incident monitor

  const { IncidentMonitor } = deskguard;
  const incident = fixtures.incident;
  const replay = (monitor, events) => events.flatMap((event) => monitor.push(event));

  test("IncidentMonitor alerts deep-equal the CLI's", () => {
    const monitor = new IncidentMonitor();
    try {
      const found = difference(replay(monitor, incident.events), incident.alerts);
      check(found === null, found);
      check(incident.alerts.length === 6, `${incident.alerts.length} alerts`);
      check(monitor.incidentOpen === true, "an incident is open");
    } finally {
      monitor.free();
    }
  });

  test("IncidentMonitor state deep-equals the CLI's --save-state", () => {
    const monitor = new IncidentMonitor();
    try {
      replay(monitor, incident.events);
      const found = difference(monitor.toJSON(), incident.state);
      check(found === null, found);
      check(JSON.stringify(monitor) === JSON.stringify(incident.state), "JSON.stringify(monitor) is the state text");
    } finally {
      monitor.free();
    }
  });

  test("IncidentMonitor with a config deep-equals the CLI's --config", () => {
    const monitor = new IncidentMonitor(incident.config);
    try {
      const found = difference(replay(monitor, incident.events), incident.configured);
      check(found === null, found);
      check(incident.configured.length === 5, `${incident.configured.length} alerts`);
    } finally {
      monitor.free();
    }
  });

  test("IncidentMonitor state round-trips through JSON at every point of the stream", () => {
    for (let split = 0; split <= incident.events.length; split++) {
      for (const form of ["text", "object"]) {
        const first = new IncidentMonitor();
        const before = replay(first, incident.events.slice(0, split));
        const saved = form === "text" ? JSON.stringify(first) : first.toJSON();
        first.free();
        const second = IncidentMonitor.fromJSON(saved);
        try {
          const after = replay(second, incident.events.slice(split));
          const found = difference([...before, ...after], incident.alerts);
          check(found === null, `split at ${split} (${form}): ${found}`);
          const state = difference(second.toJSON(), incident.state);
          check(state === null, `split at ${split} (${form}): ${state}`);
        } finally {
          second.free();
        }
      }
    }
  });

  // Regression (found by fuzzing the package): floats in the saved state were read back
  // one step off (0.89 + 1 = 1.8900000000000001 came back as 1.89), and the restored
  // monitor missed the drop the original raised.
  test("a saved state reads back every float exactly", () => {
    const original = new IncidentMonitor();
    original.push({ type: "completion_rate", at: "2026-06-24T09:00:00Z", rate: 0.89 });
    original.push({ type: "completion_rate", at: "2026-06-24T09:00:30Z", rate: 1 });
    const saved = JSON.stringify(original);
    check(saved.includes("1.8900000000000001"), saved);
    const restored = IncidentMonitor.fromJSON(saved);
    try {
      check(JSON.stringify(restored) === saved, JSON.stringify(restored));
      const alerts = [[], []];
      for (let step = 1; step <= 5; step++) {
        const event = { type: "completion_rate", at: `2026-06-24T09:${step}0:00Z`, rate: 0.756 };
        alerts[0].push(...original.push(event).map((alert) => alert.code));
        alerts[1].push(...restored.push(event).map((alert) => alert.code));
      }
      check(JSON.stringify(alerts[0]) === '["INCIDENT_COMPLETION_DROP"]', JSON.stringify(alerts[0]));
      check(JSON.stringify(alerts[1]) === JSON.stringify(alerts[0]), JSON.stringify(alerts[1]));
    } finally {
      original.free();
      restored.free();
    }
  });

  test("a bad event throws REQUEST_INVALID naming the field and changes nothing", () => {
    const monitor = new IncidentMonitor();
    try {
      replay(monitor, incident.events.slice(0, 10));
      const before = JSON.stringify(monitor);
      for (const [event, field, message] of [
        [{ type: "completion_rate", at: "2026-06-01T10:00:00Z", rate: 1.5 }, "rate", "field `rate`: `1.5` is not a rate in 0.0..=1.0"],
        [{ type: "completion_rate", at: "2026-06-01T10:00:00Z", rate: "high" }, "rate", 'field `rate`: invalid type: string "high", expected a number'],
        [{ type: "ticket", at: "2026-06-01T10:00:00Z", customer: "C-1" }, "category", "field `category`: missing field `category`"],
        [{ type: "users", at: "2026-06-01T10:00:00Z", total: 5, totl: 6 }, "totl", "field `totl`: unknown field `totl`, expected `at` or `total`"],
        [{ type: "outage", at: "2026-06-01T10:00:00Z" }, "type", "field `type`: unknown variant `outage`, expected one of `ticket`, `completion_rate`, `complaint`, `billing`, `users`, `impact`, `upstream`, `data_leak`"],
        ["ticket", "event", "field `event`: expected the event as an object"],
      ]) {
        const error = thrown(() => monitor.push(event));
        check(error instanceof Error && error.code === "REQUEST_INVALID", `${JSON.stringify(event)}: ${error.code}`);
        check(error.field === field, `${JSON.stringify(event)}: field ${error.field}`);
        check(error.message === message, error.message);
      }
      check(JSON.stringify(monitor) === before, "the state is unchanged");
    } finally {
      monitor.free();
    }
  });

  test("IncidentMonitor options and saved states are checked", () => {
    let error = thrown(() => new IncidentMonitor({ max_keyz: 3 }));
    check(error.code === "OPTION_INVALID" && error.field === "max_keyz", `${error.code} ${error.field}`);
    error = thrown(() => new IncidentMonitor({ completion_drop_ratio: 1.5 }));
    check(error.code === "OPTION_INVALID" && error.field === "completion_drop_ratio", `${error.code} ${error.field}`);
    check(error.message === "field `completion_drop_ratio`: `1.5` is outside 0.0..1.0", error.message);
    check(thrown(() => new IncidentMonitor("strict")).code === "OPTION_INVALID", "config must be an object");
    error = thrown(() => IncidentMonitor.fromJSON("{"));
    check(error.code === "JSON_SYNTAX" && /^state:1:\d+: /.test(error.message), `${error.code} ${error.message}`);
    error = thrown(() => IncidentMonitor.fromJSON({ ...incident.state, version: 2 }));
    check(error.code === "REQUEST_INVALID" && error.field === "version", `${error.code} ${error.field}`);
    error = thrown(() => IncidentMonitor.fromJSON({ ...incident.state, config: { ...incident.state.config, max_keys: 0 } }));
    check(error.code === "OPTION_INVALID" && error.field === "max_keys", `${error.code} ${error.field}`);
    check(thrown(() => IncidentMonitor.fromJSON(42)).code === "REQUEST_INVALID", "a number is no state");
  });

  test("upstream outages, data leaks and the executive escalation", () => {
    const monitor = new IncidentMonitor();
    try {
      const codes = [
        { type: "upstream", at: "2026-06-05T16:00:00Z", provider: "openai", available: false },
        { type: "data_leak", at: "2026-06-05T16:30:00Z", customer: "C-1" },
        { type: "upstream", at: "2026-06-05T17:01:00Z", provider: "openai", available: false },
        { type: "upstream", at: "2026-06-05T17:02:00Z", provider: "openai", available: true },
      ].map((event) => monitor.push(event).map((alert) => alert.code).join(","));
      check(
        JSON.stringify(codes) ===
          '["INCIDENT_UPSTREAM_UNAVAILABLE","INCIDENT_DATA_LEAK","INCIDENT_EXEC_ESCALATION",""]',
        JSON.stringify(codes),
      );
      // The leak keeps the incident open after the provider is back.
      check(monitor.incidentOpen === true, "the leak keeps an incident open");
      const missing = thrown(() => monitor.push({ type: "upstream", at: "2026-06-05T17:03:00Z", provider: "x" }));
      check(missing.code === "REQUEST_INVALID" && /`available`/.test(missing.message), missing.message);
    } finally {
      monitor.free();
    }
  });

  test("pushScreening feeds screened tickets: a spike at the third customer", () => {
    const monitor = new IncidentMonitor();
    try {
      const alerts = ["C-1", "C-2", "C-3"].flatMap((customer, i) => {
        const screening = engine("a2-suggest").screenTicket(
          { subject: "Task stuck", body: "The agent stopped halfway" },
          `2026-06-05T16:0${i}:00Z`,
        );
        return monitor.pushScreening(screening, customer);
      });
      check(alerts.length === 1, JSON.stringify(alerts));
      const [alert] = alerts;
      check(alert.code === "INCIDENT_CATEGORY_SPIKE" && alert.subject === "task_stuck", JSON.stringify(alert));
      check(alert.at === "2026-06-05T16:02:00Z", alert.at);
      check(thrown(() => monitor.pushScreening({ category: 1 }, "C-4")).code === "REQUEST_INVALID", "bad screening");
      check(thrown(() => monitor.pushScreening(alert, 4)).code === "OPTION_INVALID", "customer must be text");
    } finally {
      monitor.free();
    }
  });

  // ---------------------------------------------------------- notice

  for (const { name, text, options, expected } of fixtures.notices) {
    test(`validateNotice ${name}: deep-equals the CLI`, () => {
      const found = difference(deskguard.validateNotice(text, options), expected);
      check(found === null, found);
    });
  }

  test("validateNotice checks its arguments", () => {
    check(deskguard.validateNotice(fixtures.notices[0].text).length === 0, "the template passes with no options");
    const error = thrown(() => deskguard.validateNotice("text", { fix_time_confirmd: true }));
    check(error.code === "OPTION_INVALID" && error.field === "fix_time_confirmd", `${error.code} ${error.field}`);
    check(thrown(() => deskguard.validateNotice(42)).code === "OPTION_INVALID", "text must be a string");
  });

  test("free() releases an engine", () => {
    const scratch = new Engine();
    scratch.free();
    check(thrown(() => scratch.check({})) instanceof Error, "a freed engine throws");
  });

  for (const each of engines.values()) each.free();
  return results;
}
