//! The runbook's weekly review, from a helpdesk ticket log.
//!
//! One JSON object per line ([`TicketRecord`]; unknown fields are accepted, since
//! helpdesk exports carry their own):
//!
//! ```json
//! {"id": "T-1", "customer": "C-1", "category": "task_stuck", "created_at": "2026-06-01T10:00:00Z",
//!  "first_response_at": "2026-06-01T11:30:00Z", "escalated": true, "reopened": false,
//!  "first_contact_resolution": false, "product_issue": false}
//! ```
//!
//! - **Category**: as given, else screened from `subject` and `body` with the policy's
//!   runbook.
//! - **SLA attainment by category**: the due time is `due_at` when given, else the
//!   category's SLA counted in business time from `created_at` on the policy's
//!   calendar. A ticket first answered at or before it met the SLA, after it missed;
//!   an unanswered ticket missed once the log's clock (its latest timestamp) passes
//!   the due time, and is *pending* until then. Attainment = met / (met + missed).
//! - **Escalation rate**: tickets with `escalated: true` of those that say; the
//!   runbook's healthy range is 15–25%.
//! - **Repeat-ticket rate**: tickets marked `reopened`, or whose customer opened a
//!   ticket of the same category within the previous 30 days. The log is read in
//!   order; the last-seen table is bounded (the oldest entries go first).
//! - **First-contact resolution** and **ticket → product issue** (healthy 5–10%):
//!   from the optional flags.
//! - **Weeks**: the same numbers per ISO week of `created_at` in the calendar's zone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codes::Code;
use crate::error::Result;
use crate::request::Ticket;
use crate::runbook::Runbook;

use super::{bounded_key, CappedMap, InvalidLine, InvalidLines, Merge, Rate};

/// Categories reported (by name; the rest are `(other)`).
const MAX_CATEGORIES: usize = 500;
/// Weeks reported (the latest).
const MAX_WEEKS: usize = 520;
/// The repeat window: 30 days.
const REPEAT_WINDOW_SECONDS: i64 = 30 * 24 * 3600;
/// Customer–category pairs remembered for repeat detection.
const MAX_RECENT_PAIRS: usize = 200_000;
/// The runbook's healthy escalation range.
const HEALTHY_ESCALATION: (f64, f64) = (0.15, 0.25);

/// One ticket of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    /// Ticket id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Customer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Runbook category; screened from the text when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Subject (used only to screen the category).
    #[serde(default)]
    pub subject: String,
    /// Body (used only to screen the category).
    #[serde(default)]
    pub body: String,
    /// When the ticket was opened.
    pub created_at: Timestamp,
    /// When a human (or the agent) first answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<Timestamp>,
    /// The due time, when the helpdesk recorded one (else computed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// Whether tier-1 escalated it (to tier-2 or engineering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated: Option<bool>,
    /// Whether it reopens an earlier ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopened: Option<bool>,
    /// Whether it was resolved at first contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_contact_resolution: Option<bool>,
    /// Whether it led to a product issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_issue: Option<bool>,
}

impl TicketRecord {
    /// Parses one line.
    ///
    /// # Errors
    /// `JSON_SYNTAX` or `REQUEST_INVALID` naming the field and line:column.
    pub fn from_json(line: &str) -> Result<TicketRecord> {
        super::check_line_size(line)?;
        crate::source::from_json_object(line, Code::RequestInvalid)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct SlaCounts {
    tickets: u64,
    met: u64,
    missed: u64,
    no_sla: u64,
    escalated_known: u64,
    escalated: u64,
    repeats: u64,
}

impl Merge for SlaCounts {
    fn merge(&mut self, other: Self) {
        self.tickets += other.tickets;
        self.met += other.met;
        self.missed += other.missed;
        self.no_sla += other.no_sla;
        self.escalated_known += other.escalated_known;
        self.escalated += other.escalated;
        self.repeats += other.repeats;
    }
}

/// Streaming weekly-review metrics over a ticket log read in order.
#[derive(Debug, Clone)]
pub struct TicketLogAccumulator {
    tickets: u64,
    clock: Option<Timestamp>,
    categories: CappedMap<SlaCounts>,
    weeks: CappedMap<SlaCounts>,
    /// Unanswered tickets not yet due: (due, category, week) → count.
    pending: BTreeMap<(Timestamp, String, String), u64>,
    fcr_known: u64,
    fcr: u64,
    product_known: u64,
    product: u64,
    recent: HashMap<u64, i64>,
    recent_by_time: BTreeSet<(i64, u64)>,
    invalid: InvalidLines,
}

impl Default for TicketLogAccumulator {
    fn default() -> Self {
        TicketLogAccumulator::new()
    }
}

impl TicketLogAccumulator {
    /// An empty accumulator.
    pub fn new() -> TicketLogAccumulator {
        TicketLogAccumulator {
            tickets: 0,
            clock: None,
            categories: CappedMap::new(MAX_CATEGORIES, false),
            weeks: CappedMap::new(MAX_WEEKS, true),
            pending: BTreeMap::new(),
            fcr_known: 0,
            fcr: 0,
            product_known: 0,
            product: 0,
            recent: HashMap::new(),
            recent_by_time: BTreeSet::new(),
            invalid: InvalidLines::default(),
        }
    }

    /// Records a line that could not be read (1-based `line`) and why (an
    /// [`crate::Error`], or any message).
    pub fn add_invalid(&mut self, line: u64, reason: &impl std::fmt::Display) {
        self.invalid.add(line, reason.to_string());
    }

    /// Adds the next ticket of the log.
    pub fn add(&mut self, runbook: &Runbook, record: &TicketRecord) {
        self.tickets += 1;
        let calendar = runbook.calendar();
        for at in [Some(record.created_at), record.first_response_at]
            .into_iter()
            .flatten()
        {
            self.clock = Some(self.clock.map_or(at, |clock| clock.max(at)));
        }
        let category = match &record.category {
            Some(category) => bounded_key(category),
            None => {
                let ticket = Ticket {
                    subject: record.subject.clone(),
                    body: record.body.clone(),
                    ..Ticket::default()
                };
                runbook
                    .categorize(&ticket)
                    .map_or_else(|| "(unknown)".to_string(), |(rule, _)| rule.name.clone())
            }
        };
        let week = {
            let date = calendar.date_of(record.created_at);
            let iso = date.iso_week_date();
            format!("{:04}-W{:02}", iso.year(), iso.week())
        };
        let mut counts = SlaCounts {
            tickets: 1,
            ..SlaCounts::default()
        };
        let due = record
            .due_at
            .or_else(|| runbook.due_at(&category, record.created_at));
        match (due, record.first_response_at) {
            (None, _) => counts.no_sla = 1,
            (Some(due), Some(answered)) => {
                if answered <= due {
                    counts.met = 1;
                } else {
                    counts.missed = 1;
                }
            }
            (Some(due), None) => {
                *self
                    .pending
                    .entry((due, category.clone(), week.clone()))
                    .or_insert(0) += 1;
            }
        }
        if let Some(escalated) = record.escalated {
            counts.escalated_known = 1;
            counts.escalated = u64::from(escalated);
        }
        if self.is_repeat(record, &category) {
            counts.repeats = 1;
        }
        if let Some(fcr) = record.first_contact_resolution {
            self.fcr_known += 1;
            self.fcr += u64::from(fcr);
        }
        if let Some(product) = record.product_issue {
            self.product_known += 1;
            self.product += u64::from(product);
        }
        self.categories.add(category, counts);
        self.weeks.add(week, counts);
        self.settle_overdue();
    }

    /// Unanswered tickets whose due time the log's clock has passed have missed.
    fn settle_overdue(&mut self) {
        let Some(clock) = self.clock else { return };
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 >= clock {
                break;
            }
            let ((_, category, week), count) = entry.remove_entry();
            let missed = SlaCounts {
                missed: count,
                ..SlaCounts::default()
            };
            self.categories.add(category, missed);
            self.weeks.add(week, missed);
        }
    }

    fn is_repeat(&mut self, record: &TicketRecord, category: &str) -> bool {
        let created = record.created_at.as_second();
        let clock = self.clock.map_or(created, Timestamp::as_second);
        let cutoff = clock.saturating_sub(REPEAT_WINDOW_SECONDS);
        while let Some((at, key)) = self.recent_by_time.first().copied() {
            if at >= cutoff && self.recent.len() <= MAX_RECENT_PAIRS {
                break;
            }
            self.recent_by_time.pop_first();
            self.recent.remove(&key);
        }
        let mut repeat = record.reopened == Some(true);
        if let Some(customer) = &record.customer {
            let key = pair_key(customer, category);
            if let Some(previous) = self.recent.get(&key).copied() {
                if previous <= created && created - previous <= REPEAT_WINDOW_SECONDS {
                    repeat = true;
                }
            }
            let previous = self.recent.get(&key).copied();
            if let Some(previous) = previous {
                self.recent_by_time.remove(&(previous, key));
            }
            let latest = previous.map_or(created, |previous| previous.max(created));
            self.recent.insert(key, latest);
            self.recent_by_time.insert((latest, key));
        }
        repeat
    }

    /// The weekly review.
    pub fn report(&self) -> TicketReport {
        let mut categories = self.categories.clone();
        let mut weeks = self.weeks.clone();
        let mut pending_by_category: BTreeMap<String, u64> = BTreeMap::new();
        for ((_, category, week), count) in &self.pending {
            *pending_by_category.entry(category.clone()).or_insert(0) += count;
            // Pending tickets count toward neither met nor missed; touching the maps
            // keeps their category and week listed.
            categories.add(category.clone(), SlaCounts::default());
            weeks.add(week.clone(), SlaCounts::default());
        }
        let mut total = SlaCounts::default();
        let mut rows: Vec<CategorySlaRow> = Vec::new();
        let other = ("(other)".to_string(), categories.other);
        for (category, counts) in categories
            .map
            .iter()
            .chain(std::iter::once((&other.0, &other.1)))
        {
            total.merge(*counts);
            if counts.tickets == 0 && category == "(other)" {
                continue;
            }
            rows.push(CategorySlaRow {
                category: category.clone(),
                tickets: counts.tickets,
                met: counts.met,
                missed: counts.missed,
                pending: pending_by_category.get(category).copied().unwrap_or(0),
                no_sla: counts.no_sla,
                attainment: Rate::new(counts.met, counts.met + counts.missed),
                escalation_rate: Rate::new(counts.escalated, counts.escalated_known),
            });
        }
        let week_rows = weeks
            .map
            .iter()
            .map(|(week, counts)| WeekRow {
                week: week.clone(),
                tickets: counts.tickets,
                sla_attainment: Rate::new(counts.met, counts.met + counts.missed),
                escalation_rate: Rate::new(counts.escalated, counts.escalated_known),
                repeat_rate: Rate::new(counts.repeats, counts.tickets),
            })
            .collect();
        let escalation_rate = Rate::new(total.escalated, total.escalated_known);
        TicketReport {
            tickets: self.tickets,
            as_of: self.clock,
            invalid_lines: self.invalid.count,
            invalid_examples: self.invalid.first.clone(),
            sla_attainment: Rate::new(total.met, total.met + total.missed),
            pending: self.pending.values().sum(),
            categories: rows,
            escalation_band: EscalationBand::of(&escalation_rate),
            escalation_rate,
            repeat_rate: Rate::new(total.repeats, self.tickets),
            first_contact_resolution: Rate::new(self.fcr, self.fcr_known),
            product_issue_rate: Rate::new(self.product, self.product_known),
            weeks: week_rows,
        }
    }
}

fn pair_key(customer: &str, category: &str) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(customer.as_bytes());
    hasher.update([0]);
    hasher.update(category.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 8];
    for (slot, byte) in bytes.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    u64::from_le_bytes(bytes)
}

/// SLA numbers for one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorySlaRow {
    /// The category (`(other)` past the table's cap).
    pub category: String,
    /// Tickets.
    pub tickets: u64,
    /// Answered by the due time.
    pub met: u64,
    /// Answered late, or unanswered past the due time.
    pub missed: u64,
    /// Unanswered and not yet due at the log's end.
    pub pending: u64,
    /// Unknown category without a `due_at`: no SLA.
    pub no_sla: u64,
    /// Met of met + missed.
    pub attainment: Rate,
    /// Escalated of those that say.
    pub escalation_rate: Rate,
}

/// One ISO week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekRow {
    /// `2026-W23`.
    pub week: String,
    /// Tickets opened that week.
    pub tickets: u64,
    /// Met of met + missed.
    pub sla_attainment: Rate,
    /// Escalated of those that say.
    pub escalation_rate: Rate,
    /// Repeats of all.
    pub repeat_rate: Rate,
}

/// The escalation rate against the runbook's healthy 15–25% band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationBand {
    /// Lower edge (0.15).
    pub low: f64,
    /// Upper edge (0.25).
    pub high: f64,
    /// `below`, `within`, `above`, or `unknown` (no ticket says).
    pub status: String,
    /// What it suggests.
    pub note: String,
}

impl EscalationBand {
    fn of(rate: &Rate) -> EscalationBand {
        let (low, high) = HEALTHY_ESCALATION;
        let (status, note) = match rate.rate {
            None => ("unknown", "no ticket says whether it was escalated"),
            Some(rate) if rate < low => (
                "below",
                "below the healthy 15-25%: tier-1 may be struggling with cases beyond its capability instead of escalating",
            ),
            Some(rate) if rate > high => (
                "above",
                "above the healthy 15-25%: tier-1 escalates more than it should; check categorization and tier-1 procedures",
            ),
            Some(_) => ("within", "within the healthy 15-25%"),
        };
        EscalationBand {
            low,
            high,
            status: status.into(),
            note: note.into(),
        }
    }
}

/// The weekly review of a ticket log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketReport {
    /// Tickets read.
    pub tickets: u64,
    /// The latest timestamp in the log.
    pub as_of: Option<Timestamp>,
    /// Lines that could not be read.
    pub invalid_lines: u64,
    /// The first of them.
    pub invalid_examples: Vec<InvalidLine>,
    /// Met of met + missed, all categories.
    pub sla_attainment: Rate,
    /// Unanswered tickets not yet due.
    pub pending: u64,
    /// SLA by category.
    pub categories: Vec<CategorySlaRow>,
    /// Escalated of the tickets that say.
    pub escalation_rate: Rate,
    /// The escalation rate against the healthy band.
    pub escalation_band: EscalationBand,
    /// Repeat tickets of all.
    pub repeat_rate: Rate,
    /// Resolved at first contact, of those that say.
    pub first_contact_resolution: Rate,
    /// Led to a product issue, of those that say (healthy 5-10%).
    pub product_issue_rate: Rate,
    /// The same by ISO week.
    pub weeks: Vec<WeekRow>,
}
