//! Content and tone: prohibited topics and phrases, required disclosures, length.
//!
//! These come from the seed's `content_guardrails` and `tone_guidelines` sections,
//! loaded as the playbook wrote them. A topic there is only a name
//! (`competitor_product_comparison`); what it looks like in a reply is defined by
//! phrases and patterns under `validator.topics` (or inline, as a mapping with `name`,
//! `phrases` and `patterns` in the list), and a topic with no definition matches its
//! own name read as words ("legal advice").

use crate::text::phrases::SetId;

/// A required disclosure, ready to check.
#[derive(Debug, Clone)]
pub(crate) struct CompiledDisclosure {
    pub name: String,
    pub trigger: DisclosureTrigger,
    /// The text as written, to add to a reply.
    pub text: String,
    /// The normalized first sentence: a reply containing it has the disclosure.
    pub marker: String,
}

/// When a disclosure is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DisclosureTrigger {
    /// The first message of a conversation (turn 1).
    FirstMessage,
    /// A reply that asks for or uses the customer's account data.
    AccountDataRequested,
}

impl DisclosureTrigger {
    pub fn from_name(name: &str) -> Option<DisclosureTrigger> {
        match name {
            "first_message" => Some(DisclosureTrigger::FirstMessage),
            "account_data_requested" => Some(DisclosureTrigger::AccountDataRequested),
            _ => None,
        }
    }
}

/// The content rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContentRules {
    /// Prohibited topics: name and phrase set in the validator's index.
    pub topics: Vec<(String, SetId)>,
    /// The prohibited phrases' set in the validator's index, and the phrases as
    /// written (a hit's phrase index points here).
    pub phrases: Option<SetId>,
    pub phrase_names: Vec<String>,
    pub disclosures: Vec<CompiledDisclosure>,
    pub max_reply_chars: usize,
}

/// The normalized first sentence of a disclosure text, without its final punctuation.
pub(crate) fn disclosure_marker(text: &str) -> String {
    let normalized = crate::text::normalize::normalize_str(text);
    let first = normalized
        .split_inclusive(['.', '!', '?'])
        .next()
        .unwrap_or(&normalized);
    first
        .trim()
        .trim_end_matches(['.', '!', '?'])
        .trim()
        .to_string()
}
