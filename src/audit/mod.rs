//! The append-only audit trail: one record per verdict, hash-chained.
//!
//! The blueprint requires an append-only log of classification, draft and routing for
//! every ticket. "Append-only" is only a promise unless a reader can check it, so each
//! record carries the SHA-256 of the previous record, and its own hash over its
//! canonical JSON ([`canonical`], RFC 8785). [`verify_chain`] then finds the first
//! record that was changed, deleted, reordered or inserted.
//!
//! Records also carry digests of the policy and contract in force, so that an auditor
//! can tell which rules produced a verdict.

pub mod canonical;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::codes::{Code, Trigger};
use crate::decision::DecisionKind;
use crate::policy::{Priority, Sentiment};
use crate::request::Request;
use crate::verdict::Verdict;

/// The `prev` of the first record of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The SHA-256 of a JSON value's canonical form, as lowercase hex.
pub fn digest(value: &Value) -> String {
    let canonical = canonical::to_canonical_string(value);
    hex(&Sha256::digest(canonical.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// How the model classified the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Intent label.
    pub intent: Option<String>,
    /// Sentiment.
    pub sentiment: Option<Sentiment>,
    /// Urgency.
    pub urgency: Option<Priority>,
    /// Confidence.
    pub confidence: Option<f64>,
}

/// A knowledge-base document the decision was made with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievedSource {
    /// Article id.
    pub id: String,
    /// Retrieval similarity, when the host gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// Where the verdict sent the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routing {
    /// Final decision.
    pub decision: DecisionKind,
    /// Proposed decision.
    pub proposed: Option<DecisionKind>,
    /// Queue.
    pub queue: String,
    /// Priority.
    pub priority: Priority,
    /// Fired triggers.
    pub triggers: Vec<Trigger>,
}

/// One link of the audit chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the chain, from 0.
    pub seq: u64,
    /// The previous record's hash ([`GENESIS`] for the first).
    pub prev: String,
    /// The ticket.
    pub ticket_id: Option<String>,
    /// The request's `now`.
    pub at: Option<String>,
    /// The model's classification.
    pub classification: Classification,
    /// The KB documents in the request's context: the blueprint logs every decision
    /// with its retrieved sources (tickets that escalate for want of one are the KB's
    /// backlog). Absent from records written before sources were logged, which verify
    /// as they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<RetrievedSource>,
    /// The decision's `grounded` flag, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounded: Option<bool>,
    /// The reply as the guard let it out (PII redacted, disclosures added), else as drafted.
    pub draft: Option<String>,
    /// The routing outcome.
    pub routing: Routing,
    /// Violation codes, in verdict order.
    pub codes: Vec<Code>,
    /// Tools allowed, with their modes, as `tool:mode`.
    pub allowed: Vec<String>,
    /// Tools blocked, as `tool:CODE`.
    pub blocked: Vec<String>,
    /// Digest of the policy in force.
    pub policy_digest: String,
    /// Digest of the contract in force.
    pub contract_digest: String,
    /// SHA-256 over the canonical JSON of every other field.
    pub hash: String,
}

impl AuditRecord {
    /// Builds the record for `verdict`, linked after `previous`.
    pub fn new(
        request: &Request,
        verdict: &Verdict,
        previous: Option<&AuditRecord>,
        policy_digest: &str,
        contract_digest: &str,
    ) -> AuditRecord {
        let decision = request.decision.as_object();
        let text = |key: &str| decision.and_then(|d| d.get(key)).and_then(Value::as_str);
        let mut record = AuditRecord {
            seq: previous.map_or(0, |p| p.seq + 1),
            prev: previous.map_or_else(|| GENESIS.to_string(), |p| p.hash.clone()),
            ticket_id: request.ticket.id.clone(),
            at: request.now.clone(),
            classification: Classification {
                intent: verdict.intent.clone(),
                sentiment: member(decision, "sentiment"),
                urgency: member(decision, "urgency"),
                confidence: decision
                    .and_then(|d| d.get("confidence"))
                    .and_then(Value::as_f64),
            },
            sources: request
                .context
                .kb
                .iter()
                .map(|doc| RetrievedSource {
                    id: doc.id.clone(),
                    score: doc.score,
                })
                .collect(),
            grounded: member(decision, "grounded"),
            // The log must not become a second copy of the PII the guard redacted.
            draft: verdict
                .reply
                .as_ref()
                .map(|reply| reply.redacted.clone().unwrap_or_else(|| reply.text.clone()))
                .or_else(|| text("customer_reply").map(str::to_string)),
            routing: Routing {
                decision: verdict.decision,
                proposed: verdict.proposed,
                queue: verdict.escalation.queue.clone(),
                priority: verdict.escalation.priority,
                triggers: verdict.escalation.triggers.clone(),
            },
            codes: verdict.violations.iter().map(|v| v.code).collect(),
            allowed: verdict
                .allowed
                .iter()
                .map(|a| {
                    let mode = serde_json::to_value(a.mode)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    format!("{}:{mode}", a.tool)
                })
                .collect(),
            blocked: verdict
                .blocked
                .iter()
                .map(|b| format!("{}:{}", b.tool, b.code))
                .collect(),
            policy_digest: policy_digest.to_string(),
            contract_digest: contract_digest.to_string(),
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        record
    }

    /// The hash this record should carry.
    pub fn compute_hash(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(object) = value.as_object_mut() {
            object.remove("hash");
        }
        digest(&value)
    }
}

/// A member of the raw decision object, when it has the expected type.
fn member<T: serde::de::DeserializeOwned>(
    decision: Option<&serde_json::Map<String, Value>>,
    key: &str,
) -> Option<T> {
    decision
        .and_then(|d| d.get(key))
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// What is wrong with a chain, at the first bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainFault {
    /// The record's content does not match its hash: it was changed.
    HashMismatch,
    /// The record does not link to the one before it: one was deleted, inserted or moved.
    BrokenLink,
    /// The sequence number is not the previous one plus one.
    SequenceGap,
    /// The first record does not start a chain.
    BadGenesis,
}

/// The result of [`verify_chain`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainReport {
    /// Whether every link holds.
    pub ok: bool,
    /// Records checked.
    pub records: usize,
    /// Index (0-based) of the first bad record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_index: Option<usize>,
    /// What is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<ChainFault>,
    /// Why, for a human.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Checks every link, and reports the first record that breaks the chain.
pub fn verify_chain(records: &[AuditRecord]) -> ChainReport {
    let mut previous: Option<&AuditRecord> = None;
    for (index, record) in records.iter().enumerate() {
        let fault = if record.compute_hash() != record.hash {
            Some((
                ChainFault::HashMismatch,
                format!(
                    "record {index} (seq {}) does not match its hash: it was changed",
                    record.seq
                ),
            ))
        } else {
            match previous {
                None if record.prev != GENESIS || record.seq != 0 => Some((
                    ChainFault::BadGenesis,
                    format!("record {index} should start the chain (seq 0, prev {GENESIS})"),
                )),
                None => None,
                Some(before) if record.prev != before.hash => Some((
                    ChainFault::BrokenLink,
                    format!("record {index} (seq {}) does not link to record {} (seq {}): a record was deleted, inserted or moved", record.seq, index - 1, before.seq),
                )),
                Some(before) if record.seq != before.seq + 1 => Some((
                    ChainFault::SequenceGap,
                    format!("record {index} has seq {} after seq {}", record.seq, before.seq),
                )),
                Some(_) => None,
            }
        };
        if let Some((fault, message)) = fault {
            return ChainReport {
                ok: false,
                records: records.len(),
                first_bad_index: Some(index),
                fault: Some(fault),
                message: Some(message),
            };
        }
        previous = Some(record);
    }
    ChainReport {
        ok: true,
        records: records.len(),
        first_bad_index: None,
        fault: None,
        message: None,
    }
}
