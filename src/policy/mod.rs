//! The policy: everything the seeds make configurable, as one YAML document.
//!
//! [`Policy`] is the plain serde model of `policies/support-agent.yaml`. It is data:
//! it can be read, edited, serialized and linted. The engine never interprets it
//! directly; [`crate::EngineBuilder`] compiles it (globs, phrase sets, regular
//! expressions, alias rules) into a form a check can apply without parsing anything.
//!
//! Unknown keys are rejected everywhere except inside the seed's `content_guardrails`
//! and `tone_guidelines` sections, which load as the seed wrote them: a misspelled
//! threshold must fail at load, not silently keep its default.

mod compiled;
mod read;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub(crate) use compiled::{CompiledPolicy, PolicyErrors};

use crate::codes::{Code, Trigger};
use crate::error::Result;

/// The default policy, embedded in the library.
pub const EMBEDDED_POLICY_YAML: &str = include_str!("../../policies/support-agent.yaml");

/// The same policy as JSON, rendered by `build.rs`: what [`Policy::embedded`] parses,
/// several times faster than the YAML (see `build.rs`).
const EMBEDDED_POLICY_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/support-agent.policy.json"));

/// Whether deskguard may let anything auto-resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every reply is a draft for a human (the default and the safe way to start).
    #[default]
    Suggest,
    /// Promoted intents may auto-resolve.
    Auto,
}

impl Mode {
    /// Parses `suggest` or `auto`.
    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "suggest" => Some(Mode::Suggest),
            "auto" => Some(Mode::Auto),
            _ => None,
        }
    }

    /// The mode's name as written in the policy.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Suggest => "suggest",
            Mode::Auto => "auto",
        }
    }
}

/// A ticket or escalation priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Low priority.
    Low,
    /// Medium priority.
    Medium,
    /// High priority.
    High,
}

impl Priority {
    /// The machine name (`low`, `medium`, `high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }
}

/// The model's sentiment label, from the blueprint's output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    /// Positive.
    Positive,
    /// Neutral.
    Neutral,
    /// Negative.
    Negative,
    /// Critical: angry, threatening, or in distress.
    Critical,
}

/// The whole policy document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version of the policy file; only `1` exists.
    #[serde(default = "one")]
    pub version: u32,
    /// Suggest or auto.
    #[serde(default)]
    pub mode: Mode,
    /// What may auto-resolve.
    #[serde(default)]
    pub auto_resolve: AutoResolve,
    /// Confidence and retrieval thresholds.
    pub thresholds: Thresholds,
    /// Tool-call and turn limits.
    pub limits: Limits,
    /// Refund, credit and dispute rules.
    pub financial: Financial,
    /// Identity-gated tools and intents.
    #[serde(default)]
    pub identity: Identity,
    /// Hard escalation triggers.
    pub escalation: Escalation,
    /// Queue and priority selection.
    pub routing: Routing,
    /// Rules that map the agent's tool names onto the contract's vocabulary.
    #[serde(default)]
    pub tool_aliases: BTreeMap<String, Vec<AliasRule>>,
    /// Verbs that make a tool mutating (besides the AgentAz risky verbs).
    #[serde(default)]
    pub mutating_verbs: Vec<String>,
    /// The seed's content guardrails, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_guardrails: Option<ContentGuardrails>,
    /// The seed's tone guidelines, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone_guidelines: Option<ToneGuidelines>,
    /// The response validator's settings. Each part left out takes the embedded
    /// default policy's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator: Option<ValidatorPolicy>,
    /// The support runbook: ticket categories, handling tiers, SLAs and the business
    /// calendar. Left out, the embedded default policy's runbook applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<crate::runbook::RunbookPolicy>,
}

fn one() -> u32 {
    1
}

/// Which intents may auto-resolve.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoResolve {
    /// Globs over intent labels.
    #[serde(default)]
    pub promoted_intents: Vec<String>,
}

/// Decision thresholds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// AUTO_RESOLVE needs confidence at or above this.
    pub auto_resolve: f64,
    /// Below this confidence the ticket escalates.
    pub draft: f64,
    /// A KB document scoring below this grounds nothing.
    pub retrieval_min: f64,
    /// Intent globs whose answers only the knowledge base grounds: CRM and order
    /// context alone do not.
    #[serde(default)]
    pub kb_required_intents: Vec<String>,
}

/// Per-ticket limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// The most tool calls one ticket may use (actions proposed, or trace so far).
    pub max_tool_calls_per_ticket: u32,
    /// The agent handles at most this many conversation turns; a later one escalates.
    pub max_conversation_turns: u32,
}

/// Money rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Financial {
    /// Refunds and credits above this never pass.
    pub auto_refund_cap_usd: f64,
    /// Payment disputes above this escalate.
    pub payment_dispute_threshold_usd: f64,
    /// The KB tag that marks a documented refund policy.
    pub refund_policy_kb_tag: String,
    /// Tools that refund a transaction (the transaction must be in context).
    #[serde(default)]
    pub refund_tools: Vec<String>,
    /// Tools that grant credit (capped and policy-bound, no transaction).
    #[serde(default)]
    pub credit_tools: Vec<String>,
    /// The argument that carries the amount in USD.
    #[serde(default = "default_amount_arg")]
    pub amount_arg: String,
    /// The argument that names the refunded transaction.
    #[serde(default = "default_txn_arg")]
    pub txn_arg: String,
    /// Intent globs whose checked refunds may execute without approval.
    #[serde(default)]
    pub auto_approve_intents: Vec<String>,
    /// How a payment dispute is recognized.
    #[serde(default)]
    pub dispute: DisputeRule,
}

fn default_amount_arg() -> String {
    "amount_usd".into()
}

fn default_txn_arg() -> String {
    "txn_id".into()
}

/// How a payment dispute is recognized: by intent, or by phrases in the ticket.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisputeRule {
    /// Intent globs.
    #[serde(default)]
    pub intents: Vec<String>,
    /// Whole-word phrases, case-insensitive.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regular expressions.
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// Identity gating.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Account-changing tools: need a verified customer; never part of AUTO_RESOLVE.
    #[serde(default)]
    pub gated_tools: Vec<String>,
    /// Sensitive intents (globs): an unverified customer escalates.
    #[serde(default)]
    pub gated_intents: Vec<String>,
    /// Tools that read the customer's account data: a decision that proposes one is
    /// requesting account data, and the `account_data_requested` disclosures are due.
    #[serde(default)]
    pub account_data_tools: Vec<String>,
}

/// The hard escalation triggers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Intents that always escalate.
    #[serde(default)]
    pub immediate_intents: Vec<String>,
    /// What makes an account enterprise.
    pub enterprise: Enterprise,
    /// Repeated contact on the same issue.
    pub repeated_contact: RepeatedContact,
    /// Sentiment rules.
    pub sentiment: SentimentRule,
    /// Urgency rules.
    #[serde(default)]
    pub urgency: UrgencyRule,
    /// Phrase sets for the textual triggers, keyed by trigger name.
    #[serde(default)]
    pub phrases: BTreeMap<Trigger, PhraseSet>,
}

/// Enterprise accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    /// Customer tiers (case-insensitive) that are enterprise.
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Annual recurring revenue at or above which a customer is enterprise.
    pub min_arr_usd: f64,
}

/// Repeated contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatedContact {
    /// `prior_contacts_same_issue` at or above this escalates.
    pub min_prior_contacts: u32,
}

/// Sentiment rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentRule {
    /// Sentiments that always escalate.
    #[serde(default)]
    pub escalate_on: Vec<Sentiment>,
    /// Negative sentiment at or after this conversation turn escalates.
    #[serde(default)]
    pub negative_from_turn: Option<u32>,
}

/// Urgency rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyRule {
    /// Urgencies (the model's label) that always escalate.
    #[serde(default)]
    pub escalate_on: Vec<Priority>,
}

/// Phrases and patterns that detect one textual trigger.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseSet {
    /// Whole-word phrases, case-insensitive; inner spaces match any whitespace.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regular expressions in the `regex` crate's syntax.
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// Queue and priority selection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// The queue when no rule picks one.
    pub default_queue: String,
    /// Queues a ROUTE decision may name.
    #[serde(default)]
    pub queues: Vec<String>,
    /// Trigger routes, in precedence order.
    #[serde(default)]
    pub triggers: Vec<TriggerRoute>,
    /// Intent routes, in order.
    #[serde(default)]
    pub intents: Vec<IntentRoute>,
}

/// Where a fired trigger sends the ticket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerRoute {
    /// The trigger.
    pub trigger: Trigger,
    /// The queue, if this trigger picks one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// The priority this trigger asks for.
    pub priority: Priority,
}

/// Where an intent goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentRoute {
    /// Intent glob.
    pub intent: String,
    /// The queue.
    pub queue: String,
}

/// One alias rule; see the comment above `tool_aliases` in the default policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasRule {
    /// Argument values that must hold (a value, or a list of accepted values).
    #[serde(default)]
    pub when: BTreeMap<String, ArgCondition>,
    /// The action may use no argument outside this list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_args: Option<Vec<String>>,
    /// The contract tool names the action is gated as.
    #[serde(rename = "as")]
    pub as_tools: Vec<String>,
    /// The act this rule performs, if it is one only AUTO_RESOLVE may perform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Act>,
    /// How to rewrite the arguments when the act is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withhold: Option<Withhold>,
}

/// An accepted argument value, or a list of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ArgCondition {
    /// One accepted value.
    One(String),
    /// Any of these values.
    Any(Vec<String>),
}

/// Acts that only an AUTO_RESOLVE verdict performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Act {
    /// Sending the reply to the customer.
    Send,
    /// Closing (solving) the ticket.
    Close,
}

/// How a withheld act's arguments are rewritten.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withhold {
    /// Arguments to set.
    #[serde(default)]
    pub set: BTreeMap<String, serde_json::Value>,
    /// Arguments to remove.
    #[serde(default)]
    pub remove: Vec<String>,
}

impl Withhold {
    /// Whether rewriting `args` would change them. A rewrite that changes nothing
    /// (`remove: [status]` of an update with no `status`) cannot withhold the act.
    pub(crate) fn changes(&self, args: &serde_json::Map<String, serde_json::Value>) -> bool {
        self.remove.iter().any(|key| args.contains_key(key))
            || self
                .set
                .iter()
                .any(|(key, value)| args.get(key) != Some(value))
    }
}

/// The seed's `content_guardrails` section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContentGuardrails {
    /// Topic names the agent must not discuss.
    #[serde(default)]
    pub prohibited_topics: Vec<serde_json::Value>,
    /// Disclosures and when they are due.
    #[serde(default)]
    pub required_disclosures: BTreeMap<String, Disclosure>,
    /// Handlers for sensitive topics.
    #[serde(default)]
    pub sensitive_topic_handlers: BTreeMap<String, serde_json::Value>,
    /// Other keys, kept as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// A required disclosure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Disclosure {
    /// When it is due (`first_message`, `account_data_requested`, ...).
    pub trigger: String,
    /// The text to include.
    pub text: String,
}

/// The seed's `tone_guidelines` section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ToneGuidelines {
    /// The voice, as prose.
    #[serde(default)]
    pub voice: String,
    /// Phrases a reply must not use.
    #[serde(default)]
    pub prohibited_phrases: Vec<String>,
    /// Phrases a reply should prefer.
    #[serde(default)]
    pub preferred_patterns: Vec<String>,
    /// Other keys, kept as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// The response validator's settings (`validator:`). Every part is optional: a part
/// left out takes the embedded default policy's value, so a policy can tighten one
/// setting without restating the rest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorPolicy {
    /// A reply longer than this many characters gets `REPLY_TOO_LONG` (a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_reply_chars: Option<usize>,
    /// Which kinds of specifics must be grounded in context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounding: Option<GroundingPolicy>,
    /// When a KB document is too old to rely on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staleness: Option<StalenessPolicy>,
    /// Personal data detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pii: Option<PiiPolicy>,
    /// Promises a reply must not make unless a policy document grounds them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitments: Option<CommitmentPolicy>,
    /// What each prohibited topic looks like in a reply, by topic name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<BTreeMap<String, PhraseSet>>,
}

/// Which specifics must be grounded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundingPolicy {
    /// Kinds checked: `money`, `percentage`, `date`, `duration`, `phone`, `url`, `kb_id`.
    pub kinds: Vec<String>,
}

/// KB staleness.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StalenessPolicy {
    /// A document last updated more than this many days before `now` is stale.
    pub max_age_days: u32,
    /// Tags of topics that change (pricing, policies, product specs); a tag matches
    /// when it contains one of these.
    pub volatile_tags: Vec<String>,
}

/// Personal data detection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PiiPolicy {
    /// Email domains that belong to the company, never to another customer.
    #[serde(default)]
    pub allowed_email_domains: Vec<String>,
    /// Words whose value is a secret (`password: …`, `PIN is …`).
    pub secret_keywords: Vec<String>,
    /// Words whose value is a government ID number (`passport no. …`, `driver's
    /// license: …`). Absent: [`default_government_id_keywords`]; `[]` turns the
    /// detector off.
    #[serde(default = "default_government_id_keywords")]
    pub government_id_keywords: Vec<String>,
    /// Prefixes of API keys and tokens (`sk_live_`, `AKIA`, `ghp_`, …).
    pub secret_prefixes: Vec<String>,
}

/// The government ID keywords a policy without `validator.pii.government_id_keywords`
/// gets: passports, driving licences, and national ID, tax and insurance numbers of
/// the countries whose customers write them most.
pub fn default_government_id_keywords() -> Vec<String> {
    [
        "passport",
        "passport number",
        "driver's license",
        "drivers license",
        "driver license",
        "driver's licence",
        "driving licence",
        "driving license",
        "national id",
        "national identity number",
        "national insurance number",
        "ni number",
        "nino",
        "social insurance number",
        "tax id",
        "tax identification number",
        "taxpayer id",
        "itin",
        "id card number",
        "identity card number",
        "aadhaar",
        "personnummer",
        "steuer-id",
        "dni",
        "nie",
        "cpf",
        "curp",
        "bsn",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// Commitments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentPolicy {
    /// KB tags that make a document a policy that can ground a commitment (a tag
    /// matches when it contains one of these).
    pub policy_tags: Vec<String>,
    /// The kinds of commitment, by name.
    pub rules: BTreeMap<String, CommitmentRule>,
}

/// One kind of commitment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentRule {
    /// Whole-word phrases, matched on the normalized reply.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regular expressions, matched on the normalized (lower-case) reply.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// A policy document grounds the commitment when it contains one of these
    /// phrases (and every amount, timeline and percentage in the promise). Empty: the
    /// promise is never grounded.
    #[serde(default)]
    pub grounded_by: Vec<String>,
}

impl Policy {
    /// Parses a policy from YAML text and checks it (thresholds in range, patterns that
    /// compile, known triggers).
    ///
    /// # Errors
    /// `YAML_SYNTAX` for text that is not YAML, `POLICY_INVALID` for a field of the wrong
    /// type, an unknown key or an out-of-range value, `POLICY_PATTERN_INVALID` for a
    /// regular expression that does not compile; each with the line:column and field.
    pub fn from_yaml(text: &str) -> Result<Policy> {
        let policy: Policy = crate::source::from_yaml(text, Code::PolicyInvalid)?;
        // Compiling is the only way to know every pattern is valid; the result is
        // dropped here and rebuilt by the engine builder (which owns its own copy).
        CompiledPolicy::compile(&policy, Some(text))?;
        crate::runbook::Runbook::compile(&policy, Some(text))?;
        Ok(policy)
    }

    /// The embedded default policy (`policies/support-agent.yaml`).
    ///
    /// # Errors
    /// Never in a released build: a test loads the embedded file.
    pub fn embedded() -> Result<Policy> {
        crate::source::from_json_tree(EMBEDDED_POLICY_JSON, Code::PolicyInvalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `build.rs` renders the YAML as JSON; loading either must give the same policy.
    #[test]
    fn the_json_rendering_loads_the_same_policy_as_the_yaml() {
        let from_yaml: Policy =
            crate::source::from_yaml(EMBEDDED_POLICY_YAML, Code::PolicyInvalid).unwrap();
        let from_json = Policy::embedded().unwrap();
        let as_value = |policy: &Policy| serde_json::to_value(policy).unwrap();
        assert_eq!(as_value(&from_json), as_value(&from_yaml));
        // Not vacuous: the comparison sees the lists the checks use.
        assert_eq!(
            as_value(&from_json)["routing"]["default_queue"],
            serde_json::json!("general_support")
        );
    }

    /// The shipped policy spells out the built-in government ID keywords, so that a
    /// reader sees them; both lists must stay one.
    #[test]
    fn the_shipped_government_id_keywords_are_the_built_in_ones() {
        let policy = Policy::embedded().unwrap();
        let pii = policy.validator.and_then(|v| v.pii).unwrap();
        assert_eq!(pii.government_id_keywords, default_government_id_keywords());
    }
}
