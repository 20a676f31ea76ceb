#![doc = include_str!("../README.md")]

pub mod audit;
pub mod codes;
pub mod contract;
pub mod error;
pub mod eval;
pub mod incident;
pub mod lint;
pub mod policy;
pub mod runbook;
pub mod text;
pub mod validator;

#[cfg(target_arch = "wasm32")]
mod wasm;

mod check;
mod decision;
mod engine;
mod request;
mod schema;
mod source;
mod verdict;

pub use codes::{Code, Trigger};
pub use contract::Contract;
pub use decision::{Action, Decision, DecisionKind, ModelEscalation, DECISION_SCHEMA_JSON};
pub use engine::{fail_closed, Engine, EngineBuilder, PreparedReplyContext};
pub use error::{Error, Location, Result};
pub use policy::{Mode, Policy, Priority, Sentiment, EMBEDDED_POLICY_YAML};
pub use request::{Context, Customer, KbDoc, Order, Request, Ticket, Trace, MAX_REQUEST_BYTES};
pub use text::Span;
pub use validator::{RedactedSpan, Redaction, ReplyContext, Report, VerdictReply};
pub use verdict::{
    ActionMode, AllowedAction, BlockedAction, Cost, EscalationOutcome, Severity, TriggerHit,
    Verdict, Violation,
};
