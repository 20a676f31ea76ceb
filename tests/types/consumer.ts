// A TypeScript consumer of the package: must compile under `tsc --strict --noEmit`.
import {
  Engine,
  IncidentMonitor,
  PreparedReplyContext,
  validateNotice,
  computeTier,
  codes,
  utf16Span,
  version,
  type Code,
  type DeskguardError,
  type IncidentAlert,
  type IncidentCode,
  type IncidentEvent,
  type MonitorState,
  type NoticeReport,
  type ReplyReport,
  type Request,
  type Screening,
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

// Screening, then the incident monitor kept as JSON between requests.
const screening: Screening = engine.screenTicket({ subject: "Task stuck", customer: { id: "C-1" } }, new Date());
const viaRequest: Screening = engine.screenTicket({ ticket: { subject: "Hi" }, now: "2026-06-05T16:00:00Z" });
const due: string | null = screening.due_at;
const hours: number | undefined = "business_hours" in screening.sla ? screening.sla.business_hours : undefined;
const monitor = new IncidentMonitor({ category_min_customers: 2, completion_baseline: null });
const events: IncidentEvent[] = [
  { type: "ticket", at: screening.received_at, customer: "C-1", category: screening.category },
  { type: "completion_rate", at: new Date(), rate: 0.75 },
  { type: "complaint", at: "2026-06-05T16:00:00Z", task_class: "invoice_extraction", output: "err:1", customer: null },
  { type: "billing", at: "2026-06-05T16:00:00Z", expected_usd: 100, billed_usd: 107 },
  { type: "users", at: "2026-06-05T16:00:00Z", total: 100 },
  { type: "impact", at: "2026-06-05T16:00:00Z", affected_users: 3, enterprise_customers: 2 },
  { type: "upstream", at: "2026-06-05T16:01:00Z", provider: "openai", available: false },
  { type: "data_leak", at: "2026-06-05T16:02:00Z", customer: "C-9", enterprise: true },
];
const alerts: IncidentAlert[] = events.flatMap((event) => monitor.push(event));
alerts.push(...monitor.pushScreening(viaRequest, "C-2"));
const alertCode: IncidentCode | undefined = alerts[0]?.code;
if (alertCode === "INCIDENT_CATEGORY_SPIKE") console.log(alerts[0]?.subject);
const open: boolean = monitor.incidentOpen;
const state: MonitorState = monitor.toJSON();
const kept: string = JSON.stringify(monitor);
const restored = IncidentMonitor.fromJSON(kept);
IncidentMonitor.fromJSON(state).free();
restored.free();
monitor.free();
const notice: NoticeReport = validateNotice("All systems normal.", { fix_time_confirmed: true });
const noticeCodes: Code[] = notice.map((v) => v.code);

// A sidebar prepares the ticket's context once and validates each draft against it.
const prepared: PreparedReplyContext = engine.prepareReplyContext({
  context: request.context,
  internal_note: "Duplicate charge per txn tx-1.",
  grounded: true,
});
const draftReport: ReplyReport = prepared.validateReply("We refunded the $49 charge.");
const draftCodes: Code[] = draftReport.violations.map((v) => v.code);
const bareReport: ReplyReport = engine.prepareReplyContext().validateReply("Hi!");

engine.free();
prepared.free();
console.log(draftCodes, bareReport.redacted);
console.log(due, hours, open, noticeCodes, version(), escalated, codesSeen, blockedFirst, limit, fromText, plainText, firstLine, agrees, all);
