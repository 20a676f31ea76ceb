//! The incident monitor: a deterministic, serializable state machine over events.
//!
//! # Triggers (defaults from the seeds)
//!
//! | code | fires when | seed |
//! |---|---|---|
//! | `INCIDENT_CATEGORY_SPIKE` | tickets of one category come from ≥ 3 distinct customers within 24 h | runbook: escalation criteria |
//! | `INCIDENT_COMPLETION_DROP` | the completion rate stays more than 20% below its baseline for more than 15 min | incident playbook |
//! | `INCIDENT_REPEATED_COMPLAINTS` | 5 consecutive complaints on one task class name the same output | incident playbook |
//! | `INCIDENT_BILLING_ANOMALY` | billed differs from expected by more than 5% over the billing window | incident playbook |
//! | `INCIDENT_IC_ESCALATION` | during an incident, > 5% of users or > 1 enterprise customer is affected | incident playbook, T+0 |
//!
//! The completion drop is *relative* to the baseline: the playbook's own example, a
//! fall from 95% to 75%, is a 21% relative drop (and only 20 points absolute, which
//! would not be "more than 20%"). The baseline is `completion_baseline` when the host
//! configures one, otherwise the mean of the samples of the last
//! `completion_baseline_minutes` that were not themselves part of a drop.
//!
//! # Episodes
//!
//! Each alert fires once per episode: a category spike stays open while the category
//! has at least the minimum of distinct customers in its window; a completion drop
//! until a sample is back within bounds; a complaint run until a complaint names
//! another output or the run goes quiet for `complaint_gap_minutes`; a billing anomaly
//! until the window's deviation is back within bounds. The IC escalation fires once
//! while any incident is open, and re-arms when none is.
//!
//! # Time and memory
//!
//! The monitor reads no clock. Its clock is the latest event time seen; windows are
//! measured back from it, so an event older than a window counts for nothing. Every
//! table is bounded: per-minute buckets for rates and billing (one window's worth),
//! at most `max_keys` categories and task classes (the least recently active key is
//! evicted first), at most `max_members` customers per key and in the affected set
//! (oldest first), and ids longer than 64 bytes are stored as a SHA-256 prefix. A
//! full sweep of stale keys runs once per hour of event time.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codes::{Code, Trigger};
use crate::error::{Error, Location, Result};
use crate::runbook::Screening;
use crate::source::{json_pointer, object, object_map, objects, optional_object};

/// The monitor's thresholds, windows and caps. Every field has the seeds' default;
/// unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// The window for a category spike, in minutes (24 h).
    pub category_window_minutes: u32,
    /// Distinct customers in one category within the window that make a spike (3).
    pub category_min_customers: u32,
    /// A completion rate this far below its baseline, relatively, is a drop (0.20).
    pub completion_drop_ratio: f64,
    /// A drop must last longer than this many minutes (15).
    pub completion_sustain_minutes: u32,
    /// The expected completion rate (0..1). Absent: the mean of recent normal samples.
    pub completion_baseline: Option<f64>,
    /// How far back the computed baseline looks, in minutes (24 h).
    pub completion_baseline_minutes: u32,
    /// Consecutive complaints about the same output on one task class (5).
    pub complaint_run: u32,
    /// A run of complaints ends after this many quiet minutes (24 h).
    pub complaint_gap_minutes: u32,
    /// Billed differing from expected by more than this ratio is an anomaly (0.05).
    pub billing_anomaly_ratio: f64,
    /// The window billing deltas are summed over, in minutes (24 h).
    pub billing_window_minutes: u32,
    /// More than this share of users affected engages the IC (0.05).
    pub ic_user_share: f64,
    /// More than this many enterprise customers affected engages the IC (1).
    pub ic_enterprise_customers: u32,
    /// How many users the platform has (a `users` event overrides it).
    pub total_users: Option<u64>,
    /// The most categories, and the most task classes, tracked at once (256).
    pub max_keys: usize,
    /// The most customers tracked per category, and in the affected set (10 000).
    pub max_members: usize,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            category_window_minutes: 24 * 60,
            category_min_customers: 3,
            completion_drop_ratio: 0.20,
            completion_sustain_minutes: 15,
            completion_baseline: None,
            completion_baseline_minutes: 24 * 60,
            complaint_run: 5,
            complaint_gap_minutes: 24 * 60,
            billing_anomaly_ratio: 0.05,
            billing_window_minutes: 24 * 60,
            ic_user_share: 0.05,
            ic_enterprise_customers: 1,
            total_users: None,
            max_keys: 256,
            max_members: 10_000,
        }
    }
}

/// The largest `max_keys` / `max_members` accepted, so that a configuration cannot
/// promise memory the monitor should not use.
const MAX_CAP: usize = 1_000_000;
/// The longest window accepted, in minutes (31 days).
const MAX_WINDOW_MINUTES: u32 = 31 * 24 * 60;
/// Customers remembered per complaint run (for the IC's affected count).
const RUN_MEMBERS: usize = 64;
/// Ids longer than this are stored as a digest.
const MAX_ID_BYTES: usize = 64;

impl MonitorConfig {
    /// Reads a configuration from JSON (`{"category_min_customers": 5}`); absent
    /// fields take their defaults.
    ///
    /// # Errors
    /// `JSON_SYNTAX` with line:column, or `OPTION_INVALID` naming the field and its
    /// line:column: an unknown or mistyped field, or a value out of range.
    pub fn from_json(text: &str) -> Result<MonitorConfig> {
        let config: MonitorConfig = crate::source::from_json_object(text, Code::OptionInvalid)?;
        config.validate().map_err(|error| {
            // Every field is a member of the top-level object.
            let pointer = error
                .field()
                .map(|field| format!("/{}", json_pointer::escape_token(field)));
            let location = pointer.and_then(|pointer| json_pointer::locate(text, &pointer));
            error.at(location)
        })?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        let bad = |field: &str, message: String| {
            Err(Error::new(Code::OptionInvalid, message).in_field(field.to_string()))
        };
        for (field, ratio) in [
            ("completion_drop_ratio", self.completion_drop_ratio),
            ("billing_anomaly_ratio", self.billing_anomaly_ratio),
            ("ic_user_share", self.ic_user_share),
        ] {
            if !(ratio.is_finite() && ratio > 0.0 && ratio < 1.0) {
                return bad(field, format!("`{ratio}` is outside 0.0..1.0"));
            }
        }
        if let Some(baseline) = self.completion_baseline {
            if !(baseline.is_finite() && baseline > 0.0 && baseline <= 1.0) {
                return bad(
                    "completion_baseline",
                    format!("`{baseline}` is not a rate in 0.0..=1.0 above zero"),
                );
            }
        }
        for (field, minutes) in [
            ("category_window_minutes", self.category_window_minutes),
            (
                "completion_baseline_minutes",
                self.completion_baseline_minutes,
            ),
            ("complaint_gap_minutes", self.complaint_gap_minutes),
            ("billing_window_minutes", self.billing_window_minutes),
        ] {
            if minutes == 0 || minutes > MAX_WINDOW_MINUTES {
                return bad(
                    field,
                    format!("`{minutes}` is outside 1..={MAX_WINDOW_MINUTES} minutes"),
                );
            }
        }
        if self.completion_sustain_minutes > MAX_WINDOW_MINUTES {
            return bad(
                "completion_sustain_minutes",
                format!(
                    "`{}` is over {MAX_WINDOW_MINUTES} minutes",
                    self.completion_sustain_minutes
                ),
            );
        }
        for (field, count) in [
            ("category_min_customers", self.category_min_customers),
            ("complaint_run", self.complaint_run),
        ] {
            if count == 0 {
                return bad(field, "must be at least 1".into());
            }
        }
        for (field, cap) in [
            ("max_keys", self.max_keys),
            ("max_members", self.max_members),
        ] {
            if cap == 0 || cap > MAX_CAP {
                return bad(field, format!("`{cap}` is outside 1..={MAX_CAP}"));
            }
        }
        Ok(())
    }
}

/// Something the host saw. JSON: an object with `type` and the variant's fields
/// (`{"type": "ticket", "at": "2026-06-03T10:00:00Z", "customer": "C-1", "category": "task_stuck"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum IncidentEvent {
    /// A screened ticket.
    Ticket {
        /// When it was received.
        at: Timestamp,
        /// The customer (CRM id).
        customer: String,
        /// Its runbook category.
        category: String,
        /// Whether the customer is an enterprise account.
        #[serde(default)]
        enterprise: bool,
    },
    /// A platform-wide agent completion-rate sample.
    CompletionRate {
        /// When it was measured.
        at: Timestamp,
        /// The rate, 0..1.
        rate: f64,
    },
    /// A customer complaint about an agent output.
    Complaint {
        /// When it was received.
        at: Timestamp,
        /// The task class (`invoice_extraction`).
        task_class: String,
        /// What identifies the erroneous output (an error signature, an output hash).
        output: String,
        /// Who complained.
        #[serde(default)]
        customer: Option<String>,
        /// Whether they are an enterprise account.
        #[serde(default)]
        enterprise: bool,
    },
    /// A billing reconciliation: what should have been billed and what was.
    Billing {
        /// When it was reconciled.
        at: Timestamp,
        /// The expected amount, USD.
        expected_usd: f64,
        /// The billed amount, USD.
        billed_usd: f64,
    },
    /// How many users the platform has now.
    Users {
        /// When.
        at: Timestamp,
        /// The user count.
        total: u64,
    },
    /// A scope assessment from elsewhere (the on-call engineer, CSM): it opens an
    /// incident for one window.
    Impact {
        /// When.
        at: Timestamp,
        /// Users affected.
        affected_users: u64,
        /// Enterprise customers affected.
        enterprise_customers: u32,
    },
}

/// The kinds of [`IncidentEvent`], as `type` names them.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventKind {
    Ticket,
    CompletionRate,
    Complaint,
    Billing,
    Users,
    Impact,
}

impl EventKind {
    /// The fields of this kind's variant, besides `type`, in declaration order.
    fn field_names(self) -> &'static [&'static str] {
        match self {
            EventKind::Ticket => &["at", "customer", "category", "enterprise"],
            EventKind::CompletionRate => &["at", "rate"],
            EventKind::Complaint => &["at", "task_class", "output", "customer", "enterprise"],
            EventKind::Billing => &["at", "expected_usd", "billed_usd"],
            EventKind::Users => &["at", "total"],
            EventKind::Impact => &["at", "affected_users", "enterprise_customers"],
        }
    }
}

/// A field that may be absent but, when present, must read as a `T`: unlike an
/// `Option`, `null` is not taken for absent (`"enterprise": null` is an error, as
/// it is for the variant's own field).
struct Given<T>(Option<T>);

impl<T> Default for Given<T> {
    fn default() -> Given<T> {
        Given(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Given<T> {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Given<T>, D::Error> {
        T::deserialize(deserializer).map(|value| Given(Some(value)))
    }
}

/// Every field of every [`IncidentEvent`] variant, each optional.
///
/// [`IncidentEvent::from_json`] reads an event as this plain struct, then checks its
/// fields against the variant `type` names. serde's own reading of the internally
/// tagged enum buffers the whole object before it knows the variant, which loses the
/// place of an error in the text; and in the WebAssembly module it was one 28 KB
/// function.
#[derive(Deserialize)]
struct EventFields {
    #[serde(default, rename = "type")]
    kind: Given<EventKind>,
    #[serde(default)]
    at: Given<Timestamp>,
    #[serde(default)]
    customer: Given<Option<String>>,
    #[serde(default)]
    category: Given<String>,
    #[serde(default)]
    enterprise: Given<bool>,
    #[serde(default)]
    rate: Given<f64>,
    #[serde(default)]
    task_class: Given<String>,
    #[serde(default)]
    output: Given<String>,
    #[serde(default)]
    expected_usd: Given<f64>,
    #[serde(default)]
    billed_usd: Given<f64>,
    #[serde(default)]
    total: Given<u64>,
    #[serde(default)]
    affected_users: Given<u64>,
    #[serde(default)]
    enterprise_customers: Given<u32>,
}

impl EventFields {
    /// The event these fields make, or the first field that is missing (in
    /// declaration order) or does not belong to the variant (in document order).
    /// `text` is the object's JSON, to point at the field.
    fn into_event(self, text: &str) -> Result<IncidentEvent> {
        let missing = |field: &'static str| {
            // serde's place for a missing field: the end of the object.
            let location = text
                .rfind('}')
                .map(|offset| Location::of_offset(text, offset));
            Error::new(Code::RequestInvalid, format!("missing field `{field}`"))
                .at(location)
                .in_field(field)
        };
        // The fields were read from an object (`from_json_object`), whose keys these are.
        let keys = json_pointer::member_keys(text, "").unwrap_or_default();
        let Some(kind) = self.kind.0 else {
            return Err(missing("type"));
        };
        let names = kind.field_names();
        for (key, offset) in &keys {
            let (key, offset) = (key.as_str(), *offset);
            if key != "type" && !names.contains(&key) {
                // serde's own wording, as for every other field error here.
                let message: serde_json::Error = serde::de::Error::unknown_field(key, names);
                return Err(Error::new(Code::RequestInvalid, message.to_string())
                    .at(Some(Location::of_offset(text, offset)))
                    .in_field(key));
            }
        }
        let at = self.at.0.ok_or_else(|| missing("at"))?;
        let event = match kind {
            EventKind::Ticket => IncidentEvent::Ticket {
                at,
                customer: match self.customer.0 {
                    Some(Some(customer)) => customer,
                    // Optional on a complaint only.
                    Some(None) => {
                        return Err(Error::new(
                            Code::RequestInvalid,
                            "invalid type: null, expected a string",
                        )
                        .at(json_pointer::locate(text, "/customer"))
                        .in_field("customer"))
                    }
                    None => return Err(missing("customer")),
                },
                category: self.category.0.ok_or_else(|| missing("category"))?,
                enterprise: self.enterprise.0.unwrap_or_default(),
            },
            EventKind::CompletionRate => IncidentEvent::CompletionRate {
                at,
                rate: self.rate.0.ok_or_else(|| missing("rate"))?,
            },
            EventKind::Complaint => IncidentEvent::Complaint {
                at,
                task_class: self.task_class.0.ok_or_else(|| missing("task_class"))?,
                output: self.output.0.ok_or_else(|| missing("output"))?,
                customer: self.customer.0.flatten(),
                enterprise: self.enterprise.0.unwrap_or_default(),
            },
            EventKind::Billing => IncidentEvent::Billing {
                at,
                expected_usd: self.expected_usd.0.ok_or_else(|| missing("expected_usd"))?,
                billed_usd: self.billed_usd.0.ok_or_else(|| missing("billed_usd"))?,
            },
            EventKind::Users => IncidentEvent::Users {
                at,
                total: self.total.0.ok_or_else(|| missing("total"))?,
            },
            EventKind::Impact => IncidentEvent::Impact {
                at,
                affected_users: self
                    .affected_users
                    .0
                    .ok_or_else(|| missing("affected_users"))?,
                enterprise_customers: self
                    .enterprise_customers
                    .0
                    .ok_or_else(|| missing("enterprise_customers"))?,
            },
        };
        // The checks `observe` makes, here too so that the error points at the key.
        validate_event(&event).map_err(|error| {
            let key = error
                .field()
                .and_then(|field| keys.iter().find(|(key, _)| key == field));
            let location = key.map(|(_, offset)| Location::of_offset(text, *offset));
            error.at(location)
        })?;
        Ok(event)
    }
}

impl IncidentEvent {
    /// Reads one event from JSON (one line of an events file).
    ///
    /// An event is one JSON object, whose fields are read as the enum's serde
    /// `Deserialize` reads them; an error says where. The variant's fields are checked
    /// after the object is read: a mistyped value first, then a field of another
    /// variant or of none, then a missing field, then the checks of
    /// [`IncidentMonitor::observe`] (a rate outside 0..1, a negative amount).
    ///
    /// # Errors
    /// `JSON_SYNTAX` with line:column, or `REQUEST_INVALID` naming the field (an
    /// unknown `type` names `type`), also for text over [`crate::MAX_REQUEST_BYTES`].
    pub fn from_json(text: &str) -> Result<IncidentEvent> {
        if text.len() > crate::MAX_REQUEST_BYTES {
            return Err(Error::new(
                Code::RequestInvalid,
                format!(
                    "the event is {} bytes, over the limit of {}",
                    text.len(),
                    crate::MAX_REQUEST_BYTES
                ),
            ));
        }
        crate::source::from_json_object::<EventFields>(text, Code::RequestInvalid)?.into_event(text)
    }

    /// When the event happened.
    pub fn at(&self) -> Timestamp {
        match self {
            IncidentEvent::Ticket { at, .. }
            | IncidentEvent::CompletionRate { at, .. }
            | IncidentEvent::Complaint { at, .. }
            | IncidentEvent::Billing { at, .. }
            | IncidentEvent::Users { at, .. }
            | IncidentEvent::Impact { at, .. } => *at,
        }
    }

    /// The ticket event for a screening: its category and received time; enterprise
    /// when the screening fired `enterprise_account`.
    pub fn from_screening(screening: &Screening, customer: impl Into<String>) -> IncidentEvent {
        IncidentEvent::Ticket {
            at: screening.received_at,
            customer: customer.into(),
            category: screening.category.clone(),
            enterprise: screening
                .triggers
                .iter()
                .any(|hit| hit.trigger == Trigger::EnterpriseAccount),
        }
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentAlert {
    /// Stable code (`INCIDENT_CATEGORY_SPIKE`, ...).
    pub code: Code,
    /// The time of the event that raised it.
    pub at: Timestamp,
    /// What it is about: the category, the task class, or absent for platform-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What happened and what the playbook says to do, for a human.
    pub message: String,
}

/// A set of ids with their last-seen time, evictable oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
struct RecentSet {
    members: BTreeMap<String, (i64, bool)>,
    by_time: BTreeSet<(i64, String)>,
    enterprise: usize,
}

/// The serialized form of one member.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Member {
    id: String,
    at: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    enterprise: bool,
}

impl Serialize for RecentSet {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.by_time.len()))?;
        for (at, id) in &self.by_time {
            let enterprise = self.members.get(id).is_some_and(|(_, e)| *e);
            seq.serialize_element(&Member {
                id: id.clone(),
                at: *at,
                enterprise,
            })?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for RecentSet {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let members: Vec<Member> = objects(deserializer)?;
        let mut set = RecentSet::default();
        for member in members {
            set.touch(member.id, member.at, member.enterprise, usize::MAX);
        }
        Ok(set)
    }
}

impl RecentSet {
    /// Records `id` seen at `at`; returns whether it is new. Keeps at most `cap`.
    fn touch(&mut self, id: String, at: i64, enterprise: bool, cap: usize) -> bool {
        if let Some((seen, was_enterprise)) = self.members.get_mut(&id) {
            if at > *seen {
                self.by_time.remove(&(*seen, id.clone()));
                *seen = at;
                self.by_time.insert((at, id));
            }
            if enterprise && !*was_enterprise {
                *was_enterprise = true;
                self.enterprise += 1;
            }
            return false;
        }
        self.members.insert(id.clone(), (at, enterprise));
        self.by_time.insert((at, id));
        if enterprise {
            self.enterprise += 1;
        }
        while self.members.len() > cap {
            self.pop_oldest();
        }
        true
    }

    /// Records every member of `other`, as last seen there.
    fn absorb(&mut self, other: &RecentSet, cap: usize) {
        for (id, at, enterprise) in other.iter() {
            self.touch(id.clone(), at, enterprise, cap);
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((_, id)) = self.by_time.pop_first() {
            if let Some((_, true)) = self.members.remove(&id) {
                self.enterprise = self.enterprise.saturating_sub(1);
            }
        }
    }

    /// Forgets members last seen before `cutoff`.
    fn evict_before(&mut self, cutoff: i64) {
        while self.by_time.first().is_some_and(|(at, _)| *at < cutoff) {
            self.pop_oldest();
        }
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn clear(&mut self) {
        *self = RecentSet::default();
    }

    fn iter(&self) -> impl Iterator<Item = (&String, i64, bool)> {
        self.members.iter().map(|(id, (at, e))| (id, *at, *e))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryState {
    customers: RecentSet,
    open: bool,
    last_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateBucket {
    sum: f64,
    count: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompletionState {
    /// Normal samples by minute, for the computed baseline.
    #[serde(deserialize_with = "object_map")]
    buckets: BTreeMap<i64, RateBucket>,
    drop_since: Option<i64>,
    open: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplaintRun {
    output: String,
    count: u32,
    last_at: i64,
    fired: bool,
    customers: RecentSet,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BillingBucket {
    expected: f64,
    billed: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BillingState {
    #[serde(deserialize_with = "object_map")]
    buckets: BTreeMap<i64, BillingBucket>,
    open: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImpactReport {
    at: i64,
    affected_users: u64,
    enterprise_customers: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IcState {
    /// Customers of open incidents.
    affected: RecentSet,
    #[serde(default, deserialize_with = "optional_object")]
    reported: Option<ImpactReport>,
    total_users: Option<u64>,
    escalated: bool,
}

/// The incident monitor. See the [module docs](self) for the triggers and their
/// episodes. Build one with [`IncidentMonitor::new`], feed it with
/// [`IncidentMonitor::observe`], and keep it between requests with
/// [`IncidentMonitor::to_json`] / [`IncidentMonitor::from_json`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentMonitor {
    /// Format version of the serialized state.
    version: u32,
    #[serde(deserialize_with = "object")]
    config: MonitorConfig,
    /// The latest event time seen, in Unix seconds.
    clock: Option<i64>,
    /// The hour of event time of the last sweep; `None` before the first. (Not an
    /// `i64::MIN` sentinel: JavaScript numbers hold integers exactly only up to 2^53,
    /// and the state must survive a `JSON.parse` / `JSON.stringify` in a worker.)
    last_sweep_hour: Option<i64>,
    #[serde(deserialize_with = "object_map")]
    categories: BTreeMap<String, CategoryState>,
    #[serde(deserialize_with = "object")]
    completion: CompletionState,
    #[serde(deserialize_with = "object_map")]
    complaints: BTreeMap<String, ComplaintRun>,
    #[serde(deserialize_with = "object")]
    billing: BillingState,
    #[serde(deserialize_with = "object")]
    ic: IcState,
}

impl Default for IncidentMonitor {
    fn default() -> Self {
        IncidentMonitor::fresh(MonitorConfig::default())
    }
}

impl IncidentMonitor {
    fn fresh(config: MonitorConfig) -> IncidentMonitor {
        IncidentMonitor {
            version: 1,
            ic: IcState {
                total_users: config.total_users,
                ..IcState::default()
            },
            config,
            clock: None,
            last_sweep_hour: None,
            categories: BTreeMap::new(),
            completion: CompletionState::default(),
            complaints: BTreeMap::new(),
            billing: BillingState::default(),
        }
    }

    /// A monitor with `config`.
    ///
    /// # Errors
    /// `OPTION_INVALID` naming the field for a ratio outside 0..1, a zero or overlong
    /// window, a zero count or an out-of-range cap.
    pub fn new(config: MonitorConfig) -> Result<IncidentMonitor> {
        config.validate()?;
        Ok(IncidentMonitor::fresh(config))
    }

    /// The configuration in force.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// The state as JSON, to store between requests.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Restores a state saved by [`IncidentMonitor::to_json`].
    ///
    /// # Errors
    /// `JSON_SYNTAX`, or `REQUEST_INVALID` naming the field, for text that is not a
    /// saved state; `OPTION_INVALID` for a saved configuration out of range.
    pub fn from_json(text: &str) -> Result<IncidentMonitor> {
        let monitor: IncidentMonitor = crate::source::from_json_object(text, Code::RequestInvalid)?;
        if monitor.version != 1 {
            return Err(Error::new(
                Code::RequestInvalid,
                format!(
                    "unsupported monitor state version `{}`, expected `1`",
                    monitor.version
                ),
            )
            .in_field("version"));
        }
        monitor.config.validate()?;
        Ok(monitor)
    }

    /// How many entries the state holds (customers, buckets, keys): a measure of its
    /// size that the caps bound.
    pub fn stored_entries(&self) -> usize {
        let categories: usize = self
            .categories
            .values()
            .map(|state| 1 + state.customers.len())
            .sum();
        let complaints: usize = self
            .complaints
            .values()
            .map(|run| 1 + run.customers.len())
            .sum();
        categories
            + complaints
            + self.completion.buckets.len()
            + self.billing.buckets.len()
            + self.ic.affected.len()
    }

    /// The largest [`IncidentMonitor::stored_entries`] this configuration allows.
    pub fn entry_bound(&self) -> usize {
        let c = &self.config;
        c.max_keys * (1 + c.max_members)
            + c.max_keys * (1 + RUN_MEMBERS)
            + c.completion_baseline_minutes as usize
            + 1
            + c.billing_window_minutes as usize
            + 1
            + c.max_members
    }

    /// Feeds one event; returns the alerts it raises, in a fixed order (the event's
    /// own trigger first, then an IC escalation).
    ///
    /// # Errors
    /// `REQUEST_INVALID` for a rate outside 0..1 or an amount that is negative or not
    /// finite; the state is unchanged.
    pub fn observe(&mut self, event: &IncidentEvent) -> Result<Vec<IncidentAlert>> {
        validate_event(event)?;
        let at_time = event.at();
        let at = at_time.as_second();
        let clock = self.clock.map_or(at, |clock| clock.max(at));
        self.clock = Some(clock);
        let mut alerts = Vec::new();
        self.sweep_if_due(clock);
        // What ended before this event ends before it is applied: an expired impact
        // report, say, must not keep an old escalation armed for a new incident.
        self.settle_ic(clock);
        match event {
            IncidentEvent::Ticket {
                customer,
                category,
                enterprise,
                ..
            } => self.on_ticket(at_time, clock, customer, category, *enterprise, &mut alerts),
            IncidentEvent::CompletionRate { rate, .. } => {
                self.on_completion(at_time, clock, *rate, &mut alerts)
            }
            IncidentEvent::Complaint {
                task_class,
                output,
                customer,
                enterprise,
                ..
            } => self.on_complaint(
                at_time,
                clock,
                task_class,
                output,
                customer.as_deref(),
                *enterprise,
                &mut alerts,
            ),
            IncidentEvent::Billing {
                expected_usd,
                billed_usd,
                ..
            } => self.on_billing(at_time, clock, *expected_usd, *billed_usd, &mut alerts),
            IncidentEvent::Users { total, .. } => self.ic.total_users = Some(*total),
            IncidentEvent::Impact {
                affected_users,
                enterprise_customers,
                ..
            } => {
                self.ic.reported = Some(ImpactReport {
                    at,
                    affected_users: *affected_users,
                    enterprise_customers: *enterprise_customers,
                });
            }
        }
        self.check_ic(at_time, clock, &mut alerts);
        Ok(alerts)
    }

    fn window_cutoff(clock: i64, minutes: u32) -> i64 {
        clock.saturating_sub(i64::from(minutes) * 60)
    }

    fn on_ticket(
        &mut self,
        at_time: Timestamp,
        clock: i64,
        customer: &str,
        category: &str,
        enterprise: bool,
        alerts: &mut Vec<IncidentAlert>,
    ) {
        let at = at_time.as_second();
        let cutoff = Self::window_cutoff(clock, self.config.category_window_minutes);
        if at < cutoff {
            return;
        }
        let key = bounded_id(category);
        let customer = bounded_id(customer);
        if !self.categories.contains_key(&key) && self.categories.len() >= self.config.max_keys {
            evict_least_recent(&mut self.categories, |state| state.last_at);
        }
        let max_members = self.config.max_members;
        let min = self.config.category_min_customers as usize;
        let window = self.config.category_window_minutes;
        let state = self.categories.entry(key.clone()).or_default();
        state.last_at = state.last_at.max(at);
        state
            .customers
            .touch(customer.clone(), at, enterprise, max_members);
        state.customers.evict_before(cutoff);
        let distinct = state.customers.len();
        if distinct < min {
            state.open = false;
            return;
        }
        if state.open {
            // An open spike: this customer is affected too.
            self.ic
                .affected
                .touch(customer, at, enterprise, self.config.max_members);
            return;
        }
        state.open = true;
        alerts.push(IncidentAlert {
            code: Code::IncidentCategorySpike,
            at: at_time,
            subject: Some(key.clone()),
            message: format!(
                "category `{key}`: {distinct} distinct customers within {}: possible platform-level issue (at least {min} within the window); trigger incident response",
                minutes_text(window)
            ),
        });
        self.ic
            .affected
            .absorb(&state.customers, self.config.max_members);
    }

    fn on_completion(
        &mut self,
        at_time: Timestamp,
        clock: i64,
        rate: f64,
        alerts: &mut Vec<IncidentAlert>,
    ) {
        let at = at_time.as_second();
        let state = &mut self.completion;
        let cutoff_minute =
            Self::window_cutoff(clock, self.config.completion_baseline_minutes).div_euclid(60);
        while state
            .buckets
            .first_key_value()
            .is_some_and(|(minute, _)| *minute < cutoff_minute)
        {
            state.buckets.pop_first();
        }
        let computed = {
            let (sum, count) = state.buckets.values().fold((0.0f64, 0u64), |(s, c), b| {
                (s + b.sum, c + u64::from(b.count))
            });
            (count > 0).then(|| sum / count as f64)
        };
        let baseline = self.config.completion_baseline.or(computed);
        let drop = baseline
            .filter(|b| *b > 0.0)
            .map(|b| (b, (b - rate) / b))
            .filter(|(_, drop)| *drop > self.config.completion_drop_ratio);
        match drop {
            Some((baseline, drop)) => {
                let since = *state.drop_since.get_or_insert(at);
                let sustained = at.saturating_sub(since);
                let limit = i64::from(self.config.completion_sustain_minutes) * 60;
                if !state.open && sustained > limit {
                    state.open = true;
                    alerts.push(IncidentAlert {
                        code: Code::IncidentCompletionDrop,
                        at: at_time,
                        subject: None,
                        message: format!(
                            "completion rate {} is {:.1}% below its baseline of {} and has been for {} (over {:.0}% for over {}): platform-wide incident; say so publicly, never \"all systems normal\"",
                            percent(rate),
                            drop * 100.0,
                            percent(baseline),
                            seconds_text(sustained),
                            self.config.completion_drop_ratio * 100.0,
                            minutes_text(self.config.completion_sustain_minutes)
                        ),
                    });
                }
            }
            None => {
                state.drop_since = None;
                state.open = false;
                if at >= cutoff_minute.saturating_mul(60) {
                    let bucket = state.buckets.entry(at.div_euclid(60)).or_default();
                    bucket.sum += rate;
                    bucket.count = bucket.count.saturating_add(1);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_complaint(
        &mut self,
        at_time: Timestamp,
        clock: i64,
        task_class: &str,
        output: &str,
        customer: Option<&str>,
        enterprise: bool,
        alerts: &mut Vec<IncidentAlert>,
    ) {
        let at = at_time.as_second();
        let gap = i64::from(self.config.complaint_gap_minutes) * 60;
        if at < clock.saturating_sub(gap) {
            return;
        }
        let key = bounded_id(task_class);
        let output_key = bounded_id(output);
        if !self.complaints.contains_key(&key) && self.complaints.len() >= self.config.max_keys {
            evict_least_recent(&mut self.complaints, |run| run.last_at);
        }
        let needed = self.config.complaint_run;
        let run = self.complaints.entry(key.clone()).or_default();
        if run.count == 0 || run.output != output_key || at.saturating_sub(run.last_at) > gap {
            *run = ComplaintRun {
                output: output_key,
                count: 0,
                last_at: at,
                fired: false,
                customers: RecentSet::default(),
            };
        }
        run.count = run.count.saturating_add(1);
        run.last_at = run.last_at.max(at);
        if let Some(customer) = customer {
            run.customers
                .touch(bounded_id(customer), at, enterprise, RUN_MEMBERS);
        }
        if run.count < needed {
            return;
        }
        if !run.fired {
            run.fired = true;
            alerts.push(IncidentAlert {
                code: Code::IncidentRepeatedComplaints,
                at: at_time,
                subject: Some(key.clone()),
                message: format!(
                    "task class `{key}`: {} consecutive complaints about the same output (`{}`): severe output error; engage engineering and accept ownership",
                    run.count,
                    bounded_id(output)
                ),
            });
        }
        self.ic
            .affected
            .absorb(&run.customers, self.config.max_members);
    }

    fn on_billing(
        &mut self,
        at_time: Timestamp,
        clock: i64,
        expected: f64,
        billed: f64,
        alerts: &mut Vec<IncidentAlert>,
    ) {
        let at = at_time.as_second();
        let window = self.config.billing_window_minutes;
        let cutoff_minute = Self::window_cutoff(clock, window).div_euclid(60);
        let state = &mut self.billing;
        if at.div_euclid(60) >= cutoff_minute {
            let bucket = state.buckets.entry(at.div_euclid(60)).or_default();
            bucket.expected += expected;
            bucket.billed += billed;
        }
        while state
            .buckets
            .first_key_value()
            .is_some_and(|(minute, _)| *minute < cutoff_minute)
        {
            state.buckets.pop_first();
        }
        let (expected_total, billed_total) = state
            .buckets
            .values()
            .fold((0.0f64, 0.0f64), |(e, b), bucket| {
                (e + bucket.expected, b + bucket.billed)
            });
        let deviation = if expected_total > 0.0 {
            (billed_total - expected_total) / expected_total
        } else if billed_total > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        if deviation.abs() <= self.config.billing_anomaly_ratio {
            state.open = false;
            return;
        }
        if state.open {
            return;
        }
        state.open = true;
        let advice = if deviation > 0.0 {
            "users are over-charged: refund proactively and announce the refund timeline"
        } else {
            "users are under-charged: fix it and do not back-bill"
        };
        let size = if deviation.is_finite() {
            format!("{:.1}%", deviation.abs() * 100.0)
        } else {
            "an unbounded share (nothing was expected)".to_string()
        };
        alerts.push(IncidentAlert {
            code: Code::IncidentBillingAnomaly,
            at: at_time,
            subject: Some(if deviation > 0.0 { "over_charge" } else { "under_charge" }.into()),
            message: format!(
                "billed {billed_total:.2} USD against {expected_total:.2} USD expected over {}: off by {size} (over {:.0}%); {advice}",
                minutes_text(window),
                self.config.billing_anomaly_ratio * 100.0
            ),
        });
    }

    /// Whether any incident is open now.
    pub fn incident_open(&self) -> bool {
        self.categories.values().any(|state| state.open)
            || self.completion.open
            || self.complaints.values().any(|run| run.fired)
            || self.billing.open
            || self
                .ic
                .reported
                .as_ref()
                .is_some_and(|report| report.affected_users > 0 || report.enterprise_customers > 0)
    }

    /// Expires the impact report and affected customers past the window; with no
    /// incident open, forgets the affected set and re-arms the escalation.
    fn settle_ic(&mut self, clock: i64) {
        let cutoff = Self::window_cutoff(clock, self.config.category_window_minutes);
        if self
            .ic
            .reported
            .as_ref()
            .is_some_and(|report| report.at < cutoff)
        {
            self.ic.reported = None;
        }
        self.ic.affected.evict_before(cutoff);
        if !self.incident_open() {
            self.ic.affected.clear();
            self.ic.escalated = false;
        }
    }

    fn check_ic(&mut self, at_time: Timestamp, clock: i64, alerts: &mut Vec<IncidentAlert>) {
        self.settle_ic(clock);
        if !self.incident_open() || self.ic.escalated {
            return;
        }
        let reported = self.ic.reported.as_ref();
        let users =
            (self.ic.affected.len() as u64).max(reported.map_or(0, |report| report.affected_users));
        let enterprise = (self.ic.affected.enterprise as u64)
            .max(reported.map_or(0, |report| u64::from(report.enterprise_customers)));
        let share = self
            .ic
            .total_users
            .filter(|total| *total > 0)
            .map(|total| users as f64 / total as f64);
        let by_share = share.is_some_and(|share| share > self.config.ic_user_share);
        let by_enterprise = enterprise > u64::from(self.config.ic_enterprise_customers);
        if !(by_share || by_enterprise) {
            return;
        }
        self.ic.escalated = true;
        let users_text = match (share, self.ic.total_users) {
            (Some(share), Some(total)) => {
                format!("{users} of {total} users ({:.1}%)", share * 100.0)
            }
            _ => format!("{users} users"),
        };
        alerts.push(IncidentAlert {
            code: Code::IncidentIcEscalation,
            at: at_time,
            subject: None,
            message: format!(
                "{users_text} and {enterprise} enterprise customers affected (escalate over {:.0}% of users or over {} enterprise customer{}): engage the Incident Commander",
                self.config.ic_user_share * 100.0,
                self.config.ic_enterprise_customers,
                if self.config.ic_enterprise_customers == 1 { "" } else { "s" }
            ),
        });
    }

    /// Once per hour of event time, forgets what every window has left behind.
    fn sweep_if_due(&mut self, clock: i64) {
        let hour = clock.div_euclid(3600);
        if self.last_sweep_hour.is_some_and(|last| hour <= last) {
            return;
        }
        self.last_sweep_hour = Some(hour);
        let category_cutoff = Self::window_cutoff(clock, self.config.category_window_minutes);
        let min = self.config.category_min_customers as usize;
        self.categories.retain(|_, state| {
            state.customers.evict_before(category_cutoff);
            if state.customers.len() < min {
                state.open = false;
            }
            state.customers.len() > 0
        });
        let gap = i64::from(self.config.complaint_gap_minutes) * 60;
        self.complaints
            .retain(|_, run| run.last_at >= clock.saturating_sub(gap));
        let completion_cutoff =
            Self::window_cutoff(clock, self.config.completion_baseline_minutes).div_euclid(60);
        while self
            .completion
            .buckets
            .first_key_value()
            .is_some_and(|(minute, _)| *minute < completion_cutoff)
        {
            self.completion.buckets.pop_first();
        }
        let billing_cutoff =
            Self::window_cutoff(clock, self.config.billing_window_minutes).div_euclid(60);
        while self
            .billing
            .buckets
            .first_key_value()
            .is_some_and(|(minute, _)| *minute < billing_cutoff)
        {
            self.billing.buckets.pop_first();
        }
        if self.billing.buckets.is_empty() {
            self.billing.open = false;
        }
    }
}

fn validate_event(event: &IncidentEvent) -> Result<()> {
    let invalid = |field: &str, message: String| {
        Err(Error::new(Code::RequestInvalid, message).in_field(field.to_string()))
    };
    match event {
        IncidentEvent::CompletionRate { rate, .. } if !(0.0..=1.0).contains(rate) => {
            invalid("rate", format!("`{rate}` is not a rate in 0.0..=1.0"))
        }
        IncidentEvent::Billing {
            expected_usd,
            billed_usd,
            ..
        } => {
            for (field, amount) in [("expected_usd", expected_usd), ("billed_usd", billed_usd)] {
                if !amount.is_finite() || *amount < 0.0 {
                    return invalid(field, format!("`{amount}` is not a non-negative amount"));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Removes the entry whose `last_at` is oldest (ties: the smallest key).
fn evict_least_recent<V>(map: &mut BTreeMap<String, V>, last_at: impl Fn(&V) -> i64) {
    let oldest = map
        .iter()
        .min_by_key(|(key, value)| (last_at(value), (*key).clone()))
        .map(|(key, _)| key.clone());
    if let Some(key) = oldest {
        map.remove(&key);
    }
}

/// An id as stored: itself up to 64 bytes, else `sha256:` and 16 bytes of its digest.
fn bounded_id(id: &str) -> String {
    if id.len() <= MAX_ID_BYTES {
        return id.to_string();
    }
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256:{hex}")
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn minutes_text(minutes: u32) -> String {
    if minutes % 60 == 0 {
        let hours = minutes / 60;
        format!("{hours} h")
    } else {
        format!("{minutes} min")
    }
}

fn seconds_text(seconds: i64) -> String {
    let minutes = seconds / 60;
    let rest = seconds % 60;
    if rest == 0 {
        format!("{minutes} min")
    } else {
        format!("{minutes} min {rest} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_are_stored_as_digests() {
        assert_eq!(bounded_id("C-1"), "C-1");
        let long = "x".repeat(65);
        let stored = bounded_id(&long);
        assert!(stored.starts_with("sha256:"));
        assert_eq!(stored.len(), 7 + 32);
        assert_eq!(stored, bounded_id(&long));
    }

    #[test]
    fn recent_set_keeps_the_newest_and_counts_enterprise() {
        let mut set = RecentSet::default();
        assert!(set.touch("a".into(), 10, false, 2));
        assert!(set.touch("b".into(), 20, true, 2));
        assert!(!set.touch("a".into(), 30, false, 2));
        assert!(set.touch("c".into(), 40, true, 2));
        // `b` was the oldest: evicted, and its enterprise flag with it.
        assert_eq!(set.len(), 2);
        assert_eq!(set.enterprise, 1);
        set.evict_before(35);
        assert_eq!(set.len(), 1);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"[{"id":"c","at":40,"enterprise":true}]"#);
        let back: RecentSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
    }

    #[test]
    fn config_rejects_out_of_range_values() {
        let error = IncidentMonitor::new(MonitorConfig {
            completion_drop_ratio: 1.5,
            ..MonitorConfig::default()
        })
        .unwrap_err();
        assert_eq!(error.code(), Code::OptionInvalid);
        assert_eq!(error.field(), Some("completion_drop_ratio"));
        let error = IncidentMonitor::new(MonitorConfig {
            max_members: 0,
            ..MonitorConfig::default()
        })
        .unwrap_err();
        assert_eq!(error.field(), Some("max_members"));
    }

    #[test]
    fn event_errors_name_the_field_and_its_place() {
        for (text, expected) in [
            (
                r#"{"type": "completion_rate", "at": "2026-06-01T00:00:00Z", "rate": "x"}"#,
                "1:69: field `rate`: invalid type: string \"x\", expected a number",
            ),
            (
                r#"{"type": "tickets", "at": "2026-06-01T00:00:00Z"}"#,
                "1:18: field `type`: unknown variant `tickets`, expected one of `ticket`, `completion_rate`, `complaint`, `billing`, `users`, `impact`",
            ),
            (
                r#"{"type": "ticket", "at": "yesterday", "customer": "C", "category": "x"}"#,
                "1:36: field `at`: failed to parse four digit integer as year: invalid digit, expected 0-9 but got y",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "customer": "C"}"#,
                "1:65: field `category`: missing field `category`",
            ),
            (
                r#"{"type": "users", "at": "2026-06-01T00:00:00Z", "total": 9, "rate": 1}"#,
                "1:61: field `rate`: unknown field `rate`, expected `at` or `total`",
            ),
            (
                r#"{"at": "2026-06-01T00:00:00Z"}"#,
                "1:30: field `type`: missing field `type`",
            ),
            (
                // The key, not an earlier value that spells it.
                r#"{"type": "ticket", "customer": "C", "category": "rate", "rate": 1, "at": "2026-06-01T00:00:00Z"}"#,
                "1:57: field `rate`: unknown field `rate`, expected one of `at`, `customer`, `category`, `enterprise`",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "customer": "C", "category": "x", "enterprise": null}"#,
                "1:101: field `enterprise`: invalid type: null, expected a boolean",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "at": "2026-06-01T00:00:00Z"}"#,
                "1:53: field `at`: duplicate field `at`",
            ),
            (
                r#"{"type": "ticket", "at": "2026-06-01T00:00:00Z", "customer": null, "category": "x"}"#,
                "1:62: field `customer`: invalid type: null, expected a string",
            ),
            (
                // `observe`'s own checks, at the key.
                r#"{"type": "billing", "at": "2026-06-01T00:00:00Z", "expected_usd": 10, "billed_usd": -1}"#,
                "1:71: field `billed_usd`: `-1` is not a non-negative amount",
            ),
            (
                r#"{"type": null, "at": "2026-06-01T00:00:00Z"}"#,
                "1:10: field `type`: invalid type: null, expected a string",
            ),
            (
                r#"["users", "2026-06-01T00:00:00Z"]"#,
                "1:1: invalid type: sequence, expected a mapping",
            ),
        ] {
            let error = IncidentEvent::from_json(text).unwrap_err();
            assert_eq!(error.code(), Code::RequestInvalid, "{text}");
            assert_eq!(error.to_string(), expected, "{text}");
        }
    }

    /// `from_json` reads an object as the enum's derived `Deserialize` does, then
    /// makes `observe`'s checks: the same events from every variant's fields, each removed, made `null`, mistyped or
    /// repeated, and with every other variant's fields and an unknown one added.
    #[test]
    fn event_from_json_accepts_what_serde_accepts() {
        let at = r#""at": "2026-06-01T00:00:00Z""#;
        let variants: [(&str, &[&str]); 6] = [
            (
                "ticket",
                &[
                    at,
                    r#""customer": "C-1""#,
                    r#""category": "login""#,
                    r#""enterprise": true"#,
                ],
            ),
            ("completion_rate", &[at, r#""rate": 0.5"#]),
            (
                "complaint",
                &[
                    at,
                    r#""task_class": "t""#,
                    r#""output": "o""#,
                    r#""customer": "C-2""#,
                    r#""enterprise": false"#,
                ],
            ),
            (
                "billing",
                &[at, r#""expected_usd": 10"#, r#""billed_usd": 10.5"#],
            ),
            ("users", &[at, r#""total": 100"#]),
            (
                "impact",
                &[at, r#""affected_users": 3"#, r#""enterprise_customers": 1"#],
            ),
        ];
        let every_field: Vec<&str> = variants
            .iter()
            .flat_map(|(_, fields)| fields.iter().copied())
            .collect();
        let mut texts = Vec::new();
        for (kind, fields) in variants {
            let object = |members: &[String]| format!("{{{}}}", members.join(", "));
            let base: Vec<String> = std::iter::once(format!(r#""type": "{kind}""#))
                .chain(fields.iter().map(|field| field.to_string()))
                .collect();
            texts.push(object(&base));
            for index in 0..base.len() {
                let key = base[index].split(':').next().unwrap_or_default();
                let mut without = base.clone();
                without.remove(index);
                texts.push(object(&without));
                for value in ["null", "\"x\"", "-1", "1.5", "true", "[]", "{}"] {
                    let mut changed = base.clone();
                    changed[index] = format!("{key}: {value}");
                    texts.push(object(&changed));
                }
                let mut repeated = base.clone();
                repeated.push(base[index].clone());
                texts.push(object(&repeated));
                let mut moved = base.clone();
                let member = moved.remove(index);
                moved.push(member);
                texts.push(object(&moved));
            }
            for extra in every_field.iter().chain([&r#""note": 1"#]) {
                let mut added = base.clone();
                added.push(extra.to_string());
                texts.push(object(&added));
            }
        }
        assert!(texts.len() > 250, "{}", texts.len());
        let mut accepted = 0;
        for text in &texts {
            let ours = IncidentEvent::from_json(text);
            let serde = serde_json::from_str::<IncidentEvent>(text)
                .map_err(|error| error.to_string())
                .and_then(|event| match validate_event(&event) {
                    Ok(()) => Ok(event),
                    Err(error) => Err(error.to_string()),
                });
            match (ours, serde) {
                (Ok(ours), Ok(serde)) => {
                    assert_eq!(ours, serde, "{text}");
                    accepted += 1;
                }
                (Err(_), Err(_)) => {}
                (ours, serde) => panic!("{text}: from_json {ours:?}, serde {serde:?}"),
            }
        }
        assert!(accepted > 40, "{accepted}");
    }

    #[test]
    fn state_json_holds_only_integers_javascript_keeps_exactly() {
        // A fresh monitor once saved `last_sweep_hour` as i64::MIN, which a JS
        // `JSON.parse` rounds to a float that no longer reads back.
        let fresh = IncidentMonitor::default().to_json();
        assert!(
            fresh.contains(r#""clock":null,"last_sweep_hour":null,"#),
            "{fresh}"
        );
        let value: serde_json::Value = serde_json::from_str(&fresh).unwrap();
        fn check(value: &serde_json::Value) {
            match value {
                serde_json::Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        assert!(i.unsigned_abs() <= 1 << 53, "{i}");
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(check),
                serde_json::Value::Object(map) => map.values().for_each(check),
                _ => {}
            }
        }
        check(&value);
        // States saved before the change still load.
        let old = fresh.replace(
            r#""last_sweep_hour":null"#,
            r#""last_sweep_hour":-9223372036854775808"#,
        );
        assert_eq!(
            IncidentMonitor::from_json(&old).unwrap().last_sweep_hour,
            Some(i64::MIN)
        );
    }

    #[test]
    fn config_from_json_names_the_field() {
        let error = MonitorConfig::from_json(r#"{"complaint_runs": 3}"#).unwrap_err();
        assert_eq!(error.code(), Code::OptionInvalid);
        assert_eq!(error.field(), Some("complaint_runs"));
        let error = MonitorConfig::from_json(r#"{"complaint_run": 0}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1:19: field `complaint_run`: must be at least 1"
        );
        let config = MonitorConfig::from_json(r#"{"complaint_run": 3}"#).unwrap();
        assert_eq!(config.complaint_run, 3);
        assert_eq!(config.category_min_customers, 3);
    }
}
