//! The model's decision, as the blueprint's OUTPUT FORMAT defines it.
//!
//! The engine never trusts this object: it is first validated against
//! `policies/decision.schema.json` (compiled once per process), then read into these
//! types. A decision that fails either step escalates with `DECISION_SCHEMA`.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::policy::{Priority, Sentiment};
use crate::schema::Schema;
use crate::source::unique::UniqueKeysValue;

/// The decision schema, as shipped.
pub const DECISION_SCHEMA_JSON: &str = include_str!("../policies/decision.schema.json");

/// The prefix of the blueprint's plain-text escalation form.
pub const ESCALATE_NEEDED_PREFIX: &str = "ESCALATE_NEEDED";

/// The four outcomes, from most to least autonomous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DecisionKind {
    /// Send the reply and close, no human involved.
    AutoResolve,
    /// A human approves the drafted reply and staged actions.
    Draft,
    /// Hand to a specialist queue.
    Route,
    /// A human takes over now.
    Escalate,
}

impl DecisionKind {
    /// How much the decision does without a human: higher is more autonomous.
    /// A verdict may lower it, never raise it.
    pub fn autonomy(self) -> u8 {
        match self {
            DecisionKind::AutoResolve => 3,
            DecisionKind::Draft => 2,
            DecisionKind::Route => 1,
            DecisionKind::Escalate => 0,
        }
    }

    /// The less autonomous of `self` and `other`.
    pub fn at_most(self, other: DecisionKind) -> DecisionKind {
        if other.autonomy() < self.autonomy() {
            other
        } else {
            self
        }
    }

    /// The machine name (`AUTO_RESOLVE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::AutoResolve => "AUTO_RESOLVE",
            DecisionKind::Draft => "DRAFT",
            DecisionKind::Route => "ROUTE",
            DecisionKind::Escalate => "ESCALATE",
        }
    }
}

impl std::fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tool call the model proposes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// Tool name, in the agent's vocabulary.
    pub tool: String,
    /// Arguments.
    #[serde(default)]
    pub args: Map<String, Value>,
}

/// The model's own escalation block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ModelEscalation {
    /// Whether the model thinks escalation is needed.
    #[serde(default)]
    pub needed: bool,
    /// The queue it suggests.
    #[serde(default)]
    pub queue: String,
    /// The priority it suggests.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// The trigger it names.
    #[serde(default)]
    pub trigger: String,
}

/// The model's decision object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    /// Short intent label.
    pub intent: String,
    /// Sentiment.
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
    /// Urgency.
    #[serde(default)]
    pub urgency: Option<Priority>,
    /// Calibrated confidence, 0..1.
    pub confidence: f64,
    /// Whether the model claims the answer is grounded in context.
    pub grounded: bool,
    /// What the model proposes.
    pub decision: DecisionKind,
    /// Why.
    #[serde(default)]
    pub reason: String,
    /// Proposed tool calls.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// The customer-facing reply.
    #[serde(default)]
    pub customer_reply: String,
    /// The note for the human, with cited sources.
    #[serde(default)]
    pub internal_note: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The model's escalation block.
    #[serde(default)]
    pub escalation: Option<ModelEscalation>,
}

/// What the engine could make of the request's `decision` field.
#[derive(Debug, Clone)]
pub(crate) enum ReadDecision {
    /// A valid decision object.
    Structured(Box<Decision>),
    /// The plain-text form `ESCALATE_NEEDED: reason`.
    EscalateNeeded(String),
    /// Not a valid decision: the field path (within the decision) and why.
    Invalid { field: String, message: String },
}

fn schema() -> Result<&'static Schema, String> {
    static SCHEMA: OnceLock<Result<Schema, String>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| Schema::compile(DECISION_SCHEMA_JSON))
        .as_ref()
        .map_err(Clone::clone)
}

/// Compiles the decision schema now, so the first check does not pay for it.
pub(crate) fn prepare_schema() -> crate::error::Result<()> {
    schema().map(|_| ()).map_err(|message| {
        crate::error::Error::new(
            crate::codes::Code::InternalError,
            format!("the shipped decision schema does not compile: {message}"),
        )
    })
}

/// Reads the raw `decision` value: the plain-text form, a JSON text, or an object.
pub(crate) fn read(value: &Value) -> ReadDecision {
    match value {
        Value::String(text) => {
            let trimmed = text.trim();
            if let Some(rest) = trimmed.strip_prefix(ESCALATE_NEEDED_PREFIX) {
                let reason = rest.trim_start_matches(':').trim().to_string();
                return ReadDecision::EscalateNeeded(reason);
            }
            match serde_json::from_str::<UniqueKeysValue>(trimmed) {
                Ok(UniqueKeysValue(parsed @ Value::Object(_))) => read(&parsed),
                // A repeated key: which value counts depends on the parser.
                Err(error) if error.is_data() => ReadDecision::Invalid {
                    field: String::new(),
                    message: format!(
                        "the decision text is ambiguous: {}",
                        crate::source::without_position(&error)
                    ),
                },
                _ => ReadDecision::Invalid {
                    field: String::new(),
                    message: "the decision is text that is neither a JSON object nor `ESCALATE_NEEDED: reason`".into(),
                },
            }
        }
        Value::Null => ReadDecision::Invalid {
            field: String::new(),
            message: "the request has no decision".into(),
        },
        other => read_object(other),
    }
}

fn read_object(value: &Value) -> ReadDecision {
    let validator = match schema() {
        Ok(validator) => validator,
        Err(message) => {
            return ReadDecision::Invalid {
                field: String::new(),
                message: format!("the decision schema is unavailable: {message}"),
            }
        }
    };
    if let Some(failure) = validator.failures(value).first() {
        return ReadDecision::Invalid {
            field: pointer_to_field(&failure.instance_path),
            message: failure.message(),
        };
    }
    match Decision::deserialize(value) {
        Ok(decision) => ReadDecision::Structured(Box::new(decision)),
        Err(error) => ReadDecision::Invalid {
            field: String::new(),
            message: error.to_string(),
        },
    }
}

/// `/actions/0/tool` → `actions[0].tool`.
pub(crate) fn pointer_to_field(pointer: &str) -> String {
    let mut field = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() {
            field.push_str(&format!("[{segment}]"));
        } else {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(&segment);
        }
    }
    field
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "intent": "how_to_2fa", "confidence": 0.9, "grounded": true,
            "decision": "AUTO_RESOLVE", "actions": [], "customer_reply": "hi"
        })
    }

    #[test]
    fn reads_objects_text_and_escalate_needed() {
        assert!(matches!(read(&valid()), ReadDecision::Structured(_)));
        let text = Value::String(valid().to_string());
        assert!(matches!(read(&text), ReadDecision::Structured(_)));
        match read(&json!("ESCALATE_NEEDED: refund policy not in KB")) {
            ReadDecision::EscalateNeeded(reason) => assert_eq!(reason, "refund policy not in KB"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn schema_errors_name_the_field() {
        let mut bad = valid();
        bad["confidence"] = json!(1.5);
        match read(&bad) {
            ReadDecision::Invalid { field, message } => {
                assert_eq!(field, "confidence");
                assert_eq!(message, "1.5 is greater than the maximum of 1");
            }
            other => panic!("{other:?}"),
        }
        let mut bad = valid();
        bad["actions"] = json!([{"tool": "x", "args": {}}, {"args": {}}]);
        match read(&bad) {
            ReadDecision::Invalid { field, .. } => assert_eq!(field, "actions[1]"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(read(&Value::Null), ReadDecision::Invalid { .. }));
        assert!(matches!(
            read(&json!("sure, refunded!")),
            ReadDecision::Invalid { .. }
        ));
    }

    #[test]
    fn autonomy_never_rises() {
        assert_eq!(
            DecisionKind::Draft.at_most(DecisionKind::AutoResolve),
            DecisionKind::Draft
        );
        assert_eq!(
            DecisionKind::AutoResolve.at_most(DecisionKind::Escalate),
            DecisionKind::Escalate
        );
    }
}
