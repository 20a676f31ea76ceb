// Types for the deskguard npm package. Written by hand because the bindings take and
// return plain JSON data, which wasm-bindgen can only type as `any`; the shapes below
// mirror the Rust serde types (src/request.rs, src/verdict.rs, src/lint.rs).
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
  /** Conversation turn, 1 for the first message. */
  turn?: number;
  customer?: Customer;
}

export interface KbDoc {
  id: string;
  title?: string;
  content?: string;
  /** RFC 3339 or `YYYY-MM-DD`. */
  updated_at?: string;
  /** Retrieval similarity, 0..1. */
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
  /** The current time, RFC 3339 (checks never read a clock). A `Date` works too. */
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
  /** Masks every PII finding in `text` to its last four characters. */
  redact(text: string): Redaction;
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
