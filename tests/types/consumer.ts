// A TypeScript consumer of the package: must compile under `tsc --strict --noEmit`.
import {
  Engine,
  computeTier,
  codes,
  utf16Span,
  version,
  type Code,
  type DeskguardError,
  type Request,
  type Verdict,
  type Violation,
} from "deskguard";

const request: Request = {
  ticket: {
    id: "T-1",
    subject: "Refund",
    body: "I was charged twice",
    turn: 1,
    customer: { verified: true, tier: "pro", arr_usd: 1200 },
  },
  context: {
    kb: [{ id: "KB-1", title: "Refunds", content: "Duplicate charges are refunded.", score: 0.9, tags: ["refund_policy"] }],
    crm: { plan: "Pro", seats: 3, flags: ["vip"] },
    orders: [{ txn_id: "tx-1", amount_usd: 49, status: "paid" }],
  },
  decision: {
    intent: "duplicate_charge",
    confidence: 0.9,
    grounded: true,
    decision: "DRAFT",
    actions: [{ tool: "refund_issue", args: { txn_id: "tx-1", amount_usd: 49 } }],
    customer_reply: "We refunded the duplicate charge.",
  },
  trace: { turns: 2, cost_usd: 0.01 },
  now: new Date(),
};

const engine = new Engine({ mode: "suggest", contract: { agent_id: "x" } });
const verdict: Verdict = engine.check(request);
const escalated: boolean = verdict.decision === "ESCALATE" && verdict.escalation.needed;
const codesSeen: Code[] = verdict.violations.map((v: Violation) => v.code);
const blockedFirst: Code | undefined = verdict.blocked[0]?.code;
const limit: number | null = verdict.cost.limit_usd;
const text: string = engine.checkJson(JSON.stringify(request));
const fromText: Verdict = JSON.parse(text) as Verdict;
const plainText: Verdict = engine.check({ decision: "ESCALATE_NEEDED: no KB article" });

for (const violation of verdict.violations) {
  if (violation.span && request.ticket?.body) {
    const { start, end } = utf16Span(request.ticket.body, violation.span);
    console.log(request.ticket.body.slice(start, end));
  }
  if (violation.code === "REFUND_OVER_CAP") console.log("over cap");
}

const report = Engine.lint("mode: auto\n", "policy");
const firstLine: number | undefined = report.diagnostics[0]?.line;
const tier = computeTier("{}");
const agrees: boolean = tier.agrees;
const all: string[] = codes().map((entry) => entry.description);

try {
  new Engine({ policy: "mode: [" });
} catch (error) {
  const e = error as DeskguardError;
  const code: Code = e.code;
  console.log(code, e.line, e.column, e.field);
}

engine.free();
console.log(version(), escalated, codesSeen, blockedFirst, limit, fromText, plainText, firstLine, agrees, all);
