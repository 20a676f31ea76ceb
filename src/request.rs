//! The check request (format v1): the ticket, the retrieved context, the model's
//! decision, the trace so far, and the time.
//!
//! Every field is optional except what a rule cannot do without, and unknown fields
//! are accepted (helpdesks attach their own). A missing field takes the value that
//! fails closed: an absent `verified` is `false`, an absent decision is a schema
//! violation that escalates.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::codes::Code;
use crate::error::{Error, Result};
use crate::source::json_path::{FieldPath, Segment};
use crate::source::{json_pointer, object, objects};

/// The largest request JSON `check_json` accepts; a larger one fails closed.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// A check request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Request {
    /// The inbound ticket.
    #[serde(default, deserialize_with = "object")]
    pub ticket: Ticket,
    /// What retrieval found for this turn.
    #[serde(default, deserialize_with = "object")]
    pub context: Context,
    /// The model's decision: the blueprint's JSON object, or the plain-text form
    /// `ESCALATE_NEEDED: reason`. Validated by the engine, so kept as raw JSON here;
    /// an object that repeats a key is refused (parsers disagree on which one counts).
    #[serde(default, deserialize_with = "crate::source::unique::unique_keys")]
    pub decision: Value,
    /// What the agent loop has spent so far.
    #[serde(default, deserialize_with = "object")]
    pub trace: Trace,
    /// The current time, RFC 3339. Checks never read a clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
}

/// The ticket.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ticket {
    /// Helpdesk ticket id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Subject line.
    #[serde(default)]
    pub subject: String,
    /// Body, with quoted history and signatures stripped.
    #[serde(default)]
    pub body: String,
    /// Conversation turn, 1 for the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<u32>,
    /// Who wrote it.
    #[serde(default, deserialize_with = "object")]
    pub customer: Customer,
}

/// The customer, as the CRM knows them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Customer {
    /// CRM id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether identity is verified. Absent means not verified.
    #[serde(default)]
    pub verified: bool,
    /// Plan name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Account tier (`enterprise`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Annual recurring revenue in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arr_usd: Option<f64>,
    /// Earlier contacts about the same issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_contacts_same_issue: Option<u32>,
}

/// Retrieved context.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Context {
    /// Knowledge-base documents.
    #[serde(default, deserialize_with = "objects")]
    pub kb: Vec<KbDoc>,
    /// CRM fields, as the CRM returned them.
    #[serde(default)]
    pub crm: Map<String, Value>,
    /// Orders and transactions.
    #[serde(default, deserialize_with = "objects")]
    pub orders: Vec<Order>,
}

/// A knowledge-base document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KbDoc {
    /// Article id (`KB-204`).
    pub id: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Content, or the retrieved chunk of it.
    #[serde(default)]
    pub content: String,
    /// Last update, RFC 3339 or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Retrieval similarity, 0..1 (anything else is refused). Absent means the host
    /// already filtered by relevance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Topic tags (`refund_policy`, `pricing`, ...).
    #[serde(default)]
    pub tags: Vec<String>,
}

impl KbDoc {
    /// Whether the document may ground an answer at the policy's `retrieval_min`: it
    /// scores at least that, or has no score (the host filtered by relevance). One
    /// rule for grounding, refund policies, the reply validator and knowledge gaps.
    pub fn is_relevant(&self, retrieval_min: f64) -> bool {
        self.score.is_none_or(|score| score >= retrieval_min)
    }
}

/// An order or transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    /// Transaction id.
    pub txn_id: String,
    /// Amount in USD.
    pub amount_usd: f64,
    /// Date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Status (`paid`, `refunded`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// What the agent loop has used so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Trace {
    /// Reasoning turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turns: Option<u32>,
    /// Tool calls made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<u32>,
    /// Model and tool cost in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

impl Request {
    /// Parses a request from JSON text.
    ///
    /// # Errors
    /// `JSON_SYNTAX` for text that is not JSON, `REQUEST_INVALID` for a field of the
    /// wrong type or a value out of range (naming the field and its line:column) or a
    /// text over [`MAX_REQUEST_BYTES`].
    pub fn from_json(text: &str) -> Result<Request> {
        if text.len() > MAX_REQUEST_BYTES {
            return Err(Error::new(
                Code::RequestInvalid,
                format!(
                    "the request is {} bytes, over the limit of {MAX_REQUEST_BYTES}",
                    text.len()
                ),
            ));
        }
        let request: Request = crate::source::from_json_object(text, Code::RequestInvalid)?;
        request
            .validate()
            .map_err(|bad| bad.into_error(Some(text)))?;
        Ok(request)
    }

    /// Parses a request from a JSON value (the JS bindings' path).
    ///
    /// # Errors
    /// `REQUEST_INVALID` naming the field.
    pub fn from_value(value: Value) -> Result<Request> {
        let request: Request = crate::source::from_json_object_value(&value, Code::RequestInvalid)?;
        request.validate().map_err(|bad| bad.into_error(None))?;
        Ok(request)
    }

    /// Checks what serde cannot: the time format, finite amounts, and retrieval scores
    /// on the 0..1 scale that the policy's `retrieval_min` is written in (a score on
    /// another scale would pass or fail that threshold by accident).
    fn validate(&self) -> std::result::Result<(), OutOfRange> {
        use Segment::{Element, Member};
        let at = |segments: Vec<Segment>, message: String| OutOfRange {
            path: FieldPath(segments),
            message,
        };
        let member = |name: &str| Member(name.to_string());
        if let Some(now) = &self.now {
            if now.parse::<jiff::Timestamp>().is_err() {
                return Err(at(
                    vec![member("now")],
                    format!("`{now}` is not an RFC 3339 time such as `2026-06-03T10:00:00Z`"),
                ));
            }
        }
        // The path is built only for the value that fails: a check validates every
        // request it reads.
        let amount = |value: f64, path: &dyn Fn() -> Vec<Segment>| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(at(
                    path(),
                    format!("`{value}` is not a non-negative amount"),
                ))
            }
        };
        for (i, order) in self.context.orders.iter().enumerate() {
            amount(order.amount_usd, &|| {
                vec![
                    member("context"),
                    member("orders"),
                    Element(i),
                    member("amount_usd"),
                ]
            })?;
        }
        if let Some(cost) = self.trace.cost_usd {
            amount(cost, &|| vec![member("trace"), member("cost_usd")])?;
        }
        if let Some(arr) = self.ticket.customer.arr_usd {
            amount(arr, &|| {
                vec![member("ticket"), member("customer"), member("arr_usd")]
            })?;
        }
        for (i, doc) in self.context.kb.iter().enumerate() {
            if let Some(score) = doc.score.filter(|score| !(0.0..=1.0).contains(score)) {
                return Err(at(
                    vec![member("context"), member("kb"), Element(i), member("score")],
                    format!("`{score}` is not a retrieval score from 0 to 1"),
                ));
            }
        }
        Ok(())
    }
}

/// A request value that read but is out of range, and where it is.
struct OutOfRange {
    path: FieldPath,
    message: String,
}

impl OutOfRange {
    /// `REQUEST_INVALID` naming the field, at its line:column in `text` when the
    /// request was read from text.
    fn into_error(self, text: Option<&str>) -> Error {
        let location = text.and_then(|text| json_pointer::locate(text, &self.path.pointer()));
        Error::new(Code::RequestInvalid, self.message)
            .in_field(self.path.to_string())
            .at(location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_request_fails_closed() {
        let request = Request::from_json(r#"{"decision": "ESCALATE_NEEDED: no KB"}"#).unwrap();
        assert!(!request.ticket.customer.verified);
        assert!(request.context.kb.is_empty());
    }

    #[test]
    fn wrong_type_names_field_and_position() {
        let error =
            Request::from_json("{\n  \"ticket\": {\"customer\": {\"verified\": \"yes\"}}\n}")
                .unwrap_err();
        assert_eq!(error.code(), Code::RequestInvalid);
        assert_eq!(error.field(), Some("ticket.customer.verified"));
        assert_eq!(error.to_string(), "2:43: field `ticket.customer.verified`: invalid type: string \"yes\", expected a boolean");
    }

    #[test]
    fn only_objects_are_requests() {
        for (text, code, expected) in [
            (
                "[]",
                Code::RequestInvalid,
                "1:1: invalid type: sequence, expected a mapping",
            ),
            (
                "\"x\"",
                Code::RequestInvalid,
                "1:3: invalid type: string \"x\", expected a mapping",
            ),
            (
                "42",
                Code::RequestInvalid,
                "1:2: invalid type: integer `42`, expected a mapping",
            ),
            ("", Code::JsonSyntax, "1:1: EOF while parsing a value"),
            ("  ", Code::JsonSyntax, "1:2: EOF while parsing a value"),
        ] {
            let error = Request::from_json(text).unwrap_err();
            assert_eq!(error.code(), code, "{text:?}");
            assert_eq!(error.to_string(), expected, "{text:?}");
        }
    }

    /// Regression (found by fuzzing the npm package): `"ticket": []` read as a ticket
    /// of defaults and `"customer": [true]` as a verified customer.
    #[test]
    fn nested_parts_are_objects_too() {
        for (text, field, message) in [
            (
                r#"{"ticket": []}"#,
                "ticket",
                "invalid type: sequence, expected a mapping",
            ),
            (
                r#"{"ticket": {"customer": [true]}}"#,
                "ticket.customer",
                "invalid type: sequence, expected a mapping",
            ),
            (
                r#"{"context": [[], {}, []]}"#,
                "context",
                "invalid type: sequence, expected a mapping",
            ),
            (
                r#"{"context": {"kb": [["KB-1", "t", "c"]]}}"#,
                "context.kb[0]",
                "invalid type: sequence, expected a mapping",
            ),
            (
                r#"{"context": {"orders": [["txn_1", 5]]}}"#,
                "context.orders[0]",
                "invalid type: sequence, expected a mapping",
            ),
            (
                r#"{"trace": [2, 1, 0.04]}"#,
                "trace",
                "invalid type: sequence, expected a mapping",
            ),
        ] {
            let error = Request::from_json(text).unwrap_err();
            assert_eq!(error.code(), Code::RequestInvalid, "{text}");
            assert_eq!(error.field(), Some(field), "{text}");
            assert_eq!(error.message(), message, "{text}");
        }
        let request = Request::from_json(
            r#"{"ticket": {"customer": {"verified": true}}, "context": {"kb": [{"id": "KB-1"}]}}"#,
        )
        .unwrap();
        assert!(request.ticket.customer.verified);
        assert_eq!(request.context.kb[0].id, "KB-1");
    }

    #[test]
    fn bad_time_is_rejected() {
        let error = Request::from_json(r#"{"now": "yesterday"}"#).unwrap_err();
        assert_eq!(error.field(), Some("now"));
        assert!(Request::from_json(r#"{"now": "2026-06-03T10:00:00Z"}"#).is_ok());
    }
}
