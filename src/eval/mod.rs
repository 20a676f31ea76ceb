//! Shadow-mode evaluation: replay labeled requests, and measure a ticket log.
//!
//! The playbooks insist on measuring before live traffic: run the agent in shadow mode,
//! compare what it (and this guard) would have done with what humans did, and only
//! promote an intent once its numbers hold. This module turns that into two streaming
//! accumulators the CLI (`deskguard eval`) and any host can drive:
//!
//! - [`EvalAccumulator`] takes each labeled request with the verdict the engine gave it
//!   ([`EvalAccumulator::add`]) and merges with others ([`EvalAccumulator::merge`]), so
//!   a file of any size can be replayed in parallel chunks (rayon's fold/reduce) in
//!   bounded memory. Every count is an integer (cost is summed in nano-dollars) and
//!   every keyed table keeps a deterministic subset when it overflows its cap, so the
//!   report is the same whatever the chunking.
//! - [`TicketLogAccumulator`] reads a helpdesk ticket log in order and computes the
//!   runbook's weekly review: SLA attainment by category (due times from the policy's
//!   business calendar), the escalation rate against the healthy 15–25% band, the
//!   repeat-ticket rate, first-contact resolution and ticket-to-product-issue rate.
//!
//! [`EvalReport`] joins the two and renders as JSON, a terminal table
//! ([`EvalReport::to_text`]) or a self-contained HTML page with inline SVG charts
//! ([`EvalReport::to_html`]).
//!
//! # Replay metrics
//!
//! A line is a request (format v1) with an optional `label`:
//! `{"decision": "ESCALATE", "queue": "billing", "sensitive": true, "sent_reply": "…"}`
//! (each part optional, unknown keys rejected). `sent_reply` is the reply a human sent
//! after reviewing the draft: the blueprint treats human edits as gold labels.
//!
//! | metric | definition |
//! |---|---|
//! | decision accuracy | of requests labeled with a decision, the share whose final decision equals it |
//! | routing accuracy | of requests labeled with a queue, the share whose verdict queue equals it (`""`: stays with the agent) |
//! | escalation recall | of requests labeled `sensitive: true`, the share escalated |
//! | over-escalation rate | of requests labeled as not needing escalation (`sensitive: false`, or a labeled decision other than ESCALATE and not sensitive), the share escalated |
//! | downgrade rate per intent | of requests with that intent, the share whose decision was lowered |
//! | violations by code | how many requests carry each code (counted once per request) |
//! | grounded drafts | of requests the model proposed as DRAFT or AUTO_RESOLVE, the share with neither `NOT_GROUNDED` nor `RETRIEVAL_BELOW_MIN` |
//! | approved without edit | of requests with a draft (the verdict's reply, else the model's) and a labeled `sent_reply`, the share sent as written, whitespace aside; overall and per intent |
//! | draft edit rate | over the same, the mean word-level edit distance over the longer text's word count |
//! | ready to promote | intents with at least 200 reviewed drafts, more than 95% approved without edit (the blueprint's bar for auto-resolve) |
//! | cost per ticket | the mean `trace.cost_usd` |
//!
//! Lines that do not parse are counted and the first ten (by line number) reported;
//! they count in no metric.

mod html;
mod replay;
mod report;
pub mod tickets;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use replay::{
    CodeCount, DayRow, EvalAccumulator, IntentRow, Label, LabeledRequest, QueueRow, ReplayReport,
};
pub use report::EvalReport;
pub use tickets::{
    CategorySlaRow, EscalationBand, TicketLogAccumulator, TicketRecord, TicketReport, WeekRow,
};

/// A share: `count` of `of`, and the ratio when `of` is not zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// How many.
    pub count: u64,
    /// Out of how many.
    pub of: u64,
    /// `count / of`, absent when `of` is zero.
    pub rate: Option<f64>,
}

impl Rate {
    /// `count` of `of`.
    pub fn new(count: u64, of: u64) -> Rate {
        Rate {
            count,
            of,
            rate: (of > 0).then(|| count as f64 / of as f64),
        }
    }

    /// The rate as a percentage with one decimal, or `n/a`.
    pub fn percent(&self) -> String {
        self.rate
            .map_or_else(|| "n/a".to_string(), |rate| format!("{:.1}%", rate * 100.0))
    }
}

/// An invalid input line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InvalidLine {
    /// 1-based line number.
    pub line: u64,
    /// Why it was rejected (one line).
    pub message: String,
}

/// How many invalid lines are kept as examples.
const INVALID_EXAMPLES: usize = 10;

/// Counts of invalid lines, with the first few.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct InvalidLines {
    pub count: u64,
    pub first: Vec<InvalidLine>,
}

impl InvalidLines {
    pub fn add(&mut self, line: u64, message: String) {
        self.count += 1;
        self.first.push(InvalidLine { line, message });
        self.first.sort();
        self.first.truncate(INVALID_EXAMPLES);
    }

    pub fn merge(&mut self, other: InvalidLines) {
        self.count += other.count;
        self.first.extend(other.first);
        self.first.sort();
        self.first.truncate(INVALID_EXAMPLES);
    }
}

/// A value that accumulates.
pub(crate) trait Merge: Default {
    fn merge(&mut self, other: Self);
}

impl Merge for u64 {
    fn merge(&mut self, other: Self) {
        *self += other;
    }
}

/// A map with at most `cap` keys. When more keys arrive, it keeps the `cap`
/// smallest (or largest) keys and folds the values of the others into `other`.
/// Which keys survive depends only on the set of keys ever added, never on the order
/// of adds or merges, so a parallel replay reports exactly what a sequential one does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CappedMap<V> {
    pub map: BTreeMap<String, V>,
    pub other: V,
    cap: usize,
    keep_largest: bool,
}

impl<V: Merge> CappedMap<V> {
    pub fn new(cap: usize, keep_largest: bool) -> Self {
        CappedMap {
            map: BTreeMap::new(),
            other: V::default(),
            cap: cap.max(1),
            keep_largest,
        }
    }

    pub fn add(&mut self, key: String, value: V) {
        if let Some(existing) = self.map.get_mut(&key) {
            existing.merge(value);
            return;
        }
        if self.map.len() < self.cap {
            self.map.insert(key, value);
            return;
        }
        let boundary = if self.keep_largest {
            self.map.first_key_value()
        } else {
            self.map.last_key_value()
        }
        .map(|(boundary, _)| boundary.clone());
        let Some(boundary) = boundary else {
            self.other.merge(value);
            return;
        };
        let outside = if self.keep_largest {
            key < boundary
        } else {
            key > boundary
        };
        if outside {
            self.other.merge(value);
            return;
        }
        self.map.insert(key, value);
        if let Some(evicted) = self.map.remove(&boundary) {
            self.other.merge(evicted);
        }
    }

    pub fn merge(&mut self, other: CappedMap<V>) {
        for (key, value) in other.map {
            self.add(key, value);
        }
        self.other.merge(other.other);
    }
}

/// A key as stored: at most 64 bytes, cut at a character boundary.
pub(crate) fn bounded_key(key: &str) -> String {
    const MAX: usize = 64;
    if key.len() <= MAX {
        return key.to_string();
    }
    let mut end = MAX;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    key.get(..end).unwrap_or_default().to_string()
}

/// Every line of a replayed file is capped like a request, before it is parsed.
fn check_line_size(line: &str) -> crate::error::Result<()> {
    if line.len() > crate::request::MAX_REQUEST_BYTES {
        return Err(crate::error::Error::new(
            crate::codes::Code::RequestInvalid,
            format!(
                "the line is {} bytes, over the limit of {}",
                line.len(),
                crate::request::MAX_REQUEST_BYTES
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_map_keeps_the_same_keys_whatever_the_order() {
        let keys = ["d", "a", "e", "b", "c", "a", "f"];
        let mut sequential = CappedMap::<u64>::new(3, false);
        for key in keys {
            sequential.add(key.into(), 1);
        }
        let mut left = CappedMap::<u64>::new(3, false);
        let mut right = CappedMap::<u64>::new(3, false);
        for key in keys.iter().rev().take(3) {
            right.add((*key).into(), 1);
        }
        for key in keys.iter().rev().skip(3) {
            left.add((*key).into(), 1);
        }
        right.merge(left);
        assert_eq!(sequential.map, right.map);
        assert_eq!(sequential.other, right.other);
        assert_eq!(
            sequential.map.into_iter().collect::<Vec<_>>(),
            vec![("a".into(), 2), ("b".into(), 1), ("c".into(), 1)]
        );
        assert_eq!(sequential.other, 3);
    }

    #[test]
    fn keys_are_cut_at_a_character_boundary() {
        let key = "é".repeat(40);
        let cut = bounded_key(&key);
        assert_eq!(cut.len(), 64);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
