//! Replaying labeled requests: the accumulator and its report.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codes::Code;
use crate::decision::DecisionKind;
use crate::error::{Error, Result};
use crate::request::Request;
use crate::verdict::Verdict;

use super::{bounded_key, CappedMap, InvalidLine, InvalidLines, Merge, Rate};

/// Distinct intents reported (the smallest names are kept; the rest are `(other)`).
const MAX_INTENTS: usize = 2_000;
/// Distinct labeled queues reported.
const MAX_QUEUES: usize = 500;
/// Days in the trend (the latest are kept).
const MAX_DAYS: usize = 1_000;

/// What a human says the outcome should have been. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// The expected final decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionKind>,
    /// The expected queue (`""` when the ticket should stay with the agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Whether the case is sensitive or urgent, and must be escalated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<bool>,
    /// The reply a human sent after reviewing the draft: the blueprint's gold label.
    /// With it the replay measures how much drafts are edited, and which intents are
    /// ready to promote to auto-resolve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_reply: Option<String>,
}

impl Label {
    /// Whether the label says the case must escalate (`Some(true)`), must not
    /// (`Some(false)`), or does not say.
    pub fn should_escalate(&self) -> Option<bool> {
        match (self.sensitive, self.decision) {
            (Some(true), _) | (_, Some(DecisionKind::Escalate)) => Some(true),
            (Some(false), _) | (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    }
}

/// One line of a labeled file: a request and its optional label.
#[derive(Debug, Clone, Default)]
pub struct LabeledRequest {
    /// The request.
    pub request: Request,
    /// The label, when the line has one.
    pub label: Option<Label>,
}

impl LabeledRequest {
    /// Parses one line: a request (format v1) with an optional `label` object.
    ///
    /// # Errors
    /// `JSON_SYNTAX` with line:column, or `REQUEST_INVALID` naming the field (a label
    /// field is `label.<name>`), or a line over [`crate::MAX_REQUEST_BYTES`].
    pub fn from_json(line: &str) -> Result<LabeledRequest> {
        super::check_line_size(line)?;
        let mut value: Value = serde_json::from_str(line).map_err(|error| {
            // Re-parse through the located path for the error only (the fast path above
            // does not track fields).
            crate::source::json_value(line)
                .err()
                .unwrap_or_else(|| Error::new(Code::JsonSyntax, error.to_string()))
        })?;
        let label = match value
            .as_object_mut()
            .and_then(|object| object.remove("label"))
        {
            None | Some(Value::Null) => None,
            Some(label) => Some(
                crate::source::from_json_object_value(&label, Code::RequestInvalid).map_err(
                    |error: Error| {
                        let field = match error.field() {
                            Some(path) => format!("label.{path}"),
                            None => "label".to_string(),
                        };
                        Error::new(Code::RequestInvalid, error.message()).in_field(field)
                    },
                )?,
            ),
        };
        let request = Request::from_value(value)?;
        Ok(LabeledRequest { request, label })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct IntentCounts {
    requests: u64,
    downgraded: u64,
    escalated: u64,
    reviewed: u64,
    unedited: u64,
    knowledge_gaps: u64,
}

impl Merge for IntentCounts {
    fn merge(&mut self, other: Self) {
        self.requests += other.requests;
        self.downgraded += other.downgraded;
        self.escalated += other.escalated;
        self.reviewed += other.reviewed;
        self.unedited += other.unedited;
        self.knowledge_gaps += other.knowledge_gaps;
    }
}

/// The blueprint's quality bar for promoting an intent to auto-resolve: more than 95%
/// of its drafts approved without edit...
const PROMOTION_UNEDITED_SHARE: f64 = 0.95;
/// ...over a few hundred reviewed tickets.
const PROMOTION_MIN_REVIEWED: u64 = 200;
/// Words compared per reply when measuring an edit: a reply past the policy's length
/// limit is not a draft anyone approves as written, and the comparison is quadratic.
const EDIT_MAX_WORDS: usize = 2_000;

/// How much of `draft` a human changed to send `sent`: the word-level edit distance
/// over the longer text's word count, in thousandths (integers add up the same in
/// every chunking). Whitespace is not an edit.
fn edit_milli(draft: &str, sent: &str) -> u64 {
    let draft: Vec<&str> = draft.split_whitespace().take(EDIT_MAX_WORDS).collect();
    let sent: Vec<&str> = sent.split_whitespace().take(EDIT_MAX_WORDS).collect();
    let longest = draft.len().max(sent.len());
    if longest == 0 {
        return 0;
    }
    // Levenshtein over words, two rows: each cell from the one diagonally before it
    // (substitute), above it (delete) and to its left (insert).
    let mut previous: Vec<usize> = (0..=sent.len()).collect();
    let mut current = Vec::with_capacity(previous.len());
    for (i, draft_word) in draft.iter().enumerate() {
        current.clear();
        current.push(i + 1);
        let diagonal_and_up = previous.iter().zip(previous.iter().skip(1));
        for (sent_word, (diagonal, up)) in sent.iter().zip(diagonal_and_up) {
            let left = current.last().copied().unwrap_or(0);
            let substitute = diagonal + usize::from(draft_word != sent_word);
            current.push(substitute.min(up + 1).min(left + 1));
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous.last().copied().unwrap_or(0);
    // Rounded to the nearest thousandth; with at most EDIT_MAX_WORDS (2,000) words a
    // single changed word is still at least 1, so 0 means unedited.
    (distance as u64 * 1000 + longest as u64 / 2) / longest as u64
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct QueueCounts {
    labeled: u64,
    correct: u64,
}

impl Merge for QueueCounts {
    fn merge(&mut self, other: Self) {
        self.labeled += other.labeled;
        self.correct += other.correct;
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct DayCounts {
    requests: u64,
    escalated: u64,
    decision_labeled: u64,
    decision_correct: u64,
    cost_nano: u128,
}

impl Merge for DayCounts {
    fn merge(&mut self, other: Self) {
        self.requests += other.requests;
        self.escalated += other.escalated;
        self.decision_labeled += other.decision_labeled;
        self.decision_correct += other.decision_correct;
        self.cost_nano += other.cost_nano;
    }
}

const KINDS: [DecisionKind; 4] = [
    DecisionKind::AutoResolve,
    DecisionKind::Draft,
    DecisionKind::Route,
    DecisionKind::Escalate,
];

fn kind_index(kind: DecisionKind) -> usize {
    match kind {
        DecisionKind::AutoResolve => 0,
        DecisionKind::Draft => 1,
        DecisionKind::Route => 2,
        DecisionKind::Escalate => 3,
    }
}

fn bump(slot: Option<&mut u64>) {
    if let Some(slot) = slot {
        *slot += 1;
    }
}

/// Streaming, mergeable replay metrics. See the [module docs](super) for the
/// definitions. Memory is bounded whatever the number of requests added.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalAccumulator {
    requests: u64,
    labeled: u64,
    decisions: [u64; 4],
    proposed: [u64; 4],
    proposed_unreadable: u64,
    confusion: [[u64; 4]; 4],
    queues: CappedMap<QueueCounts>,
    sensitive: u64,
    sensitive_escalated: u64,
    not_sensitive: u64,
    not_sensitive_escalated: u64,
    downgraded: u64,
    intents: CappedMap<IntentCounts>,
    codes: BTreeMap<Code, u64>,
    drafts: u64,
    grounded_drafts: u64,
    reviewed: u64,
    unedited: u64,
    edit_milli: u64,
    cost_nano: u128,
    days: CappedMap<DayCounts>,
    invalid: InvalidLines,
}

impl Default for EvalAccumulator {
    fn default() -> Self {
        EvalAccumulator::new()
    }
}

impl EvalAccumulator {
    /// An empty accumulator.
    pub fn new() -> EvalAccumulator {
        EvalAccumulator {
            requests: 0,
            labeled: 0,
            decisions: [0; 4],
            proposed: [0; 4],
            proposed_unreadable: 0,
            confusion: [[0; 4]; 4],
            queues: CappedMap::new(MAX_QUEUES, false),
            sensitive: 0,
            sensitive_escalated: 0,
            not_sensitive: 0,
            not_sensitive_escalated: 0,
            downgraded: 0,
            intents: CappedMap::new(MAX_INTENTS, false),
            codes: BTreeMap::new(),
            drafts: 0,
            grounded_drafts: 0,
            reviewed: 0,
            unedited: 0,
            edit_milli: 0,
            cost_nano: 0,
            days: CappedMap::new(MAX_DAYS, true),
            invalid: InvalidLines::default(),
        }
    }

    /// Adds one replayed request and the verdict the engine gave it.
    pub fn add(&mut self, labeled: &LabeledRequest, verdict: &Verdict) {
        self.requests += 1;
        let decision = verdict.decision;
        let escalated = verdict.escalation.needed || decision == DecisionKind::Escalate;
        bump(self.decisions.get_mut(kind_index(decision)));
        match verdict.proposed {
            Some(proposed) => bump(self.proposed.get_mut(kind_index(proposed))),
            None => self.proposed_unreadable += 1,
        }
        if verdict.downgraded {
            self.downgraded += 1;
        }
        let cost_nano = nano(verdict.cost.usd);
        self.cost_nano += cost_nano;

        let mut decision_labeled = false;
        let mut decision_correct = false;
        if let Some(label) = &labeled.label {
            self.labeled += 1;
            if let Some(expected) = label.decision {
                decision_labeled = true;
                decision_correct = expected == decision;
                bump(
                    self.confusion
                        .get_mut(kind_index(expected))
                        .and_then(|row| row.get_mut(kind_index(decision))),
                );
            }
            if let Some(queue) = &label.queue {
                self.queues.add(
                    bounded_key(queue),
                    QueueCounts {
                        labeled: 1,
                        correct: u64::from(verdict.escalation.queue == *queue),
                    },
                );
            }
            if label.sensitive == Some(true) {
                self.sensitive += 1;
                self.sensitive_escalated += u64::from(escalated);
            }
            if label.should_escalate() == Some(false) {
                self.not_sensitive += 1;
                self.not_sensitive_escalated += u64::from(escalated);
            }
        }

        // The draft a human reviewed: the reply as the verdict handed it on, else the
        // model's own.
        let sent = labeled
            .label
            .as_ref()
            .and_then(|label| label.sent_reply.as_deref());
        let draft = verdict
            .reply
            .as_ref()
            .map(|reply| reply.text.as_str())
            .or_else(|| {
                labeled
                    .request
                    .decision
                    .get("customer_reply")
                    .and_then(Value::as_str)
            });
        let review = match (draft, sent) {
            (Some(draft), Some(sent)) => Some(edit_milli(draft, sent)),
            _ => None,
        };
        if let Some(milli) = review {
            self.reviewed += 1;
            self.unedited += u64::from(milli == 0);
            self.edit_milli += milli;
        }

        let intent = verdict
            .intent
            .as_deref()
            .map_or_else(|| "(unreadable)".to_string(), bounded_key);
        self.intents.add(
            intent,
            IntentCounts {
                requests: 1,
                downgraded: u64::from(verdict.downgraded),
                escalated: u64::from(escalated),
                reviewed: u64::from(review.is_some()),
                unedited: u64::from(review == Some(0)),
                knowledge_gaps: u64::from(verdict.knowledge_gap),
            },
        );

        let mut seen: Vec<Code> = verdict.violations.iter().map(|v| v.code).collect();
        seen.sort();
        seen.dedup();
        for code in seen {
            *self.codes.entry(code).or_insert(0) += 1;
        }

        if matches!(
            verdict.proposed,
            Some(DecisionKind::Draft | DecisionKind::AutoResolve)
        ) {
            self.drafts += 1;
            if !verdict.has_violation(Code::NotGrounded)
                && !verdict.has_violation(Code::RetrievalBelowMin)
            {
                self.grounded_drafts += 1;
            }
        }

        if let Some(day) = labeled.request.now.as_deref().and_then(day_of) {
            self.days.add(
                day,
                DayCounts {
                    requests: 1,
                    escalated: u64::from(escalated),
                    decision_labeled: u64::from(decision_labeled),
                    decision_correct: u64::from(decision_correct),
                    cost_nano,
                },
            );
        }
    }

    /// Records a line that could not be read (1-based `line`) and why (an
    /// [`Error`], or any message).
    pub fn add_invalid(&mut self, line: u64, reason: &impl std::fmt::Display) {
        self.invalid.add(line, reason.to_string());
    }

    /// Adds everything `other` counted. Merging is associative and commutative: any
    /// split of the input into chunks gives the same report.
    pub fn merge(&mut self, other: EvalAccumulator) {
        self.requests += other.requests;
        self.labeled += other.labeled;
        for (mine, theirs) in self.decisions.iter_mut().zip(other.decisions) {
            *mine += theirs;
        }
        for (mine, theirs) in self.proposed.iter_mut().zip(other.proposed) {
            *mine += theirs;
        }
        self.proposed_unreadable += other.proposed_unreadable;
        for (mine, theirs) in self.confusion.iter_mut().zip(other.confusion) {
            for (cell, add) in mine.iter_mut().zip(theirs) {
                *cell += add;
            }
        }
        self.queues.merge(other.queues);
        self.sensitive += other.sensitive;
        self.sensitive_escalated += other.sensitive_escalated;
        self.not_sensitive += other.not_sensitive;
        self.not_sensitive_escalated += other.not_sensitive_escalated;
        self.downgraded += other.downgraded;
        self.intents.merge(other.intents);
        for (code, count) in other.codes {
            *self.codes.entry(code).or_insert(0) += count;
        }
        self.drafts += other.drafts;
        self.grounded_drafts += other.grounded_drafts;
        self.reviewed += other.reviewed;
        self.unedited += other.unedited;
        self.edit_milli += other.edit_milli;
        self.cost_nano += other.cost_nano;
        self.days.merge(other.days);
        self.invalid.merge(other.invalid);
    }

    /// How many requests were added.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// The metrics.
    pub fn report(&self) -> ReplayReport {
        let decision_labeled: u64 = self.confusion.iter().flatten().sum();
        let decision_correct: u64 = (0..4)
            .filter_map(|i| self.confusion.get(i).and_then(|row| row.get(i)))
            .sum();
        let escalated = self.decisions.get(3).copied().unwrap_or(0);
        let names = |counts: &[u64; 4]| -> BTreeMap<String, u64> {
            KINDS
                .iter()
                .zip(counts)
                .map(|(kind, count)| (kind.as_str().to_string(), *count))
                .collect()
        };
        let mut proposed = names(&self.proposed);
        if self.proposed_unreadable > 0 {
            proposed.insert("(unreadable)".into(), self.proposed_unreadable);
        }
        let confusion = KINDS
            .iter()
            .zip(&self.confusion)
            .filter(|(_, row)| row.iter().any(|n| *n > 0))
            .map(|(kind, row)| (kind.as_str().to_string(), names(row)))
            .collect();
        let (queue_labeled, queue_correct) = self
            .queues
            .map
            .values()
            .chain(std::iter::once(&self.queues.other))
            .fold((0, 0), |(l, c), q| (l + q.labeled, c + q.correct));
        let mut queues: Vec<QueueRow> = self
            .queues
            .map
            .iter()
            .map(|(queue, counts)| QueueRow {
                queue: queue.clone(),
                accuracy: Rate::new(counts.correct, counts.labeled),
            })
            .collect();
        if self.queues.other.labeled > 0 {
            queues.push(QueueRow {
                queue: "(other)".into(),
                accuracy: Rate::new(self.queues.other.correct, self.queues.other.labeled),
            });
        }
        let intent_row = |intent: &str, counts: &IntentCounts| IntentRow {
            intent: intent.to_string(),
            requests: counts.requests,
            downgrade_rate: Rate::new(counts.downgraded, counts.requests),
            escalation_rate: Rate::new(counts.escalated, counts.requests),
            approved_without_edit: Rate::new(counts.unedited, counts.reviewed),
            knowledge_gaps: counts.knowledge_gaps,
        };
        let mut intents: Vec<IntentRow> = self
            .intents
            .map
            .iter()
            .map(|(intent, counts)| intent_row(intent, counts))
            .collect();
        if self.intents.other.requests > 0 {
            intents.push(intent_row("(other)", &self.intents.other));
        }
        let mut violations: Vec<CodeCount> = self
            .codes
            .iter()
            .map(|(code, count)| CodeCount {
                code: *code,
                requests: *count,
                share: Rate::new(*count, self.requests),
            })
            .collect();
        violations.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.code.cmp(&b.code)));
        let days = self
            .days
            .map
            .iter()
            .map(|(day, counts)| DayRow {
                day: day.clone(),
                requests: counts.requests,
                escalation_rate: Rate::new(counts.escalated, counts.requests),
                decision_accuracy: Rate::new(counts.decision_correct, counts.decision_labeled),
                cost_usd: usd(counts.cost_nano),
            })
            .collect();
        ReplayReport {
            requests: self.requests,
            labeled: self.labeled,
            invalid_lines: self.invalid.count,
            invalid_examples: self.invalid.first.clone(),
            decisions: names(&self.decisions),
            proposed,
            decision_accuracy: Rate::new(decision_correct, decision_labeled),
            confusion,
            routing_accuracy: Rate::new(queue_correct, queue_labeled),
            queues,
            escalation_rate: Rate::new(escalated, self.requests),
            escalation_recall: Rate::new(self.sensitive_escalated, self.sensitive),
            over_escalation_rate: Rate::new(self.not_sensitive_escalated, self.not_sensitive),
            downgrade_rate: Rate::new(self.downgraded, self.requests),
            intents,
            violations,
            grounded_drafts: Rate::new(self.grounded_drafts, self.drafts),
            approved_without_edit: Rate::new(self.unedited, self.reviewed),
            draft_edit_rate: (self.reviewed > 0)
                .then(|| self.edit_milli as f64 / 1000.0 / self.reviewed as f64),
            ready_to_promote: self
                .intents
                .map
                .iter()
                .filter(|(intent, counts)| {
                    !intent.starts_with('(')
                        && counts.reviewed >= PROMOTION_MIN_REVIEWED
                        && counts.unedited as f64
                            > PROMOTION_UNEDITED_SHARE * counts.reviewed as f64
                })
                .map(|(intent, _)| intent.clone())
                .collect(),
            cost_total_usd: usd(self.cost_nano),
            cost_per_ticket_usd: (self.requests > 0)
                .then(|| usd(self.cost_nano) / self.requests as f64),
            days,
        }
    }
}

/// A cost in nano-dollars: integer sums are exact, so every chunking adds up the same.
fn nano(usd: f64) -> u128 {
    if usd.is_finite() && usd > 0.0 {
        // Saturating float-to-int conversion: absurd costs clamp, never wrap.
        (usd * 1e9).round() as u128
    } else {
        0
    }
}

fn usd(nano: u128) -> f64 {
    nano as f64 / 1e9
}

/// The UTC date (`YYYY-MM-DD`) of an RFC 3339 time.
fn day_of(now: &str) -> Option<String> {
    let timestamp: jiff::Timestamp = now.parse().ok()?;
    Some(TimeZone::UTC.to_datetime(timestamp).date().to_string())
}

/// Routing accuracy for one expected queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    /// The expected queue (`""`: stays with the agent).
    pub queue: String,
    /// Correct of labeled.
    pub accuracy: Rate,
}

/// One intent's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentRow {
    /// The model's intent label (`(unreadable)`, `(other)` past the table's cap).
    pub intent: String,
    /// Requests with this intent.
    pub requests: u64,
    /// Downgraded of these.
    pub downgrade_rate: Rate,
    /// Escalated of these.
    pub escalation_rate: Rate,
    /// Of these with a labeled `sent_reply`, the drafts sent as written.
    pub approved_without_edit: Rate,
    /// Of these, the verdicts that flag a knowledge gap (low confidence, no KB
    /// source): where the KB needs an article.
    pub knowledge_gaps: u64,
}

/// How many requests carry a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeCount {
    /// The code.
    pub code: Code,
    /// Requests with at least one violation of it.
    pub requests: u64,
    /// Of all requests.
    pub share: Rate,
}

/// One day of the trend (UTC date of the request's `now`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Requests that day.
    pub requests: u64,
    /// Escalated of these.
    pub escalation_rate: Rate,
    /// Correct decisions of those labeled with one.
    pub decision_accuracy: Rate,
    /// Cost that day.
    pub cost_usd: f64,
}

/// The replay metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    /// Requests replayed.
    pub requests: u64,
    /// Of which labeled.
    pub labeled: u64,
    /// Lines that could not be replayed.
    pub invalid_lines: u64,
    /// The first of them.
    pub invalid_examples: Vec<InvalidLine>,
    /// Final decisions.
    pub decisions: BTreeMap<String, u64>,
    /// Proposed decisions.
    pub proposed: BTreeMap<String, u64>,
    /// Final decision equals the labeled one.
    pub decision_accuracy: Rate,
    /// Labeled decision → final decision → count.
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
    /// Verdict queue equals the labeled one.
    pub routing_accuracy: Rate,
    /// Routing accuracy per expected queue.
    pub queues: Vec<QueueRow>,
    /// Escalated of all requests.
    pub escalation_rate: Rate,
    /// Escalated of sensitive requests.
    pub escalation_recall: Rate,
    /// Escalated of requests labeled as not needing it.
    pub over_escalation_rate: Rate,
    /// Downgraded of all requests.
    pub downgrade_rate: Rate,
    /// Per intent, by name.
    pub intents: Vec<IntentRow>,
    /// Requests per violation code, most frequent first.
    pub violations: Vec<CodeCount>,
    /// Grounded of proposed drafts.
    pub grounded_drafts: Rate,
    /// Of the drafts with a labeled `sent_reply`, those sent as written (whitespace
    /// aside).
    pub approved_without_edit: Rate,
    /// The blueprint's draft edit rate: the mean share of a reviewed draft's words a
    /// human changed (word-level edit distance over the longer text's words).
    pub draft_edit_rate: Option<f64>,
    /// Intents whose drafts clear the blueprint's bar for auto-resolve: at least 200
    /// reviewed, more than 95% approved without edit. By name.
    pub ready_to_promote: Vec<String>,
    /// Total cost, USD.
    pub cost_total_usd: f64,
    /// Mean cost per request, USD.
    pub cost_per_ticket_usd: Option<f64>,
    /// The trend by day.
    pub days: Vec<DayRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_counted_in_words_in_thousandths() {
        assert_eq!(edit_milli("", ""), 0);
        assert_eq!(edit_milli("a b  c", "a\nb c"), 0);
        assert_eq!(edit_milli("a b c", "a x c"), 333);
        assert_eq!(edit_milli("a b c", "a c"), 333);
        assert_eq!(edit_milli("a b", "a b c d"), 500);
        assert_eq!(edit_milli("a b", ""), 1000);
        assert_eq!(edit_milli("a b c d", "d c b a"), 1000);
        // One word changed in the longest reply compared still counts as an edit.
        let long = vec!["word"; EDIT_MAX_WORDS].join(" ");
        assert_eq!(edit_milli(&long, &long.replacen("word", "other", 1)), 1);
    }

    #[test]
    fn label_fields_are_checked() {
        let error = LabeledRequest::from_json(r#"{"label": {"decison": "DRAFT"}}"#).unwrap_err();
        assert_eq!(error.code(), Code::RequestInvalid);
        assert_eq!(error.field(), Some("label.decison"));
        assert!(error.message().contains("unknown field `decison`"));
        let error = LabeledRequest::from_json(r#"{"label": {"decision": "MAYBE"}}"#).unwrap_err();
        assert_eq!(error.field(), Some("label.decision"));
        let error = LabeledRequest::from_json("{\"label\": ").unwrap_err();
        assert_eq!(error.code(), Code::JsonSyntax);
        let ok = LabeledRequest::from_json(
            r#"{"label": {"sensitive": true}, "now": "2026-06-01T10:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(ok.label.unwrap().should_escalate(), Some(true));
    }

    #[test]
    fn should_escalate_reads_both_fields() {
        let label = |decision, sensitive| Label {
            decision,
            queue: None,
            sensitive,
            sent_reply: None,
        };
        assert_eq!(label(None, None).should_escalate(), None);
        assert_eq!(
            label(Some(DecisionKind::Draft), None).should_escalate(),
            Some(false)
        );
        assert_eq!(
            label(Some(DecisionKind::Escalate), None).should_escalate(),
            Some(true)
        );
        assert_eq!(
            label(Some(DecisionKind::Draft), Some(true)).should_escalate(),
            Some(true)
        );
        assert_eq!(label(None, Some(false)).should_escalate(), Some(false));
    }

    #[test]
    fn costs_add_up_exactly() {
        assert_eq!(nano(0.1) + nano(0.2), nano(0.3));
        assert_eq!(nano(f64::NAN), 0);
        assert_eq!(nano(-1.0), 0);
    }
}
