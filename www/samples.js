// The sample requests shown in the simulate-run view. Each is a request file from
// policies/examples/, which the CLI demo and the runtime tests check too, so the page
// always shows the same verdicts as the native engine.
export const SAMPLES = [
  { file: "01-how-to-2fa.json", title: "Grounded how-to (blueprint example 1)", contract: "agentaz.json", mode: "suggest",
    about: "A verified user asks a how-to covered by KB-118. Try the A3 contract in auto mode: it auto-resolves." },
  { file: "02-duplicate-charge-refund.json", title: "Within-policy refund (blueprint example 2)", contract: "agentaz.json", mode: "suggest",
    about: "A $29 duplicate charge. The blueprint's A2 contract never emits refunds; under A3 it is drafted for approval." },
  { file: "03-enterprise-churn-data-loss.json", title: "Enterprise churn and data loss (blueprint example 3)", contract: "agentaz.json", mode: "suggest",
    about: "Hard triggers fire whatever the confidence: enterprise, churn threat, data loss, critical sentiment." },
  { file: "04-legal-threat.json", title: "A legal threat (trigger)", contract: "agentaz.json", mode: "suggest",
    about: "Legal language escalates to the legal queue even at decent confidence." },
  { file: "05-plan-change-blocked.json", title: "A plan change (blocked tool)", contract: "agentaz.json", mode: "suggest",
    about: "The A2 contract has no execution tools: a mutating tool is blocked." },
  { file: "06-refund-over-cap.json", title: "Refund over the cap", contract: "resolution-agent.agentaz.json", mode: "auto",
    about: "$120 is over the $50 auto-refund cap: the refund is blocked and the ticket escalates to billing." },
  { file: "07-pii-in-reply.json", title: "PII in the reply", contract: "agentaz.json", mode: "suggest",
    about: "The draft echoes a full card number: it is flagged and redacted to its last four digits." },
  { file: "08-ungrounded-price.json", title: "Ungrounded price", contract: "resolution-agent.agentaz.json", mode: "auto",
    about: "The reply quotes an annual price that no KB or CRM source contains: never auto-sent." },
  { file: "09-schema-invalid.json", title: "Schema-invalid decision", contract: "agentaz.json", mode: "suggest",
    about: "The model wrote confidence as a word: the decision fails its schema and escalates." },
  { file: "10-escalate-needed-text.json", title: "Plain-text ESCALATE_NEEDED", contract: "agentaz.json", mode: "suggest",
    about: "The model's plain-text escalation form." },
];
