//! The verdict: what the guard decided, and why, as data.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codes::{Code, Trigger};
use crate::decision::DecisionKind;
use crate::policy::Priority;
use crate::text::Span;

/// How serious a violation is.
///
/// Precedence: any `block` violation changes the outcome (a downgrade, a blocked
/// action, an escalation); `warn` violations are reported and change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Changes the verdict.
    Block,
    /// Reported only.
    Warn,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// Stable machine code.
    pub code: Code,
    /// Block or warn.
    pub severity: Severity,
    /// What is wrong, for a human.
    pub message: String,
    /// The field it concerns (`decision.confidence`, `decision.actions[0]`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The byte span within that field's text, for text rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// What the rule found, when a code covers several kinds (`money` for an
    /// `UNGROUNDED_CLAIM`, `callback` for a `COMMITMENT`, the topic's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Violation {
    /// A `block` violation.
    pub fn block(code: Code, message: impl Into<String>) -> Violation {
        Violation {
            code,
            severity: Severity::Block,
            message: message.into(),
            field: None,
            span: None,
            kind: None,
        }
    }

    /// A `warn` violation.
    pub fn warn(code: Code, message: impl Into<String>) -> Violation {
        Violation {
            severity: Severity::Warn,
            ..Violation::block(code, message)
        }
    }

    /// Names the field.
    pub fn in_field(mut self, field: impl Into<String>) -> Violation {
        self.field = Some(field.into());
        self
    }

    /// Adds a span within the field.
    pub fn at(mut self, span: Span) -> Violation {
        self.span = Some(span);
        self
    }

    /// Names what was found, for codes that cover several kinds.
    pub fn with_kind(mut self, kind: impl Into<String>) -> Violation {
        self.kind = Some(kind.into());
        self
    }
}

/// How an allowed action may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionMode {
    /// The executor may run it now.
    Execute,
    /// A human must approve it first.
    RequiresApproval,
}

/// An action that may run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowedAction {
    /// Tool name, as the model wrote it.
    pub tool: String,
    /// Arguments, after any rewrite (a withheld send becomes a draft).
    pub args: Map<String, Value>,
    /// Execute or requires approval.
    pub mode: ActionMode,
    /// Why the action was rewritten, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An action that must not run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockedAction {
    /// Tool name, as the model wrote it.
    pub tool: String,
    /// Arguments, as the model wrote them.
    pub args: Map<String, Value>,
    /// The first rule that blocks it.
    pub code: Code,
    /// Why, for a human.
    pub message: String,
}

/// One fired trigger, with where it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerHit {
    /// The trigger.
    pub trigger: Trigger,
    /// Why it fired.
    pub message: String,
    /// The field it was found in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The byte span of the matched text within that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}

/// Where the ticket goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationOutcome {
    /// Whether a human must take over (the decision is ESCALATE).
    pub needed: bool,
    /// The queue (empty when the ticket stays with the agent).
    pub queue: String,
    /// The priority.
    pub priority: Priority,
    /// Fired triggers, deduplicated, in registry order.
    pub triggers: Vec<Trigger>,
    /// Each fired trigger with its message and location.
    pub details: Vec<TriggerHit>,
}

/// Cost against the contract's cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Spent so far (trace.cost_usd).
    pub usd: f64,
    /// The contract's per-loop cap, if it has one.
    pub limit_usd: Option<f64>,
    /// Whether spending passed the contract's alert threshold.
    pub alert: bool,
}

/// The guard's answer to one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The final decision.
    pub decision: DecisionKind,
    /// What the model proposed (absent when the decision could not be read).
    pub proposed: Option<DecisionKind>,
    /// Whether the final decision is less autonomous than the proposed one.
    pub downgraded: bool,
    /// The model's intent label, when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// Actions that may run, and how.
    pub allowed: Vec<AllowedAction>,
    /// Actions that must not run, and why.
    pub blocked: Vec<BlockedAction>,
    /// Every broken rule.
    pub violations: Vec<Violation>,
    /// Where the ticket goes.
    pub escalation: EscalationOutcome,
    /// Cost against the cap.
    pub cost: Cost,
    /// The reply as the verdict hands it on, when the response validator changed it
    /// (personal data masked, a required disclosure added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<crate::validator::VerdictReply>,
    /// The blueprint's knowledge-gap signal: the model's confidence is below the
    /// draft threshold and no KB document in context scores at least
    /// `thresholds.retrieval_min`, so the KB likely lacks the answer. The host logs
    /// such tickets for the KB's authors. Present, as `true`, only then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub knowledge_gap: bool,
}

impl Verdict {
    /// Whether any violation carries `code`.
    pub fn has_violation(&self, code: Code) -> bool {
        self.violations.iter().any(|v| v.code == code)
    }

    /// The verdict as compact JSON.
    pub fn to_json(&self) -> String {
        // Serializing these plain types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}
