//! Ticket screening before any model call: the support runbook as code.
//!
//! [`crate::Engine::screen_ticket`] reads a ticket (subject, body, customer) and says,
//! without a model:
//!
//! - its **category**: the runbook's nine agent-product categories (agent output error,
//!   task stuck, bill higher than expected, cache hit rate drop, HITL too frequent,
//!   tier cap, integration/API issue, account/permissions, feature inquiry) plus the
//!   seeds' generic intents (password reset, billing query, refund request, bug report,
//!   account deletion, abuse report, general question). Categories are phrase sets in
//!   the policy's `runbook.categories`, tried **in order**: the first whose phrases
//!   match the subject or the body wins, so specific categories come before broad
//!   ones (the runbook: never file an agent output error as a feature inquiry). When
//!   none matches, the ticket gets `runbook.default_category`.
//! - who handles it (**handling tier**: Tier-1, Tier-1 then Tier-2, Tier-2) and its
//!   **SLA** in business hours or business days, from the category's rule;
//! - its **due time**, counted in business time on the policy's calendar
//!   ([`calendar`]: time zone, weekdays, opening hours, holidays);
//! - the **hard triggers** already visible in the ticket: the very phrase sets `check`
//!   uses (`escalation.phrases`, compiled once for both), enterprise account, repeated
//!   contact, turn limit, and a category that is one of the policy's
//!   `escalation.immediate_intents`. Any trigger sets [`Screening::handoff`]: the ticket
//!   goes straight to a human (the implementation guide's "Tier 3 — full handoff"),
//!   and the host need not spend a model call on it, because `check` would escalate it
//!   whatever the model said.
//! - whether it reads as an **automated message** (an out-of-office reply, a bounce)
//!   or as **obvious spam** (an SEO pitch, a prize notice): the blueprint's
//!   short-circuit before the model. Spam is obvious only when at least
//!   `runbook.spam_min_phrases` different spam phrases appear (two by default), so a
//!   customer who quotes one line of a spam mail to report it is still answered.
//!
//! Screening reads no clock: the caller passes `now` (the CLI reads the clock only when
//! `--now` is absent). Same ticket, same `now`, same policy: same screening.

pub mod calendar;

use std::sync::OnceLock;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use calendar::{BusinessCalendar, CalendarConfig, OpeningHours, Sla, WeekdayName};

use crate::check::triggers::TicketText;
use crate::codes::{Code, Trigger};
use crate::error::{Error, Result};
use crate::policy::{CompiledPolicy, Policy, Priority, EMBEDDED_POLICY_YAML};
use crate::request::Ticket;
use crate::source::yaml_path;
use crate::text::phrases::{PatternCase, PhraseIndex, PhraseIndexBuilder};
use crate::text::Span;
use crate::verdict::TriggerHit;

/// The policy's `runbook` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunbookPolicy {
    /// When the support team works.
    pub calendar: CalendarConfig,
    /// The category of a ticket no category's phrases match.
    pub default_category: String,
    /// Categories, tried in order.
    pub categories: Vec<CategoryRule>,
    /// Phrases that mark an automated message (an out-of-office reply, a delivery
    /// failure): no customer is waiting on it, so screening flags it and the host can
    /// skip the model call (the blueprint's short-circuit for auto-replies).
    #[serde(default)]
    pub automated_phrases: Vec<String>,
    /// Phrases of unsolicited pitches and scams (an SEO offer, a prize notice).
    #[serde(default)]
    pub spam_phrases: Vec<String>,
    /// How many different `spam_phrases` make a ticket obvious spam (0: never).
    #[serde(default = "two")]
    pub spam_min_phrases: usize,
}

/// Who handles a category, per the runbook's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlingTier {
    /// Tier-1 support handles it.
    #[serde(rename = "tier_1")]
    Tier1,
    /// Tier-1 takes it, commits to investigate, and hands it to Tier-2.
    #[serde(rename = "tier_1_then_tier_2")]
    Tier1ThenTier2,
    /// Tier-2 support handles it.
    #[serde(rename = "tier_2")]
    Tier2,
}

impl HandlingTier {
    /// The machine name (`tier_1`, `tier_1_then_tier_2`, `tier_2`).
    pub fn as_str(self) -> &'static str {
        match self {
            HandlingTier::Tier1 => "tier_1",
            HandlingTier::Tier1ThenTier2 => "tier_1_then_tier_2",
            HandlingTier::Tier2 => "tier_2",
        }
    }

    /// Whether Tier-2 (or engineering) ends up handling it: the runbook's escalation
    /// rate counts these.
    pub fn reaches_tier_2(self) -> bool {
        !matches!(self, HandlingTier::Tier1)
    }
}

/// One category of the runbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    /// Machine name (`agent_output_error`).
    pub name: String,
    /// Who handles it.
    pub tier: HandlingTier,
    /// By when it must be answered, in business time.
    pub sla: Sla,
    /// Its priority, when no trigger asks for more.
    #[serde(default = "medium")]
    pub priority: Priority,
    /// Its queue, when no trigger picks one (must be one of `routing.queues`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Whole-word phrases, case-insensitive.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regular expressions.
    #[serde(default)]
    pub patterns: Vec<String>,
}

fn medium() -> Priority {
    Priority::Medium
}

fn two() -> usize {
    2
}

crate::source::read::read_struct!(
    RunbookPolicy,
    Deny {
        calendar: required,
        default_category: required,
        categories: required,
        automated_phrases: default,
        spam_phrases: default,
        spam_min_phrases: default(two),
    }
);

crate::source::read::read_struct!(
    CategoryRule,
    Deny {
        name: required,
        tier: required,
        sla: required,
        priority: default(medium),
        queue: default,
        phrases: default,
        patterns: default,
    }
);

/// The runbook compiled: calendar and category matchers.
#[derive(Debug, Clone)]
pub struct Runbook {
    calendar: BusinessCalendar,
    /// The categories, in the order they are tried; category `i` is set `i` of
    /// `phrases`.
    categories: Vec<CategoryRule>,
    phrases: PhraseIndex,
    default_index: usize,
    /// The set of `phrases` that marks an automated message (after the categories').
    automated: usize,
    /// The sets of `phrases` that are spam phrases (after `automated`), one phrase
    /// each, so that different phrases are counted.
    spam: std::ops::Range<usize>,
    /// How many different spam phrases make a ticket obvious spam.
    spam_min_phrases: usize,
}

/// What one scan of a ticket's subject and body says.
struct TextScreening<'r> {
    rule: &'r CategoryRule,
    /// The phrase that picked `rule` (none for the default category).
    matched: Option<CategoryMatch>,
    automated: Option<CategoryMatch>,
    spam: Option<CategoryMatch>,
}

/// Where a category's phrase was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMatch {
    /// `ticket.subject` or `ticket.body`.
    pub field: String,
    /// The byte span of the matched phrase in that field.
    pub span: Span,
}

/// What screening says about one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// The ticket's id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
    /// The runbook category.
    pub category: String,
    /// The phrase that picked the category (absent for the default category).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<CategoryMatch>,
    /// Who handles it.
    pub handling_tier: HandlingTier,
    /// The category's SLA.
    pub sla: Sla,
    /// When the SLA clock started (the `now` given).
    pub received_at: Timestamp,
    /// When the ticket must be answered (absent only past the representable range).
    pub due_at: Option<Timestamp>,
    /// `due_at` in the calendar's time zone (RFC 9557).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at_local: Option<String>,
    /// Whether the ticket goes straight to a human, without a model call: a hard
    /// trigger fired.
    pub handoff: bool,
    /// The queue: the first fired trigger's (routing order), else the category's, else
    /// the routing rule for the category's name, else the default queue.
    pub queue: String,
    /// The highest of the category's priority and every fired trigger's.
    pub priority: Priority,
    /// The hard triggers found, with where.
    pub triggers: Vec<TriggerHit>,
    /// Where the ticket reads as an automated message (an out-of-office reply, a
    /// delivery failure; `runbook.automated_phrases`): unless a trigger also asks for a
    /// human, nobody is waiting for an answer and the host can skip the model call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<CategoryMatch>,
    /// Where the ticket reads as obvious spam (`runbook.spam_phrases`, at least
    /// `runbook.spam_min_phrases` different ones): the first of them. Unless a trigger
    /// also asks for a human, the host can close it without a model call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spam: Option<CategoryMatch>,
}

impl Screening {
    /// The screening as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

impl Runbook {
    /// Compiles the policy's runbook section (or, when the policy has none, the
    /// embedded default policy's). `source` is the policy YAML, for error locations.
    ///
    /// # Errors
    /// `POLICY_INVALID` (unknown time zone, bad hours or holiday, zero SLA, unknown
    /// default category or queue, a duplicate category) or `POLICY_PATTERN_INVALID`,
    /// each naming the field under `runbook` and, with `source`, its line:column.
    pub(crate) fn compile(policy: &Policy, source: Option<&str>) -> Result<Runbook> {
        match &policy.runbook {
            Some(config) => compile_section(config, policy, source),
            None => {
                let embedded = embedded_section()?;
                compile_section(embedded, policy, Some(EMBEDDED_POLICY_YAML))
            }
        }
    }

    /// The business calendar.
    pub fn calendar(&self) -> &BusinessCalendar {
        &self.calendar
    }

    /// Every category, in the order they are tried.
    pub fn categories(&self) -> impl Iterator<Item = &CategoryRule> {
        self.categories.iter()
    }

    /// The category named `name`.
    pub fn category(&self, name: &str) -> Option<&CategoryRule> {
        self.categories().find(|rule| rule.name == name)
    }

    /// The default category's rule.
    pub fn default_category(&self) -> Option<&CategoryRule> {
        self.categories.get(self.default_index)
    }

    /// The category of `ticket`, and the phrase that picked it.
    pub fn categorize(&self, ticket: &Ticket) -> Option<(&CategoryRule, Option<CategoryMatch>)> {
        self.screen_text(&TicketText::new(ticket))
            .map(|screening| (screening.rule, screening.matched))
    }

    /// The category, the phrase that picked it, and where the text reads as an
    /// automated message or as obvious spam: one scan of the text for all.
    fn screen_text(&self, text: &TicketText<'_>) -> Option<TextScreening<'_>> {
        let matches = text.first_matches(&self.phrases);
        let to_match = |hit: &crate::check::triggers::FieldMatch<'_>| CategoryMatch {
            field: hit.field.to_string(),
            span: hit.span,
        };
        let automated = matches
            .get(self.automated)
            .and_then(Option::as_ref)
            .map(to_match);
        let spam_found: Vec<_> = matches
            .get(self.spam.clone())
            .unwrap_or_default()
            .iter()
            .flatten()
            .collect();
        let spam = if self.spam_min_phrases > 0 && spam_found.len() >= self.spam_min_phrases {
            // The earliest, the subject before the body.
            spam_found
                .into_iter()
                .min_by_key(|hit| (hit.field != "ticket.subject", hit.span.start))
                .map(to_match)
        } else {
            None
        };
        let first = self
            .categories
            .iter()
            .zip(&matches)
            .find_map(|(rule, hit)| hit.as_ref().map(|hit| (rule, hit)));
        let (rule, matched) = match first {
            Some((rule, hit)) => (rule, Some(to_match(hit))),
            None => (self.default_category()?, None),
        };
        Some(TextScreening {
            rule,
            matched,
            automated,
            spam,
        })
    }

    /// The due time of a ticket of `category` received at `received`; `None` for an
    /// unknown category.
    pub fn due_at(&self, category: &str, received: Timestamp) -> Option<Timestamp> {
        let rule = self.category(category)?;
        self.calendar.due_at(received, rule.sla)
    }
}

/// Parses an RFC 3339 time (`2026-06-03T10:00:00Z`, `2026-06-03T12:00:00+02:00`).
///
/// # Errors
/// `REQUEST_INVALID` naming the field `now`.
pub fn parse_now(text: &str) -> Result<Timestamp> {
    text.trim().parse::<Timestamp>().map_err(|_| {
        Error::new(
            Code::RequestInvalid,
            format!("`{text}` is not an RFC 3339 time such as `2026-06-03T10:00:00Z`"),
        )
        .in_field("now")
    })
}

/// What `deskguard screen` reads: a ticket object (the request format's `ticket`), or
/// a request-shaped object `{"ticket": {...}, "now": "..."}` whose `now`, when
/// present, is when the ticket was received.
///
/// # Errors
/// `JSON_SYNTAX`, or `REQUEST_INVALID` naming the field and its line:column (also for
/// text over [`crate::MAX_REQUEST_BYTES`] and a `now` that is not RFC 3339).
pub fn parse_ticket_json(text: &str) -> Result<(Ticket, Option<Timestamp>)> {
    #[derive(Deserialize)]
    struct Wrapped {
        ticket: Ticket,
        #[serde(default)]
        now: Option<String>,
    }
    if text.len() > crate::request::MAX_REQUEST_BYTES {
        return Err(Error::new(
            Code::RequestInvalid,
            format!(
                "the ticket is {} bytes, over the limit of {}",
                text.len(),
                crate::request::MAX_REQUEST_BYTES
            ),
        ));
    }
    let value = crate::source::json_value(text)?;
    if value
        .get("ticket")
        .is_some_and(serde_json::Value::is_object)
    {
        let wrapped: Wrapped = crate::source::from_json_object(text, Code::RequestInvalid)?;
        let now = wrapped.now.as_deref().map(parse_now).transpose()?;
        Ok((wrapped.ticket, now))
    } else {
        let ticket: Ticket = crate::source::from_json_object(text, Code::RequestInvalid)?;
        Ok((ticket, None))
    }
}

fn embedded_section() -> Result<&'static RunbookPolicy> {
    static EMBEDDED: OnceLock<Option<RunbookPolicy>> = OnceLock::new();
    EMBEDDED
        .get_or_init(|| Policy::embedded().ok().and_then(|policy| policy.runbook))
        .as_ref()
        .ok_or_else(|| {
            Error::new(
                Code::InternalError,
                "the embedded policy has no readable `runbook` section",
            )
        })
}

fn compile_section(
    config: &RunbookPolicy,
    policy: &Policy,
    source: Option<&str>,
) -> Result<Runbook> {
    let invalid = |path: &[&str], needle: Option<&str>, message: String| {
        let location = source.and_then(|text| match needle {
            Some(needle) => yaml_path::locate_scalar(text, path, needle),
            None => yaml_path::locate(text, path),
        });
        Error::new(Code::PolicyInvalid, message)
            .at(location)
            .in_field(path.join("."))
    };

    let calendar = BusinessCalendar::compile(&config.calendar).map_err(|error| {
        let mut path = vec!["runbook", "calendar"];
        path.extend(error.field.split('.'));
        invalid(&path, error.value.as_deref(), error.message)
    })?;

    let queues = &policy.routing.queues;
    let mut categories: Vec<CategoryRule> = Vec::with_capacity(config.categories.len());
    let mut phrases = PhraseIndexBuilder::new();
    for rule in &config.categories {
        let name = rule.name.as_str();
        let at = ["runbook", "categories"];
        if name.trim().is_empty() {
            return Err(invalid(&at, None, "a category has an empty name".into()));
        }
        if categories.iter().any(|other| other.name == name) {
            return Err(invalid(
                &at,
                Some(name),
                format!("category `{name}` is defined twice"),
            ));
        }
        calendar::check_sla(rule.sla)
            .map_err(|message| invalid(&at, Some(name), format!("category `{name}`: {message}")))?;
        if let Some(queue) = &rule.queue {
            if !queues.is_empty() && !queues.contains(queue) {
                return Err(invalid(
                    &at,
                    Some(queue),
                    format!("category `{name}`: queue `{queue}` is not listed in `routing.queues`"),
                ));
            }
        }
        phrases
            .add_set(&rule.phrases, &rule.patterns, PatternCase::Insensitive)
            .map_err(|error| {
                let location =
                    source.and_then(|text| yaml_path::locate_scalar(text, &at, &error.pattern));
                Error::new(
                    Code::PolicyPatternInvalid,
                    format!(
                        "category `{name}`: invalid pattern `{}`: {}",
                        error.pattern, error.reason
                    ),
                )
                .at(location)
                .in_field("runbook.categories")
            })?;
        categories.push(rule.clone());
    }
    let default_index = categories
        .iter()
        .position(|rule| rule.name == config.default_category)
        .ok_or_else(|| {
            invalid(
                &["runbook", "default_category"],
                None,
                format!(
                    "`{}` is not one of the categories in `runbook.categories`",
                    config.default_category
                ),
            )
        })?;
    let automated = categories.len();
    phrases
        .add_set(&config.automated_phrases, &[], PatternCase::Insensitive)
        .map_err(|error| {
            Error::new(Code::PolicyPatternInvalid, error.reason)
                .in_field("runbook.automated_phrases")
        })?;
    // One set per spam phrase, in the same index: the ticket is scanned once, and
    // an engine build compiles one index, not two.
    let mut spam = automated + 1..automated + 1;
    for phrase in &config.spam_phrases {
        let set = phrases
            .add_set(std::slice::from_ref(phrase), &[], PatternCase::Insensitive)
            .map_err(|error| {
                Error::new(Code::PolicyPatternInvalid, error.reason)
                    .in_field("runbook.spam_phrases")
            })?;
        spam.end = set + 1;
    }
    let phrases = phrases.build().map_err(|error| {
        Error::new(Code::PolicyPatternInvalid, error.reason).in_field("runbook.categories")
    })?;
    Ok(Runbook {
        calendar,
        categories,
        phrases,
        default_index,
        automated,
        spam,
        spam_min_phrases: config.spam_min_phrases,
    })
}

/// Screens `ticket` received at `now`.
pub(crate) fn screen(
    policy: &CompiledPolicy,
    runbook: &Runbook,
    ticket: &Ticket,
    now: Timestamp,
) -> Screening {
    let text = TicketText::new(ticket);
    let (rule, matched, automated, spam) = match runbook.screen_text(&text) {
        Some(found) => (
            found.rule.clone(),
            found.matched,
            found.automated,
            found.spam,
        ),
        // Unreachable with a compiled runbook (the default category exists); fail
        // toward a human rather than panic.
        None => (
            CategoryRule {
                name: "general_question".into(),
                tier: HandlingTier::Tier2,
                sla: Sla::BusinessHours(4),
                priority: Priority::Medium,
                queue: None,
                phrases: Vec::new(),
                patterns: Vec::new(),
            },
            None,
            None,
            None,
        ),
    };
    let triggers = ticket_triggers(policy, ticket, &text, &rule.name);
    let queue = policy
        .trigger_routes
        .iter()
        .find(|(trigger, queue, _)| {
            queue.is_some() && triggers.iter().any(|hit| hit.trigger == *trigger)
        })
        .and_then(|(_, queue, _)| queue.clone())
        .or_else(|| rule.queue.clone())
        .or_else(|| {
            policy
                .intent_routes
                .iter()
                .find(|(glob, _)| glob.matches(&rule.name))
                .map(|(_, queue)| queue.clone())
        })
        .unwrap_or_else(|| policy.default_queue.clone());
    let priority = triggers
        .iter()
        .filter_map(|hit| {
            policy
                .trigger_routes
                .iter()
                .find(|(trigger, _, _)| *trigger == hit.trigger)
                .map(|(_, _, priority)| *priority)
        })
        .chain(std::iter::once(rule.priority))
        .max()
        .unwrap_or(rule.priority);
    let due_at = runbook.calendar.due_at(now, rule.sla);
    Screening {
        ticket_id: ticket.id.clone(),
        category: rule.name.clone(),
        matched,
        handling_tier: rule.tier,
        sla: rule.sla,
        received_at: now,
        due_at,
        due_at_local: due_at.map(|due| runbook.calendar.local(due)),
        handoff: !triggers.is_empty(),
        queue,
        priority,
        triggers,
        automated,
        spam,
    }
}

/// The hard triggers visible in the ticket alone. The textual ones come from the same
/// compiled phrase sets as `check`'s, with the same messages and spans, so a screening
/// and a later check agree on what the ticket says.
fn ticket_triggers(
    policy: &CompiledPolicy,
    ticket: &Ticket,
    text: &TicketText<'_>,
    category: &str,
) -> Vec<TriggerHit> {
    let mut hits: Vec<TriggerHit> = Vec::new();
    let mut fire = |trigger: Trigger, message: String, at: Option<(&str, Span)>| {
        if hits.iter().all(|hit| hit.trigger != trigger) {
            hits.push(TriggerHit {
                trigger,
                message,
                field: at.map(|(field, _)| field.to_string()),
                span: at.map(|(_, span)| span),
            });
        }
    };
    let matches = text.first_matches(&policy.ticket_phrases);
    crate::check::triggers::ticket_triggers(policy, ticket, &matches, &mut fire);
    if let Some(glob) = policy.immediate_intents.first_match(category) {
        fire(
            Trigger::ImmediateIntent,
            format!(
                "category `{category}` always escalates (`{}`)",
                glob.as_str()
            ),
            None,
        );
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_runbook_compiles_with_the_runbook_table() {
        let policy = Policy::embedded().unwrap();
        let runbook = Runbook::compile(&policy, Some(EMBEDDED_POLICY_YAML)).unwrap();
        let table = [
            (
                "agent_output_error",
                HandlingTier::Tier2,
                Sla::BusinessHours(4),
            ),
            ("task_stuck", HandlingTier::Tier2, Sla::BusinessHours(2)),
            (
                "bill_higher_than_expected",
                HandlingTier::Tier1ThenTier2,
                Sla::BusinessHours(24),
            ),
            (
                "cache_hit_rate_drop",
                HandlingTier::Tier2,
                Sla::BusinessDays(1),
            ),
            (
                "hitl_too_frequent",
                HandlingTier::Tier2,
                Sla::BusinessDays(1),
            ),
            ("tier_cap", HandlingTier::Tier1, Sla::BusinessHours(4)),
            (
                "integration_api_issue",
                HandlingTier::Tier1,
                Sla::BusinessHours(4),
            ),
            (
                "account_permissions",
                HandlingTier::Tier1,
                Sla::BusinessHours(4),
            ),
            (
                "feature_inquiry",
                HandlingTier::Tier1,
                Sla::BusinessHours(4),
            ),
        ];
        for (name, tier, sla) in table {
            let rule = runbook.category(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!((rule.tier, rule.sla), (tier, sla), "{name}");
        }
        for generic in [
            "password_reset",
            "billing_query",
            "refund_request",
            "bug_report",
            "account_deletion",
            "abuse_report",
            "general_question",
        ] {
            assert!(runbook.category(generic).is_some(), "{generic}");
        }
        assert_eq!(runbook.default_category().unwrap().name, "general_question");
    }
}
