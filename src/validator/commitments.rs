//! Commitments: promises of timelines, callbacks, compensation, fixes and outcomes.
//!
//! The blueprint: "Never promise timelines, features, compensation, or outcomes that
//! are not in retrieved policy. Do not say 'an engineer will call you in 1 hour' unless
//! that SLA exists in context." Each kind of promise is a policy rule (phrases and
//! patterns on the normalized reply). A promise is grounded, and allowed, when a KB
//! document in context is a policy (one of its tags contains a `policy_tags` word),
//! mentions the kind (one of the rule's `grounded_by` phrases), and states every
//! amount, timeline and percentage of the promise's sentence. A rule with no
//! `grounded_by` (absolute promises: "this will never happen again") is never grounded.

use crate::text::phrases::{PhraseHit, SetId};

use super::grounding::{Kind, Source, Specific};
use super::Prepared;

/// One kind of commitment, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CommitmentRule {
    pub kind: String,
    /// The rule's phrase set in the validator's index.
    pub set: SetId,
    /// Normalized phrases; one in a policy document grounds the kind.
    pub grounded_by: Vec<String>,
}

/// The commitment rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommitmentRules {
    pub rules: Vec<CommitmentRule>,
    pub policy_tags: Vec<String>,
}

/// One ungrounded promise, as a range of the normalized reply.
#[derive(Debug, Clone)]
pub(crate) struct CommitmentHit {
    pub kind: String,
    pub start: usize,
    pub end: usize,
}

/// How far a promise's sentence reaches on each side (a run-on "sentence" of a
/// megabyte must not make every promise cost a megabyte).
const SENTENCE_REACH: usize = 400;

/// The sentence around `[start, end)`: from after the previous `. ! ?` (followed by a
/// space) to the next one, at most [`SENTENCE_REACH`] bytes either side.
fn sentence(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let is_end = |i: usize| {
        matches!(bytes.get(i), Some(b'.' | b'!' | b'?'))
            && bytes.get(i + 1).is_none_or(|b| *b == b' ')
    };
    let floor = start.saturating_sub(SENTENCE_REACH);
    let mut from = start;
    while from > floor && !is_end(from - 1) {
        from -= 1;
    }
    let ceiling = end.saturating_add(SENTENCE_REACH).min(bytes.len());
    let mut to = end;
    while to < ceiling && !is_end(to) {
        to += 1;
    }
    (from, to)
}

impl CommitmentRules {
    pub fn is_policy_doc(&self, tags: &[String]) -> bool {
        tags.iter().any(|tag| {
            let tag = tag.to_lowercase();
            self.policy_tags
                .iter()
                .any(|word| tag.contains(word.as_str()))
        })
    }

    /// Every promise among `phrase_hits` (the validator index's matches in `text`, the
    /// normalized reply) that no policy document grounds.
    pub fn scan(
        &self,
        text: &str,
        phrase_hits: &[PhraseHit],
        specifics: &[Specific],
        prepared: &Prepared,
    ) -> Vec<CommitmentHit> {
        let mut hits = Vec::new();
        for (position, rule) in self.rules.iter().enumerate() {
            let mut rule_hits = phrase_hits
                .iter()
                .filter(|hit| hit.set == rule.set)
                .peekable();
            if rule_hits.peek().is_none() {
                continue;
            }
            // Which documents may ground this kind of promise depends on the rule and
            // the context alone: found once per prepared context, not once per promise.
            let uncached;
            let documents = match prepared.commitment_documents.get(position) {
                Some(cell) => cell.get_or_init(|| grounding_documents(rule, prepared)),
                None => {
                    uncached = grounding_documents(rule, prepared);
                    &uncached
                }
            };
            for m in rule_hits {
                if grounded_in(documents, text, m.start, m.end, specifics, prepared) {
                    continue;
                }
                hits.push(CommitmentHit {
                    kind: rule.kind.clone(),
                    start: m.start,
                    end: m.end,
                });
            }
        }
        hits
    }
}

/// The policy documents that mention `rule`'s kind of promise (one of its
/// `grounded_by` phrases); none for a rule that nothing grounds.
fn grounding_documents(rule: &CommitmentRule, prepared: &Prepared) -> Vec<usize> {
    if rule.grounded_by.is_empty() {
        return Vec::new();
    }
    prepared
        .kb
        .iter()
        .enumerate()
        .filter(|(_, doc)| doc.policy)
        .filter(|(_, doc)| {
            rule.grounded_by
                .iter()
                .any(|phrase| super::matcher::contains_words(&doc.text, phrase))
        })
        .map(|(index, _)| index)
        .collect()
}

/// Whether one of `documents` states every amount, timeline and percentage of the
/// sentence around the promise at `[start, end)`.
fn grounded_in(
    documents: &[usize],
    text: &str,
    start: usize,
    end: usize,
    specifics: &[Specific],
    prepared: &Prepared,
) -> bool {
    if documents.is_empty() {
        return false;
    }
    let (from, to) = sentence(text, start, end);
    // `specifics` is sorted by start: find the sentence's by binary search.
    let first = specifics.partition_point(|s| s.start < from);
    let promised: Vec<&Specific> = specifics
        .get(first..)
        .unwrap_or_default()
        .iter()
        .take_while(|s| s.start < to)
        .filter(|s| s.end <= to)
        .filter(|s| matches!(s.kind, Kind::Money | Kind::Percentage | Kind::Duration))
        .collect();
    documents.iter().any(|&index| {
        promised.iter().all(|specific| {
            prepared
                .index
                .lookup(&specific.keys)
                .is_some_and(|sources| sources.contains(Source::Kb(index)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_stop_at_terminal_punctuation() {
        let text = "costs $29.00 today. we will call you. ok";
        assert_eq!(sentence(text, 23, 27), (19, 36));
        assert_eq!(sentence(text, 0, 5), (0, 18));
    }
}
