// Types for the deskguard npm package. Written by hand because the bindings take and
// return plain JSON data, which wasm-bindgen can only type as `any`; the shapes below
// mirror the Rust serde types (src/request.rs, src/verdict.rs, src/lint.rs,
// src/runbook/, src/incident/).
//
// `Code` and `Trigger` are generated at build time from the engine's own registry
// (src/codes.rs), so they cannot drift from what a verdict can contain.

import type { Code, Trigger } from "./web/codes.js";

export type { Code, Trigger };

/** The four outcomes, from most to least autonomous. */
export type DecisionKind = "AUTO_RESOLVE" | "DRAFT" | "ROUTE" | "ESCALATE";
/** Whether anything may auto-resolve. */
export type Mode = "suggest" | "auto";
export type Priority = "low" | "medium" | "high";
export type Sentiment = "positive" | "neutral" | "negative" | "critical";
/** Any `block` violation changes the outcome; `warn` is reported only. */
export type Severity = "block" | "warn";
export type ActionMode = "execute" | "requires_approval";
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

// ---------------------------------------------------------------- request (v1)

/** The customer, as the CRM knows them. */
export interface Customer {
  id?: string;
  email?: string;
  /** Absent means not verified. */
  verified?: boolean;
  plan?: string;
  /** Account tier (`enterprise`, ...). */
  tier?: string;
  arr_usd?: number;
  prior_contacts_same_issue?: number;
}

export interface Ticket {
  id?: string;
  subject?: string;
  /** Body, with quoted history and signatures stripped. */
  body?: string;
  /** Conversation turn, 1 for the first message (a check treats a missing turn as
   * possibly the first, and adds the first message's disclosure). */
  turn?: number;
  customer?: Customer;
}

export interface KbDoc {
  id: string;
  title?: string;
  content?: string;
  /** RFC 3339 or `YYYY-MM-DD`. */
  updated_at?: string;
  /** Retrieval similarity, 0..1 (anything else is a `REQUEST_INVALID` error). */
  score?: number;
  tags?: string[];
}

export interface Order {
  txn_id: string;
  amount_usd: number;
  /** `YYYY-MM-DD`. */
  date?: string;
  status?: string;
}

export interface Context {
  kb?: KbDoc[];
  crm?: { [key: string]: JsonValue };
  orders?: Order[];
}

/** A tool call the model proposes. */
export interface Action {
  tool: string;
  args?: { [key: string]: JsonValue };
}

/** The model's decision object (the blueprint's OUTPUT FORMAT). */
export interface ModelDecision {
  intent: string;
  sentiment?: Sentiment;
  urgency?: Priority;
  confidence: number;
  grounded: boolean;
  decision: DecisionKind;
  reason?: string;
  actions: Action[];
  customer_reply: string;
  internal_note?: string;
  tags?: string[];
  escalation?: {
    needed?: boolean;
    queue?: string;
    priority?: Priority;
    trigger?: string;
  };
}

export interface Trace {
  turns?: number;
  tool_calls?: number;
  cost_usd?: number;
}

/**
 * A check request. The engine accepts unknown fields at run time (helpdesks attach
 * their own); these types leave them out so that a misspelled field is a type error.
 */
export interface Request {
  ticket?: Ticket;
  context?: Context;
  /** The decision object, or the plain-text form `ESCALATE_NEEDED: reason`. */
  decision?: ModelDecision | string;
  trace?: Trace;
  /** The current time, RFC 3339 (checks never read a clock). A `Date` works too.
   * Without it, a reply relying on a KB document on a volatile topic is
   * `STALE_SOURCE`: the document's age cannot be told. */
  now?: string | Date;
}

// ---------------------------------------------------------------- verdict

/** Half-open range of UTF-8 byte offsets within the field's text (see `utf16Span`). */
export interface Span {
  start: number;
  end: number;
}

/** One broken rule. */
export interface Violation {
  code: Code;
  severity: Severity;
  message: string;
  field?: string;
  span?: Span;
  /** What was found, for codes that cover several kinds (`money` for `UNGROUNDED_CLAIM`, a topic name, ...). */
  kind?: string;
}

export interface AllowedAction {
  tool: string;
  args: { [key: string]: JsonValue };
  mode: ActionMode;
  note?: string;
}

export interface BlockedAction {
  tool: string;
  args: { [key: string]: JsonValue };
  code: Code;
  message: string;
}

export interface TriggerHit {
  trigger: Trigger;
  message: string;
  field?: string;
  span?: Span;
}

export interface EscalationOutcome {
  needed: boolean;
  /** Empty when the ticket stays with the agent. */
  queue: string;
  priority: Priority;
  triggers: Trigger[];
  details: TriggerHit[];
}

export interface Cost {
  usd: number;
  limit_usd: number | null;
  alert: boolean;
}

/** The guard's answer to one check: what the CLI prints, as an object. */
export interface Verdict {
  decision: DecisionKind;
  /** Absent (`null`) when the model's decision could not be read. */
  proposed: DecisionKind | null;
  downgraded: boolean;
  intent?: string;
  allowed: AllowedAction[];
  blocked: BlockedAction[];
  violations: Violation[];
  escalation: EscalationOutcome;
  cost: Cost;
  /** Present when the guard changed the reply: the text to send, PII redacted, disclosures added. */
  reply?: VerdictReply;
  /** Present only when confidence is below the draft threshold and no KB document scores at least `retrieval_min`. */
  knowledge_gap?: true;
}

/** The reply as the guard would let it go out. */
export interface VerdictReply {
  text: string;
  redacted?: string;
  disclosures_added?: string[];
}

// ---------------------------------------------------------------- lint, tier

export type DocumentKind = "policy" | "contract";
export type TrustLevel = "A0" | "A1" | "A2" | "A3" | "A4" | "A5";
export type Band = "A0" | "ADV" | "A3" | "A4" | "A5";

export interface Diagnostic {
  severity: "error" | "warning";
  code: Code;
  message: string;
  field?: string;
  /** 1-based; 1 when unknown. */
  line: number;
  column: number;
}

export interface LintReport {
  kind: DocumentKind;
  /** No error diagnostics. */
  ok: boolean;
  diagnostics: Diagnostic[];
  declared_trust_level?: TrustLevel;
  computed_band?: Band;
  computable?: boolean;
}

export interface TierReport {
  declared: TrustLevel;
  computed: Band;
  /** False when the band is `ADV` for the older `allowed_tools`-only shape. */
  computable: boolean;
  agrees: boolean;
}

// ---------------------------------------------------------------- screening

/** Who handles a runbook category. */
export type HandlingTier = "tier_1" | "tier_1_then_tier_2" | "tier_2";
/** By when a ticket must be answered, in business time on the policy's calendar. */
export type Sla = { business_hours: number } | { business_days: number };

/** Where a category's phrase was found. */
export interface CategoryMatch {
  /** `ticket.subject` or `ticket.body`. */
  field: string;
  span: Span;
}

/** What `screenTicket` says about a ticket, before any model call. */
export interface Screening {
  ticket_id?: string;
  /** The runbook category (`task_stuck`, `billing_query`, ...). */
  category: string;
  /** The phrase that picked the category; absent for the default category. */
  matched?: CategoryMatch;
  handling_tier: HandlingTier;
  sla: Sla;
  /** When the SLA clock started (the `now` given), RFC 3339 UTC. */
  received_at: string;
  /** When it must be answered, RFC 3339 UTC (`null` only past the representable range). */
  due_at: string | null;
  /** `due_at` in the calendar's time zone (RFC 9557: `2026-06-08T12:00:00+02:00[Europe/Berlin]`). */
  due_at_local?: string;
  /** A hard trigger fired: a human takes the ticket, no model call. */
  handoff: boolean;
  queue: string;
  priority: Priority;
  triggers: TriggerHit[];
  /**
   * Where the ticket reads as an automated message (an out-of-office reply, a bounce):
   * unless a trigger asks for a human, nobody waits for an answer and the model call
   * can be skipped. Absent otherwise.
   */
  automated?: CategoryMatch;
  /**
   * Where the ticket reads as obvious spam: the first of at least
   * `runbook.spam_min_phrases` different `runbook.spam_phrases`. Unless a trigger asks
   * for a human, the ticket can be closed without a model call. Absent otherwise.
   */
  spam?: CategoryMatch;
}

// ---------------------------------------------------------------- incidents

/** RFC 3339 text; a `Date` works too (it is sent as its ISO text). */
export type EventTime = string | Date;

/** A screened ticket. */
export interface TicketEvent {
  type: "ticket";
  at: EventTime;
  /** The customer (CRM id). */
  customer: string;
  /** Its runbook category (`Screening.category`). */
  category: string;
  enterprise?: boolean;
}

/** A platform-wide agent completion-rate sample. */
export interface CompletionRateEvent {
  type: "completion_rate";
  at: EventTime;
  /** 0..1. */
  rate: number;
}

/** A customer complaint about an agent output. */
export interface ComplaintEvent {
  type: "complaint";
  at: EventTime;
  /** The task class (`invoice_extraction`). */
  task_class: string;
  /** What identifies the erroneous output (an error signature, an output hash). */
  output: string;
  customer?: string | null;
  enterprise?: boolean;
}

/** A billing reconciliation. */
export interface BillingEvent {
  type: "billing";
  at: EventTime;
  expected_usd: number;
  billed_usd: number;
}

/** How many users the platform has now. */
export interface UsersEvent {
  type: "users";
  at: EventTime;
  total: number;
}

/** A scope assessment (on-call engineer, CSM): opens an incident for one window. */
export interface ImpactEvent {
  type: "impact";
  at: EventTime;
  affected_users: number;
  enterprise_customers: number;
}

/** An upstream model API as the host's health check sees it. */
export interface UpstreamEvent {
  type: "upstream";
  at: EventTime;
  /** The provider (`anthropic`, `openai`, `self_hosted`). */
  provider: string;
  /** Unavailable opens an incident; available again closes it. */
  available: boolean;
}

/** A customer's data sent or leaked through the agent. */
export interface DataLeakEvent {
  type: "data_leak";
  at: EventTime;
  customer?: string | null;
  enterprise?: boolean;
}

/** Something the host saw; `type` picks the kind (the Rust `IncidentEvent`). */
export type IncidentEvent =
  | TicketEvent
  | CompletionRateEvent
  | ComplaintEvent
  | BillingEvent
  | UsersEvent
  | ImpactEvent
  | UpstreamEvent
  | DataLeakEvent;

/** The codes an incident alert can carry. */
export type IncidentCode = Extract<Code, `INCIDENT_${string}`>;

/** One alert: fired once per episode of its trigger. */
export interface IncidentAlert {
  code: IncidentCode;
  /** The time of the event that raised it, RFC 3339 UTC. */
  at: string;
  /** The category, task class, upstream provider or leaked customer, `over_charge` /
   * `under_charge`; absent when platform-wide. */
  subject?: string;
  /** What happened and what the playbook says to do. */
  message: string;
}

/**
 * The monitor's thresholds, windows and caps (the Rust `MonitorConfig`): every key
 * optional, defaults from the playbooks; unknown keys throw `OPTION_INVALID`.
 */
export interface MonitorConfig {
  /** Window of a category spike, minutes (1440). */
  category_window_minutes?: number;
  /** Distinct customers in one category within the window that make a spike (3). */
  category_min_customers?: number;
  /** Relative drop below the baseline that counts (0.20). */
  completion_drop_ratio?: number;
  /** A drop must last longer than this, minutes (15). */
  completion_sustain_minutes?: number;
  /** The expected completion rate; absent or null: the mean of recent normal samples. */
  completion_baseline?: number | null;
  /** How far back the computed baseline looks, minutes (1440). */
  completion_baseline_minutes?: number;
  /** Consecutive complaints about one output on a task class (5). */
  complaint_run?: number;
  /** A complaint run ends after this many quiet minutes (1440). */
  complaint_gap_minutes?: number;
  /** Billed off from expected by more than this ratio (0.05). */
  billing_anomaly_ratio?: number;
  /** Window billing is summed over, minutes (1440). */
  billing_window_minutes?: number;
  /** More than this share of users affected engages the IC (0.05). */
  ic_user_share?: number;
  /** More than this many enterprise customers affected engages the IC (1). */
  ic_enterprise_customers?: number;
  /** An incident open longer than this goes to the VP of Engineering and the CEO, minutes (60). */
  exec_escalation_minutes?: number;
  /** Users on the platform (a `users` event overrides it). */
  total_users?: number | null;
  /** Most categories, and most task classes, tracked at once (256). */
  max_keys?: number;
  /** Most customers tracked per category and in the affected set (10000). */
  max_members?: number;
}

/** A monitor's saved state: store it whole; its other fields are internal to `version`. */
export interface MonitorState {
  version: number;
  config: MonitorConfig;
  [key: string]: unknown;
}

// ---------------------------------------------------------------- notice

/** What the notice checker should know about the incident. */
export interface NoticeOptions {
  /** The agent runs but decides wrongly, so "all systems normal" misleads (default true). */
  quality_incident?: boolean;
  /** Engineering confirmed a fix time, so the notice may commit to it (default false). */
  fix_time_confirmed?: boolean;
}

/** A required part of the notice template (a missing one is field `notice.<part>`). */
export type NoticePart =
  | "what_happened"
  | "scope"
  | "current_status"
  | "expected_restoration"
  | "compensation"
  | "next_update"
  | "postmortem";

/**
 * The result of `validateNotice`: missing parts (`NOTICE_PART_MISSING`, field
 * `notice.<part>`, a warning for compensation) in template order, then each "do not"
 * rule's matches in text order (field `notice`, with the span of the words).
 */
export type NoticeReport = Violation[];

// ---------------------------------------------------------------- API

/** `new Engine(options)`: every key is optional; unknown keys throw `OPTION_INVALID`. */
export interface EngineOptions {
  /** Policy YAML text (default: the embedded support-agent policy). */
  policy?: string;
  /** AgentAz contract as JSON text or an object (default: the blueprint's A2 contract). */
  contract?: string | { [key: string]: JsonValue };
  /** Overrides the policy's mode. */
  mode?: Mode;
}

/**
 * What every function of this package throws: a plain `Error` with a stable `code`
 * and, when known, the field and the line:column in the text it came from.
 */
export interface DeskguardError extends Error {
  code: Code;
  field?: string;
  line?: number;
  column?: number;
  /** `policy`, `contract`, ... */
  origin?: string;
}

/** What `validateReply` validates a reply against. */
export type ReplyContextInput =
  | Request
  | { kb?: KbDoc[]; crm?: { [key: string]: JsonValue }; orders?: Order[] }
  | {
      context?: Context;
      ticket?: string;
      customer_email?: string;
      turn?: number;
      now?: string;
      internal_note?: string;
      grounded?: boolean;
      mode?: Mode;
      account_data_requested?: boolean;
      /** The decision's proposed tools: one of `identity.account_data_tools` makes the data-collection notice due. */
      proposed_tools?: string[];
    };

/** The result of `validateReply`. */
export interface ReplyReport {
  violations: Violation[];
  redacted: string;
}

/** The result of `redact`. */
export interface Redaction {
  redacted: string;
  spans: { code: Code; span: Span }[];
}

/** A compiled policy and contract: build once per process or isolate, check many. */
export declare class Engine {
  /** @throws {DeskguardError} `YAML_SYNTAX`, `POLICY_INVALID`, `JSON_SYNTAX`, `CONTRACT_SCHEMA`, `OPTION_INVALID`, ... */
  constructor(options?: EngineOptions);
  /** Checks a request. A malformed request is an ESCALATE verdict, not an exception. */
  check(request: Request): Verdict;
  /** Checks a request given as JSON text and returns the verdict as JSON text. */
  checkJson(requestJson: string): string;
  /**
   * Validates a draft reply: PII, ungrounded specifics, commitments, prohibited topics
   * and phrases, disclosures. `context` is a check request, a reply context, or a bare
   * `{ kb, crm, orders }`. Spans are UTF-8 byte offsets into `text` (see `utf16Span`).
   */
  validateReply(text: string, context?: ReplyContextInput): ReplyReport;
  /**
   * Prepares `context` once for validating many drafts against it (its KB documents
   * normalized and indexed, its known addresses gathered, its internal note checked):
   * a helpdesk sidebar prepares the ticket's context when it opens the ticket and
   * validates the draft on every keystroke pause. The result keeps working after
   * `engine.free()`.
   * @throws {DeskguardError} `REQUEST_INVALID` or `OPTION_INVALID` naming the field, as `validateReply` does.
   */
  prepareReplyContext(context?: ReplyContextInput): PreparedReplyContext;
  /** Masks every PII finding in `text` to its last four characters. */
  redact(text: string): Redaction;
  /**
   * Screens a ticket before any model call: runbook category, handling tier, SLA, due
   * time in business hours, and the hard triggers its text fires (`handoff`). `ticket`
   * is a ticket or a request-shaped `{ ticket, now }`; `now` is when it was received
   * and overrides the request's.
   * @throws {DeskguardError} `REQUEST_INVALID` naming the field (`now` when no time is given: deskguard reads no clock).
   */
  screenTicket(ticket: Ticket | { ticket: Ticket; now?: EventTime }, now?: EventTime): Screening;
  /** The mode in force. */
  readonly mode: Mode;
  /** Lints a policy YAML or a contract JSON. */
  static lint(text: string, kind: DocumentKind): LintReport;
  /**
   * Releases the engine's memory now instead of at garbage collection. (Where the
   * runtime has `Symbol.dispose`, `using engine = new Engine()` calls it too; not
   * declared here so that the types need no `esnext.disposable` lib.)
   */
  free(): void;
}

/**
 * A reply context prepared by `engine.prepareReplyContext(context)`. Validating a draft
 * against it does only the draft's work; the report is deep-equal to
 * `engine.validateReply(text, context)`.
 */
export declare class PreparedReplyContext {
  /** Built only by `engine.prepareReplyContext`. */
  private constructor();
  /**
   * Validates a draft reply against the prepared context. Spans are UTF-8 byte offsets
   * into `text` (see `utf16Span`).
   * @throws {DeskguardError} `OPTION_INVALID` (field `text`) when `text` is not a string.
   */
  validateReply(text: string): ReplyReport;
  /** Releases the prepared context's memory now instead of at garbage collection. */
  free(): void;
}

/**
 * The incident monitor: feed it events, get the playbooks' alerts. It reads no clock
 * (its time is the events'), and its state is JSON: keep `JSON.stringify(monitor)` in
 * a KV store and restore it with `IncidentMonitor.fromJSON` on the next request.
 */
export declare class IncidentMonitor {
  /** @throws {DeskguardError} `OPTION_INVALID` naming an unknown or out-of-range key. */
  constructor(config?: MonitorConfig);
  /**
   * Feeds one event; returns the alerts it raises (often none).
   * @throws {DeskguardError} `REQUEST_INVALID` naming the field; the state is unchanged.
   */
  push(event: IncidentEvent): IncidentAlert[];
  /** Feeds the ticket event for a screening: its category and time, enterprise when it fired `enterprise_account`. */
  pushScreening(screening: Screening, customer: string): IncidentAlert[];
  /** Whether any incident is open now. */
  readonly incidentOpen: boolean;
  /** The whole state as a plain object: `JSON.stringify(monitor)` is the text to keep. */
  toJSON(): MonitorState;
  /**
   * Restores a monitor from `toJSON()`'s object or its JSON text.
   * @throws {DeskguardError} `JSON_SYNTAX`, `REQUEST_INVALID` or `OPTION_INVALID` naming the field.
   */
  static fromJSON(state: string | MonitorState): IncidentMonitor;
  /** Releases the monitor's memory now instead of at garbage collection. */
  free(): void;
}

/**
 * Checks an external incident notice against the playbook's template (what happened,
 * scope, current status, expected restoration, compensation, next update) and its
 * "do not" rules (absolute promises, upstream blame, "all systems normal" during a
 * quality incident, an unconfirmed fix time).
 */
export declare function validateNotice(text: string, options?: NoticeOptions): NoticeReport;
/** The contract's declared trust level next to the band its structure implies. */
export declare function computeTier(contract: string | { [key: string]: JsonValue }): TierReport;
/** The package version. */
export declare function version(): string;
/** Every stable code with its one-line description. */
export declare function codes(): { code: Code; description: string }[];
/** Every escalation trigger with its one-line description. */
export declare function triggers(): { trigger: Trigger; description: string }[];
/** A span's UTF-8 byte offsets within `text` as UTF-16 offsets (for `String#slice`). */
export declare function utf16Span(text: string, span: Span): Span;
