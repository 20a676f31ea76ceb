//! The response validator: checks a reply before it reaches the customer.
//!
//! The enterprise playbook: "Don't rely solely on the LLM respecting its system
//! prompt. A validation layer that checks outputs before they reach the customer
//! catches edge cases and provides an audit trail." [`crate::Engine::validate_reply`]
//! runs every rule over a reply and returns a [`Report`]: the violations, each with a
//! stable code, a severity, a message that never repeats the personal data it found,
//! the field and an exact byte span into the original text, and the reply with its
//! personal data masked.
//!
//! | rules | codes | module |
//! |---|---|---|
//! | personal data | `PII_CARD`, `PII_SSN`, `PII_IBAN`, `PII_SECRET`, `PII_OTHER_CUSTOMER_EMAIL` | `pii` |
//! | grounding | `UNGROUNDED_CLAIM`, `CITATION_MISSING`, `CITATION_UNKNOWN`, `STALE_SOURCE` | `grounding` |
//! | promises | `COMMITMENT` | `commitments` |
//! | content and tone | `PROHIBITED_TOPIC`, `PROHIBITED_PHRASE`, `MISSING_DISCLOSURE`, `REPLY_TOO_LONG` | `content` |
//!
//! Every rule matches on one normalized view of the text (`normalize`), so
//! zero-width characters, soft hyphens, full-width digits and odd spacing do not hide
//! anything, while spans still point into the original. Everything a rule needs from
//! the policy is compiled once, with the engine; validating compiles nothing and reads
//! no clock. Time is linear in the reply and the context: every detector is a
//! single-pass scanner or a `regex` (which never backtracks).
//!
//! Severity: `REPLY_TOO_LONG` is a warning; every other code blocks (a `check` caps an
//! AUTO_RESOLVE carrying one at DRAFT).

mod commitments;
mod content;
mod grounding;
mod matcher;
mod pii;
mod redact;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::error::{Error, Result};
use crate::policy::PolicyErrors;
use crate::policy::{
    CommitmentPolicy, GroundingPolicy, Mode, PhraseSet, PiiPolicy, Policy, StalenessPolicy,
    ValidatorPolicy,
};
use crate::request::{Context, Request};
use crate::text::phrases::PatternError;
use crate::text::Span;
use crate::verdict::Violation;

use crate::text::normalize::{normalize_str, Normalized};
use crate::text::phrases::{PatternCase, PhraseIndex, PhraseIndexBuilder};
use commitments::{CommitmentRule, CommitmentRules};
use content::{CompiledDisclosure, ContentRules, DisclosureTrigger};
use grounding::{Index, IndexKeys, Kind, Source};
use pii::{KeywordEnds, KeywordSets, KnownEmails, PiiHit, PiiRules};

pub use redact::MASK;

pub(crate) use grounding::usd_amounts;

/// The largest reply the validator reads; a longer one is not validated and blocks.
pub const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

/// The most times a reply's masked output is scanned again for what masking
/// uncovered. Each round that finds something masks more of the reply, whole; a
/// reply that still uncovers more after this many has PII violations either way, and
/// its output is masked as far as the rounds went.
const MAX_MASK_ROUNDS: usize = 4;

/// What validating a reply needs besides its text.
///
/// Every field is optional; what is missing makes the checks that need it stricter,
/// never laxer: with no context every specific is ungrounded, with no customer email
/// every address is another customer's. Unknown keys are rejected.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyContext {
    /// What retrieval found: KB documents, CRM fields, orders.
    #[serde(default, deserialize_with = "crate::source::object")]
    pub context: Context,
    /// The ticket's subject and body: the customer's own words ground a specific too.
    #[serde(default)]
    pub ticket: String,
    /// The ticket customer's email address (never reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// The conversation turn, 1 for the first message (disclosures are due then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<u32>,
    /// The current time, RFC 3339. Staleness is measured from it: without it, a reply
    /// that relies on a KB document on a volatile topic is `STALE_SOURCE` (its age
    /// cannot be told).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// The decision's internal note: checked for personal data and citations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    /// The decision's `grounded` flag: when true the note must cite its sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounded: Option<bool>,
    /// The mode the reply is handled in (informational; the verdict uses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Whether the reply uses the customer's account data (the data-collection notice
    /// is due then).
    #[serde(default)]
    pub account_data_requested: bool,
    /// The tools the decision proposes (its actions' `tool`). When one of them reads
    /// account data (the policy's `identity.account_data_tools`), the data-collection
    /// notice is due, as it is in a check of the same request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proposed_tools: Vec<String>,
}

impl ReplyContext {
    /// The reply context of a check request: its context, ticket, customer, turn,
    /// time, and the decision's internal note and grounded flag when readable.
    pub fn from_request(request: &Request) -> ReplyContext {
        let decision = request.decision.as_object();
        ReplyContext {
            context: request.context.clone(),
            ticket: format!("{}\n{}", request.ticket.subject, request.ticket.body),
            customer_email: request.ticket.customer.email.clone(),
            turn: request.ticket.turn,
            now: request.now.clone(),
            internal_note: decision
                .and_then(|d| d.get("internal_note"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_string),
            grounded: decision
                .and_then(|d| d.get("grounded"))
                .and_then(serde_json::Value::as_bool),
            mode: None,
            account_data_requested: false,
            proposed_tools: decision
                .and_then(|d| d.get("actions"))
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|action| action.get("tool")?.as_str())
                .map(str::to_string)
                .collect(),
        }
    }

    /// Reads a reply context from JSON in any of three shapes: a check request
    /// (`{ticket, context, decision, now, ...}`: a `decision` or `trace`, or a
    /// `ticket` that is an object), a reply context (the fields of this type, its
    /// `ticket` a string), or a bare context (`{kb, crm, orders}`).
    ///
    /// # Errors
    /// `JSON_SYNTAX` or `REQUEST_INVALID`, naming the field and line:column.
    pub fn from_json(text: &str) -> Result<ReplyContext> {
        let value = crate::source::json_value(text)?;
        let object = value.as_object();
        let keys: Vec<&str> = object
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        // A reply context has a `ticket` too, as text; a request's is an object.
        let is_request = object.is_some_and(|o| {
            o.contains_key("decision")
                || o.contains_key("trace")
                || o.get("ticket").is_some_and(serde_json::Value::is_object)
        });
        let is_bare =
            !keys.is_empty() && keys.iter().all(|k| matches!(*k, "kb" | "crm" | "orders"));
        if is_request {
            return Request::from_json(text).map(|request| ReplyContext::from_request(&request));
        }
        if is_bare {
            let context: Context = crate::source::from_json_object(text, Code::RequestInvalid)?;
            return Ok(ReplyContext {
                context,
                ..ReplyContext::default()
            });
        }
        crate::source::from_json_object(text, Code::RequestInvalid)
    }

    /// The borrowed input; `account_data_tools` are the policy's tools that read
    /// account data.
    pub(crate) fn input(&self, account_data_tools: &HashSet<String>) -> ReplyInput<'_> {
        let account_data_requested = self.account_data_requested
            || self
                .proposed_tools
                .iter()
                .any(|tool| account_data_tools.contains(tool));
        ReplyInput {
            context: &self.context,
            ticket: TicketTexts::AsWritten([self.ticket.as_str(), ""]),
            customer_email: self.customer_email.as_deref(),
            turn: self.turn,
            now: self.now.as_deref(),
            internal_note: self.internal_note.as_deref(),
            grounded: self.grounded,
            account_data_requested,
        }
    }
}

/// The ticket's texts (subject and body), which ground what the reply repeats.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TicketTexts<'a> {
    /// As the customer wrote them: normalized when the context is prepared.
    AsWritten([&'a str; 2]),
    /// Already normalized: a check has them from its trigger pass.
    Normalized([&'a str; 2]),
}

/// A borrowed [`ReplyContext`], so that a check does not copy its request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReplyInput<'a> {
    pub context: &'a Context,
    pub ticket: TicketTexts<'a>,
    pub customer_email: Option<&'a str>,
    pub turn: Option<u32>,
    pub now: Option<&'a str>,
    pub internal_note: Option<&'a str>,
    pub grounded: Option<bool>,
    pub account_data_requested: bool,
}

/// The result of validating a reply: `{violations: [...], redacted: "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Every broken rule, reply first (by position), then the internal note.
    pub violations: Vec<Violation>,
    /// The reply with every piece of personal data masked to its last four characters.
    pub redacted: String,
    /// The internal note, masked the same way, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_internal_note: Option<String>,
    /// Names of the required disclosures the reply lacks (see `MISSING_DISCLOSURE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_disclosures: Vec<String>,
}

impl Report {
    /// Whether any violation blocks.
    pub fn blocks(&self) -> bool {
        self.violations
            .iter()
            .any(|v| v.severity == crate::verdict::Severity::Block)
    }

    /// Whether any violation carries `code`.
    pub fn has(&self, code: Code) -> bool {
        self.violations.iter().any(|v| v.code == code)
    }
}

/// One masked piece of personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactedSpan {
    /// Which kind (`PII_CARD`, ...).
    pub code: Code,
    /// Where, in the original text.
    pub span: Span,
}

/// The result of [`crate::Engine::redact`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    /// The text with every piece of personal data masked to its last four characters.
    pub redacted: String,
    /// What was masked, in order.
    pub spans: Vec<RedactedSpan>,
}

/// The validator's rules, compiled from a policy.
#[derive(Debug, Clone)]
pub(crate) struct CompiledValidator {
    pii: PiiRules,
    /// The kinds of specific that must be grounded (a few: compared, not hashed).
    kinds: Vec<&'static str>,
    /// A KB document scoring below this grounds nothing (`thresholds.retrieval_min`).
    retrieval_min: f64,
    max_age_days: u32,
    volatile_tags: Vec<String>,
    commitments: CommitmentRules,
    content: ContentRules,
    /// Every commitment, topic and prohibited-phrase set, and the secret keywords
    /// of PII, matched in one pass.
    phrases: PhraseIndex,
    /// PII's keyword sets in `phrases`.
    keyword_sets: KeywordSets,
}

/// A KB document, prepared once per validation.
#[derive(Debug)]
pub(crate) struct PreparedDoc {
    /// Whether a tag makes it a policy that can ground a commitment.
    pub policy: bool,
    /// Normalized title and content.
    pub text: String,
    /// Normalized id.
    pub id: String,
    /// Whether a reply may not rely on it without a human checking it first.
    pub stale: Option<Stale>,
    /// Whether it scores at least the policy's retrieval minimum (or has no score):
    /// below it, a document grounds nothing, neither specifics nor commitments.
    pub relevant: bool,
}

/// Why a volatile KB document cannot be relied on as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stale {
    /// Last updated longer ago than the staleness window.
    Old,
    /// Its age cannot be told: no `now`, or no valid `updated_at`. Fails closed.
    AgeUnknown,
}

/// The context, prepared once per validation, or once for many (see
/// [`crate::PreparedReplyContext`]).
#[derive(Debug)]
pub(crate) struct Prepared {
    pub kb: Vec<PreparedDoc>,
    /// Empty when the reply being validated states no specific (nothing to look up).
    pub index: Index,
    pub known_emails: KnownEmails,
    /// The internal note's findings: they depend on the context alone.
    pub note: NoteFindings,
    /// By commitment rule: the policy documents that may ground its promises, found
    /// the first time a reply makes one (and then kept, for a context prepared once
    /// and validated against on every keystroke pause).
    pub commitment_documents: Vec<OnceLock<Vec<usize>>>,
}

/// What validating the internal note found.
#[derive(Debug, Default)]
pub(crate) struct NoteFindings {
    violations: Vec<Violation>,
    redacted: Option<String>,
}

/// The report for a reply over [`MAX_REPLY_BYTES`]: not validated, and blocked.
fn too_long(text: &str, reply_field: &str) -> Option<Report> {
    (text.len() > MAX_REPLY_BYTES).then(|| Report {
        violations: vec![Violation::block(
            Code::ReplyTooLong,
            format!(
                "the reply is {} bytes, over the validator's limit of {MAX_REPLY_BYTES}: not validated",
                text.len()
            ),
        )
        .in_field(reply_field)],
        redacted: String::new(),
        redacted_internal_note: None,
        missing_disclosures: Vec::new(),
    })
}

fn embedded_validator() -> &'static ValidatorPolicy {
    static EMBEDDED: OnceLock<ValidatorPolicy> = OnceLock::new();
    EMBEDDED.get_or_init(|| {
        Policy::embedded()
            .ok()
            .and_then(|policy| policy.validator)
            .unwrap_or_default()
    })
}

const KINDS: &[&str] = &[
    "money",
    "percentage",
    "date",
    "duration",
    "phone",
    "url",
    "kb_id",
];

impl CompiledValidator {
    /// Compiles the validator's part of `policy`. `source` gives errors a line:column.
    pub fn compile(policy: &Policy, source: Option<&str>) -> Result<CompiledValidator> {
        let errors = PolicyErrors::new(source);
        let invalid = |path: &[&str], message: String| errors.invalid(path, message);
        let bad_pattern = |path: &[&str], error: PatternError| errors.bad_pattern(path, error);
        let own = policy.validator.as_ref();
        // A part the policy leaves out comes from the embedded policy; errors in a part
        // the policy wrote point into its text, errors in a default part cannot happen.
        // The embedded policy is parsed only when a part is missing: the default policy
        // itself has every part, and parsing it again would double a cold start.
        macro_rules! part {
            ($field:ident) => {
                own.and_then(|v| v.$field.as_ref())
                    .or_else(|| embedded_validator().$field.as_ref())
            };
        }

        let grounding: Option<&GroundingPolicy> = part!(grounding);
        let mut kinds = Vec::new();
        for kind in grounding.map(|g| g.kinds.as_slice()).unwrap_or_default() {
            match KINDS.iter().find(|k| **k == kind.as_str()) {
                Some(k) => {
                    if !kinds.contains(k) {
                        kinds.push(*k);
                    }
                }
                None => {
                    return Err(invalid(
                        &["validator", "grounding", "kinds"],
                        format!(
                            "`{kind}` is not a kind of specific; the kinds are {}",
                            KINDS
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ))
                }
            }
        }

        let staleness: Option<&StalenessPolicy> = part!(staleness);
        let pii_policy: Option<&PiiPolicy> = part!(pii);
        let pii = compile_pii(pii_policy)
            .map_err(|e| bad_pattern(&["validator", "pii", "secret_prefixes"], e))?;

        let mut phrases = PhraseIndexBuilder::new();
        let keyword_sets = match pii_policy {
            Some(pii) => KeywordSets::add(&mut phrases, pii)
                .map_err(|(field, e)| bad_pattern(&["validator", "pii", field], e))?,
            None => KeywordSets::default(),
        };

        let commitment_policy: Option<&CommitmentPolicy> = part!(commitments);
        let mut commitments = CommitmentRules {
            rules: Vec::new(),
            policy_tags: commitment_policy
                .map(|c| c.policy_tags.iter().map(|t| t.to_lowercase()).collect())
                .unwrap_or_default(),
        };
        for (kind, rule) in commitment_policy.map(|c| &c.rules).into_iter().flatten() {
            let set = phrases
                .add_set(&rule.phrases, &rule.patterns, PatternCase::Sensitive)
                .map_err(|e| {
                    bad_pattern(&["validator", "commitments", "rules", kind, "patterns"], e)
                })?;
            commitments.rules.push(CommitmentRule {
                kind: kind.clone(),
                set,
                grounded_by: rule.grounded_by.iter().map(|p| normalize_str(p)).collect(),
            });
        }

        let content = compile_content(policy, part!(topics), &mut phrases, &invalid, &bad_pattern)?;
        let content = ContentRules {
            max_reply_chars: part!(max_reply_chars).copied().unwrap_or(1500),
            ..content
        };

        let phrases = phrases
            .build()
            .map_err(|e| bad_pattern(&["validator", "topics"], e))?;
        Ok(CompiledValidator {
            phrases,
            keyword_sets,
            pii,
            kinds,
            retrieval_min: policy.thresholds.retrieval_min,
            max_age_days: staleness.map_or(90, |s| s.max_age_days),
            volatile_tags: staleness
                .map(|s| s.volatile_tags.iter().map(|t| t.to_lowercase()).collect())
                .unwrap_or_default(),
            commitments,
            content,
        })
    }

    /// The text of a required disclosure, by name.
    pub fn disclosure_text(&self, name: &str) -> Option<&str> {
        self.content
            .disclosures
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.text.as_str())
    }

    /// Prepares `input` for any number of replies: the whole context indexed.
    pub(crate) fn prepare_for_many_replies(
        &self,
        input: &ReplyInput<'_>,
        note_field: &str,
    ) -> Prepared {
        self.prepare(input, Some(IndexKeys::All), note_field)
    }

    /// Prepares `input`, with a grounding index of the keys `index_keys` names, or none
    /// (a reply with no specific looks nothing up, and indexing is most of the
    /// preparation).
    fn prepare(
        &self,
        input: &ReplyInput<'_>,
        index_keys: Option<IndexKeys<'_>>,
        note_field: &str,
    ) -> Prepared {
        let now_days = input
            .now
            .and_then(grounding::parse_ymd)
            .map(|(y, m, d)| grounding::days_from_civil(y, m, d));
        let kb: Vec<PreparedDoc> = input
            .context
            .kb
            .iter()
            .map(|doc| {
                let updated = doc
                    .updated_at
                    .as_deref()
                    .and_then(grounding::parse_ymd)
                    .map(|(y, m, d)| grounding::days_from_civil(y, m, d));
                let volatile = doc.tags.iter().any(|tag| {
                    let tag = tag.to_lowercase();
                    self.volatile_tags.iter().any(|v| tag.contains(v.as_str()))
                });
                let stale = match (volatile, now_days, updated) {
                    (false, _, _) => None,
                    (true, Some(now), Some(updated)) => {
                        (now - updated > i64::from(self.max_age_days)).then_some(Stale::Old)
                    }
                    (true, _, _) => Some(Stale::AgeUnknown),
                };
                let relevant = doc.is_relevant(self.retrieval_min);
                PreparedDoc {
                    relevant,
                    policy: relevant && self.commitments.is_policy_doc(&doc.tags),
                    text: normalize_str(&format!("{}\n{}", doc.title, doc.content)),
                    id: normalize_str(&doc.id),
                    stale,
                }
            })
            .collect();
        let ticket: Vec<Cow<'_, str>> = match input.ticket {
            TicketTexts::Normalized(views) => views
                .into_iter()
                .filter(|t| !t.is_empty())
                .map(Cow::Borrowed)
                .collect(),
            TicketTexts::AsWritten(texts) => texts
                .into_iter()
                .filter(|t| !t.is_empty())
                .map(|t| Cow::Owned(normalize_str(t)))
                .collect(),
        };
        let mut known_emails = KnownEmails::default();
        if let Some(email) = input.customer_email {
            known_emails.emails.insert(normalize_str(email.trim()));
        }
        let crm_strings = grounding::crm_strings(&input.context.crm);
        let texts = ticket
            .iter()
            .map(AsRef::as_ref)
            .chain(kb.iter().map(|doc: &PreparedDoc| doc.text.as_str()))
            .chain(crm_strings.iter().map(String::as_str));
        for text in texts {
            if !text.contains('@') {
                continue;
            }
            for (start, end) in pii::find_emails(text) {
                if let Some(address) = text.get(start..end) {
                    known_emails.emails.insert(address.to_string());
                }
            }
        }
        let index = match index_keys {
            Some(keys) => Index::build(input.context, &kb, &ticket, &crm_strings, input.now, keys),
            None => Index::default(),
        };
        let mut prepared = Prepared {
            kb,
            index,
            known_emails,
            note: NoteFindings::default(),
            commitment_documents: self
                .commitments
                .rules
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
        };
        prepared.note = self.validate_note(input, &prepared, note_field);
        prepared
    }

    /// Validates `text` as the customer reply (`reply_field`) and, when the input has
    /// one, the internal note (`note_field`: personal data and citations only).
    pub fn validate(
        &self,
        text: &str,
        input: &ReplyInput<'_>,
        reply_field: &str,
        note_field: &str,
    ) -> Report {
        self.validate_with(text, input, None, reply_field, note_field)
    }

    /// Validates `text` against a context prepared once with its index (see
    /// [`crate::PreparedReplyContext`]).
    pub(crate) fn validate_against(
        &self,
        text: &str,
        input: &ReplyInput<'_>,
        prepared: &Prepared,
        reply_field: &str,
    ) -> Report {
        self.validate_with(text, input, Some(prepared), reply_field, "")
    }

    /// Validates `text` against `prepared`, or against `input` prepared now (the
    /// grounding index only when the reply states a specific).
    fn validate_with(
        &self,
        text: &str,
        input: &ReplyInput<'_>,
        prepared: Option<&Prepared>,
        reply_field: &str,
        note_field: &str,
    ) -> Report {
        if let Some(report) = too_long(text, reply_field) {
            return report;
        }
        let view = Normalized::new(text);
        let specifics = grounding::extract(&view.text);
        let prepared_now;
        let prepared = match prepared {
            Some(prepared) => prepared,
            None => {
                // One reply: only its own keys are ever looked up.
                let index_keys = (!specifics.is_empty()).then(|| {
                    IndexKeys::only(
                        specifics
                            .iter()
                            .flat_map(|specific| specific.keys.iter())
                            .map(String::as_str),
                    )
                });
                prepared_now = self.prepare(input, index_keys, note_field);
                &prepared_now
            }
        };
        self.validate_prepared(text, &view, &specifics, input, prepared, reply_field)
    }

    /// Validates a reply whose normalized `view` and `specifics` are known against
    /// a prepared context (the caller has checked the reply's length).
    fn validate_prepared(
        &self,
        text: &str,
        view: &Normalized,
        specifics: &[grounding::Specific],
        input: &ReplyInput<'_>,
        prepared: &Prepared,
        reply_field: &str,
    ) -> Report {
        let mut violations = Vec::new();
        // Commitments, topics, phrases and PII's keywords: every set in one scan.
        let phrase_hits = self.phrases.find_all(&view.text);
        let keywords = KeywordEnds::from_hits(&phrase_hits, self.keyword_sets);
        let redacted = self.pii_pass(
            text,
            view,
            prepared,
            reply_field,
            Some(&keywords),
            &mut violations,
        );
        let mut pii_spans: Vec<Span> = violations.iter().filter_map(|v| v.span).collect();
        pii_spans.sort();
        // Whether `span` overlaps personal data (spans are disjoint and sorted).
        let in_pii = |span: Span| {
            let after = pii_spans.partition_point(|p| p.end <= span.start);
            pii_spans.get(after).is_some_and(|p| p.start < span.end)
        };

        // Grounding.
        let mut stale_reported: HashSet<usize> = HashSet::new();
        let mut messages = Vec::new();
        for specific in specifics {
            let span = view.original_span(specific.start, specific.end);
            if in_pii(span) {
                continue;
            }
            if !self.kinds.contains(&specific.kind.as_str()) {
                continue;
            }
            match prepared.index.lookup(&specific.keys) {
                None => violations.push(
                    Violation::block(
                        Code::UngroundedClaim,
                        written_once(&mut messages, specific.kind, || {
                            format!(
                                "the reply states a {} that is not in the KB, CRM or order context, or the ticket",
                                specific_noun(specific.kind)
                            )
                        }),
                    )
                    .in_field(reply_field)
                    .at(span)
                    .with_kind(specific.kind.as_str()),
                ),
                Some(sources) => {
                    let fresh = sources.iter().any(|source| match source {
                        Source::Kb(i) => prepared.kb.get(*i).is_some_and(|d| d.stale.is_none()),
                        Source::Other => true,
                    });
                    if !fresh {
                        if let Source::Kb(i) = sources.first() {
                            if stale_reported.insert(i) {
                                violations.push(stale_violation(prepared, i, self.max_age_days, reply_field, span));
                            }
                        }
                    }
                }
            }
        }

        for hit in self
            .commitments
            .scan(&view.text, &phrase_hits, specifics, prepared)
        {
            violations.push(
                Violation::block(
                    Code::Commitment,
                    format!(
                        "the reply makes a {} commitment that no policy document in context grounds",
                        hit.kind
                    ),
                )
                .in_field(reply_field)
                .at(view.original_span(hit.start, hit.end))
                .with_kind(&hit.kind),
            );
        }
        for (topic, set) in &self.content.topics {
            let mut message: Option<String> = None;
            for hit in phrase_hits.iter().filter(|hit| hit.set == *set) {
                violations.push(
                    Violation::block(
                        Code::ProhibitedTopic,
                        message
                            .get_or_insert_with(|| {
                                format!("the reply touches the prohibited topic `{topic}`")
                            })
                            .clone(),
                    )
                    .in_field(reply_field)
                    .at(view.original_span(hit.start, hit.end))
                    .with_kind(topic),
                );
            }
        }
        if let Some(set) = self.content.phrases {
            let mut messages = Vec::new();
            for hit in phrase_hits.iter().filter(|hit| hit.set == set) {
                let phrase = hit
                    .phrase
                    .and_then(|i| self.content.phrase_names.get(i))
                    .map_or("", String::as_str);
                violations.push(
                    Violation::block(
                        Code::ProhibitedPhrase,
                        written_once(&mut messages, hit.phrase, || {
                            format!("the reply uses the prohibited phrase `{phrase}`")
                        }),
                    )
                    .in_field(reply_field)
                    .at(view.original_span(hit.start, hit.end)),
                );
            }
        }
        violations.sort_by_key(|v| {
            v.span
                .map_or((usize::MAX, usize::MAX), |s| (s.start, s.end))
        });

        // Disclosures and length (no span).
        let mut missing_disclosures = Vec::new();
        for disclosure in &self.content.disclosures {
            let due = match disclosure.trigger {
                // A 0 is no turn, and may be the first: fail closed.
                DisclosureTrigger::FirstMessage => input.turn.is_some_and(|turn| turn <= 1),
                DisclosureTrigger::AccountDataRequested => input.account_data_requested,
            };
            if due && !text.is_empty() && !view.text.contains(disclosure.marker.as_str()) {
                missing_disclosures.push(disclosure.name.clone());
                violations.push(
                    Violation::block(
                        Code::MissingDisclosure,
                        format!(
                            "the reply lacks the required disclosure `{}` ({})",
                            disclosure.name,
                            match disclosure.trigger {
                                DisclosureTrigger::FirstMessage => "due on the first message",
                                DisclosureTrigger::AccountDataRequested =>
                                    "due when account data is used",
                            }
                        ),
                    )
                    .in_field(reply_field)
                    .with_kind(&disclosure.name),
                );
            }
        }
        let chars = text.chars().count();
        if chars > self.content.max_reply_chars {
            violations.push(
                Violation::warn(
                    Code::ReplyTooLong,
                    format!(
                        "the reply is {chars} characters, over the policy's {}",
                        self.content.max_reply_chars
                    ),
                )
                .in_field(reply_field),
            );
        }

        violations.extend(prepared.note.violations.iter().cloned());
        Report {
            violations,
            redacted,
            redacted_internal_note: prepared.note.redacted.clone(),
            missing_disclosures,
        }
    }

    /// The internal note's personal data and citations.
    fn validate_note(
        &self,
        input: &ReplyInput<'_>,
        prepared: &Prepared,
        note_field: &str,
    ) -> NoteFindings {
        let mut findings = NoteFindings::default();
        if let Some(note) = input.internal_note {
            let note = note
                .get(..note.len().min(MAX_REPLY_BYTES))
                .unwrap_or_default();
            let note_view = Normalized::new(note);
            let masked = self.pii_pass(
                note,
                &note_view,
                prepared,
                note_field,
                None,
                &mut findings.violations,
            );
            findings.redacted = Some(masked);
            self.citations(
                &note_view,
                input,
                prepared,
                note_field,
                &mut findings.violations,
            );
            findings.violations.sort_by_key(|v| {
                v.span
                    .map_or((usize::MAX, usize::MAX), |s| (s.start, s.end))
            });
        } else if input.grounded == Some(true) {
            findings.violations.push(
                Violation::block(
                    Code::CitationMissing,
                    "the decision says grounded=true but there is no internal note citing a KB id or CRM field",
                )
                .in_field(note_field),
            );
        }
        findings
    }

    /// Finds personal data, records violations, and returns the masked text.
    /// `keywords` are the PII keywords already found by the main phrase pass
    /// (`None`: find them now).
    fn pii_pass(
        &self,
        text: &str,
        view: &Normalized,
        prepared: &Prepared,
        field: &str,
        keywords: Option<&KeywordEnds>,
        violations: &mut Vec<Violation>,
    ) -> String {
        let hits = match keywords {
            Some(keywords) => self
                .pii
                .scan_with_keywords(view, &prepared.known_emails, keywords),
            None => self.pii.scan(view, &prepared.known_emails),
        };
        let mut messages = Vec::new();
        violations.reserve(hits.len());
        self.mask(text, view, &hits, &prepared.known_emails, |hit, span| {
            violations.push(
                Violation::block(
                    hit.code,
                    written_once(&mut messages, hit.what, || {
                        format!(
                            "the {} contains {} (masked in `redacted`)",
                            field_noun(field),
                            hit.what
                        )
                    }),
                )
                .in_field(field)
                .at(span),
            );
        })
    }

    /// Masks the `hits` a scan of `view` (the view of `text`) found, then scans what
    /// masking left and masks what that finds, until the output scans clean (see
    /// [`redact`]'s docs for why). `found` is told of each hit, at its span in `text`.
    /// What a later scan finds is masked whole, so a round that changes the output
    /// leaves fewer letters and digits in the clear, and the rounds end.
    fn mask(
        &self,
        text: &str,
        view: &Normalized,
        hits: &[PiiHit],
        known: &KnownEmails,
        mut found: impl FnMut(&PiiHit, Span),
    ) -> String {
        let mut masks = Vec::with_capacity(hits.len());
        for hit in hits {
            let span = view.original_span(hit.start, hit.end);
            found(hit, span);
            masks.push((span, false));
        }
        let (mut out, mut layout) = redact::redact(text, &masks);
        // Spans masked so far, and which of them whole (a later round's); made when
        // first needed, since almost every output is quiet from the start.
        let mut seen: Option<(HashSet<Span>, HashSet<Span>)> = None;
        for _ in 0..MAX_MASK_ROUNDS {
            // Where every masked stretch is quiet, the output holds nothing new.
            if layout
                .iter()
                .all(|masked| redact::is_quiet(text, &out, masked))
            {
                break;
            }
            let (masked, masked_whole) = seen.get_or_insert_with(|| {
                let masked = masks.iter().map(|(span, _)| *span).collect();
                (masked, HashSet::new())
            });
            let view = Normalized::new(&out);
            let mut more = false;
            for hit in self.pii.scan(&view, known) {
                let output = view.original_span(hit.start, hit.end);
                let span = redact::original_span(&layout, output);
                if !masked_whole.insert(span) {
                    continue;
                }
                // A hit can lie in a masked stretch, on what masking keeps (the last
                // four of a card that an address ran into): it is masked whole, and
                // reported unless it is what an earlier scan reported there.
                if masked.insert(span) {
                    found(&hit, span);
                }
                masks.push((span, true));
                more = true;
            }
            if !more {
                break;
            }
            let (next, next_layout) = redact::redact(text, &masks);
            if next == out {
                break;
            }
            (out, layout) = (next, next_layout);
        }
        out
    }

    fn citations(
        &self,
        note: &Normalized,
        input: &ReplyInput<'_>,
        prepared: &Prepared,
        field: &str,
        violations: &mut Vec<Violation>,
    ) {
        let text = note.text.as_str();
        let mut cited = false;
        // Context KB ids, in whatever form the helpdesk uses.
        for (index, doc) in prepared.kb.iter().enumerate() {
            if let Some(at) = matcher::find_words(text, &doc.id) {
                cited = true;
                if doc.stale.is_some() {
                    let span = note.original_span(at, at + doc.id.len());
                    violations.push(stale_violation(
                        prepared,
                        index,
                        self.max_age_days,
                        field,
                        span,
                    ));
                }
            }
        }
        // `KB-123`-shaped ids must exist in context. (The context's ids are read only
        // for a note that cites one: most notes cite none, and most checks have a note.)
        let mut known_kb: Option<Vec<String>> = None;
        for specific in grounding::extract_kb_ids(text) {
            let known = known_kb.get_or_insert_with(|| {
                sorted(
                    prepared
                        .kb
                        .iter()
                        .flat_map(|doc| grounding::extract_kb_ids(&doc.id))
                        .flat_map(|s| s.keys)
                        .collect(),
                )
            });
            if specific
                .keys
                .iter()
                .any(|key| known.binary_search(key).is_ok())
            {
                cited = true;
            } else {
                violations.push(
                    Violation::block(
                        Code::CitationUnknown,
                        "the internal note cites a KB article that is not in context",
                    )
                    .in_field(field)
                    .at(note.original_span(specific.start, specific.end))
                    .with_kind("kb_id"),
                );
            }
        }
        // Transaction ids (`txn_…`) must exist in the orders.
        let mut orders: Option<Vec<String>> = None;
        for (start, end) in find_txn_ids(text) {
            let Some(id) = text.get(start..end) else {
                continue;
            };
            let orders = orders.get_or_insert_with(|| {
                sorted(
                    input
                        .context
                        .orders
                        .iter()
                        .map(|o| normalize_str(&o.txn_id))
                        .collect(),
                )
            });
            if orders
                .binary_search_by(|order| order.as_str().cmp(id))
                .is_ok()
            {
                cited = true;
            } else {
                violations.push(
                    Violation::block(
                        Code::CitationUnknown,
                        "the internal note cites a transaction that is not in the order context",
                    )
                    .in_field(field)
                    .at(note.original_span(start, end))
                    .with_kind("txn_id"),
                );
            }
        }
        // CRM fields: `crm.plan`, or a field name next to the word CRM.
        let mentions_crm = matcher::contains_words(text, "crm");
        let dotted = text.contains("crm.");
        for key in input.context.crm.keys() {
            // Once cited, no other field can change the answer.
            if cited {
                break;
            }
            let key = normalize_str(key);
            if (dotted && matcher::contains_words(text, &format!("crm.{key}")))
                || ((mentions_crm || key.contains('_')) && matcher::contains_words(text, &key))
            {
                cited = true;
            }
        }
        if input.grounded == Some(true) && !cited {
            violations.push(
                Violation::block(
                    Code::CitationMissing,
                    "the decision says grounded=true but the internal note cites no KB id, CRM field or transaction in context",
                )
                .in_field(field),
            );
        }
    }

    /// Finds and masks personal data only (no context: every email is masked).
    pub fn redact(&self, text: &str) -> Redaction {
        let text = text
            .get(..text.len().min(MAX_REPLY_BYTES))
            .unwrap_or_default();
        let view = Normalized::new(text);
        let known = KnownEmails::default();
        let hits = self.pii.scan(&view, &known);
        let mut spans = Vec::with_capacity(hits.len());
        let redacted = self.mask(text, &view, &hits, &known, |hit, span| {
            spans.push(RedactedSpan {
                code: hit.code,
                span,
            });
        });
        spans.sort_by_key(|s| (s.span.start, s.span.end));
        Redaction { redacted, spans }
    }
}

/// The reply as a verdict hands it on, when the verdict changed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictReply {
    /// The reply with its personal data masked (present when it had any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    /// Required disclosures the verdict appended to the reply, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosures_added: Vec<String>,
    /// The reply to send or draft: masked, with the added disclosures.
    pub text: String,
}

/// The validator's part of a check: the decision's reply (every rule) and internal
/// note (personal data and citations). Returns the violations, for the check to record
/// (a blocking one caps the verdict at DRAFT), and the reply the verdict hands on when
/// it differs from the model's.
///
/// A missing disclosure is not a violation here: the verdict appends the disclosure
/// text to the reply and says so in `reply.disclosures_added`. The data-collection
/// notice is due when `account_data_requested`: the decision proposes one of the
/// policy's `identity.account_data_tools`.
pub(crate) fn check_decision(
    validator: &CompiledValidator,
    request: &Request,
    decision: &crate::decision::Decision,
    normalized_ticket: [&str; 2],
    account_data_requested: bool,
) -> (Vec<Violation>, Option<VerdictReply>) {
    let input = ReplyInput {
        context: &request.context,
        ticket: TicketTexts::Normalized(normalized_ticket),
        customer_email: request.ticket.customer.email.as_deref(),
        // A check adds a missing disclosure rather than blocking the reply, so a
        // request that does not say which turn it is gets the first message's: the
        // turn may well be the first.
        turn: Some(request.ticket.turn.unwrap_or(1)),
        now: request.now.as_deref(),
        internal_note: Some(&decision.internal_note),
        grounded: Some(decision.grounded),
        account_data_requested,
    };
    let reply = decision.customer_reply.as_str();
    let report = validator.validate(
        reply,
        &input,
        "decision.customer_reply",
        "decision.internal_note",
    );
    let violations: Vec<Violation> = report
        .violations
        .into_iter()
        .filter(|v| v.code != Code::MissingDisclosure)
        .collect();
    let masked = report.redacted != reply;
    let mut text = report.redacted.clone();
    for name in &report.missing_disclosures {
        if let Some(disclosure) = validator.disclosure_text(name) {
            if !text.trim_end().is_empty() {
                text = format!("{}\n\n{disclosure}", text.trim_end());
            }
        }
    }
    let outcome = (masked || !report.missing_disclosures.is_empty()).then(|| VerdictReply {
        redacted: masked.then_some(report.redacted),
        disclosures_added: report.missing_disclosures,
        text,
    });
    (violations, outcome)
}

/// The message for `key`, formatted the first time and copied after: a long reply
/// has thousands of violations of a handful of kinds, and a copy costs a fraction of
/// formatting.
fn written_once<K: PartialEq>(
    written: &mut Vec<(K, String)>,
    key: K,
    write: impl FnOnce() -> String,
) -> String {
    if let Some((_, message)) = written.iter().find(|(k, _)| *k == key) {
        return message.clone();
    }
    let message = write();
    written.push((key, message.clone()));
    message
}

/// `items` sorted, to be searched by bisection: a note cites a few ids of a context's
/// few, where sorting and comparing is cheaper than hashing.
fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort_unstable();
    items
}

fn field_noun(field: &str) -> &'static str {
    if field.ends_with("internal_note") {
        "internal note"
    } else {
        "reply"
    }
}

fn specific_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Money => "money amount",
        Kind::Percentage => "percentage",
        Kind::Date => "date",
        Kind::Duration => "duration or timeline",
        Kind::Phone => "phone number",
        Kind::Url => "URL",
        Kind::KbId => "KB article id",
    }
}

fn stale_violation(
    prepared: &Prepared,
    index: usize,
    days: u32,
    field: &str,
    span: Span,
) -> Violation {
    let doc = prepared.kb.get(index);
    let id = doc.map_or("", |d| d.id.as_str());
    let message = match doc.and_then(|d| d.stale) {
        Some(Stale::AgeUnknown) => format!(
            "relies on KB document `{id}` on a topic that changes, and its age cannot be told (the request has no `now`, or the document no valid `updated_at`); verify it before sending"
        ),
        _ => format!(
            "relies on KB document `{id}`, last updated more than {days} days ago on a topic that changes; verify it before sending"
        ),
    };
    Violation::block(Code::StaleSource, message)
        .in_field(field)
        .at(span)
}

/// `txn_…` ids in a normalized text.
fn find_txn_ids(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (start, _) in text.match_indices("txn_") {
        if start > 0
            && bytes
                .get(start - 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            continue;
        }
        let mut end = start + 4;
        while bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        {
            end += 1;
        }
        if end > start + 4 {
            found.push((start, end));
        }
    }
    found
}

fn compile_pii(policy: Option<&PiiPolicy>) -> std::result::Result<PiiRules, PatternError> {
    let Some(policy) = policy else {
        return Ok(PiiRules {
            tokens: None,
            keywords: PhraseIndex::default(),
            keyword_sets: KeywordSets::default(),
            allowed_email_domains: Vec::new(),
        });
    };
    let prefixes: Vec<String> = policy
        .secret_prefixes
        .iter()
        .map(|p| normalize_str(p.trim()))
        .filter(|p| !p.is_empty())
        .map(|p| regex::escape(&p))
        .collect();
    let jwt = r"eyj[a-z0-9_\-]{8,}\.eyj[a-z0-9_\-]{8,}\.[a-z0-9_\-]{8,}";
    let tokens = if prefixes.is_empty() {
        format!(r"\b{jwt}")
    } else {
        format!(
            r"\b(?:(?:{})[a-z0-9_\-]{{16,}}(?:\.[a-z0-9_\-]{{8,}})*|{jwt})",
            prefixes.join("|")
        )
    };
    let mut keywords = PhraseIndexBuilder::new();
    let keyword_sets = KeywordSets::add(&mut keywords, policy).map_err(|(_, e)| e)?;
    Ok(PiiRules {
        tokens: Some(matcher::compile(&tokens)?),
        keywords: keywords.build()?,
        keyword_sets,
        allowed_email_domains: policy
            .allowed_email_domains
            .iter()
            .map(|d| normalize_str(d.trim().trim_start_matches('@')))
            .collect(),
    })
}

fn compile_content(
    policy: &Policy,
    definitions: Option<&BTreeMap<String, PhraseSet>>,
    index: &mut PhraseIndexBuilder,
    invalid: &dyn Fn(&[&str], String) -> Error,
    bad_pattern: &dyn Fn(&[&str], PatternError) -> Error,
) -> Result<ContentRules> {
    let mut rules = ContentRules::default();
    let guardrails = policy.content_guardrails.as_ref();
    let own_definitions = policy.validator.as_ref().and_then(|v| v.topics.as_ref());
    let mut listed = HashSet::new();
    for entry in guardrails
        .map(|g| g.prohibited_topics.as_slice())
        .unwrap_or_default()
    {
        let (name, phrases, patterns) = match entry {
            serde_json::Value::String(name) => {
                let (phrases, patterns) = match definitions.and_then(|d| d.get(name)) {
                    Some(set) => (set.phrases.clone(), set.patterns.clone()),
                    None => (vec![name.replace(['_', '-'], " ")], Vec::new()),
                };
                (name.clone(), phrases, patterns)
            }
            serde_json::Value::Object(_) => {
                let set = InlineTopic::deserialize(entry)
                    .map_err(|e| {
                        invalid(
                            &["content_guardrails", "prohibited_topics"],
                            format!("a topic must be a name or a mapping with `name`, `phrases` and `patterns`: {e}"),
                        )
                    })?;
                (set.name, set.phrases, set.patterns)
            }
            _ => {
                return Err(invalid(
                    &["content_guardrails", "prohibited_topics"],
                    "a topic must be a name or a mapping with `name`, `phrases` and `patterns`"
                        .into(),
                ))
            }
        };
        let set = index
            .add_set(&phrases, &patterns, PatternCase::Sensitive)
            .map_err(|e| {
                if own_definitions.is_some_and(|d| d.contains_key(&name)) {
                    bad_pattern(&["validator", "topics", &name, "patterns"], e)
                } else {
                    bad_pattern(&["content_guardrails", "prohibited_topics"], e)
                }
            })?;
        listed.insert(name.clone());
        rules.topics.push((name, set));
    }
    if let Some(own) = own_definitions {
        if let Some(name) = own.keys().find(|name| !listed.contains(*name)) {
            return Err(invalid(
                &["validator", "topics", name],
                format!("topic `{name}` is defined but not listed in `content_guardrails.prohibited_topics`"),
            ));
        }
    }
    let phrases: Vec<String> = policy
        .tone_guidelines
        .as_ref()
        .map(|t| t.prohibited_phrases.clone())
        .unwrap_or_default();
    if !phrases.is_empty() {
        let set = index
            .add_set::<String>(&phrases, &[], PatternCase::Sensitive)
            .map_err(|e| bad_pattern(&["tone_guidelines", "prohibited_phrases"], e))?;
        rules.phrases = Some(set);
    }
    rules.phrase_names = phrases;
    for (name, disclosure) in guardrails
        .map(|g| &g.required_disclosures)
        .into_iter()
        .flatten()
    {
        let Some(trigger) = DisclosureTrigger::from_name(&disclosure.trigger) else {
            return Err(invalid(
                &["content_guardrails", "required_disclosures", name, "trigger"],
                format!(
                    "unknown disclosure trigger `{}`; the triggers are `first_message` and `account_data_requested`",
                    disclosure.trigger
                ),
            ));
        };
        let marker = content::disclosure_marker(&disclosure.text);
        if marker.is_empty() {
            return Err(invalid(
                &["content_guardrails", "required_disclosures", name, "text"],
                format!("disclosure `{name}` has no text"),
            ));
        }
        rules.disclosures.push(CompiledDisclosure {
            name: name.clone(),
            trigger,
            text: disclosure.text.clone(),
            marker,
        });
    }
    Ok(rules)
}

/// A prohibited topic written inline in the seed's list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InlineTopic {
    name: String,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}
