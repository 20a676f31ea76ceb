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
//! | `INCIDENT_UPSTREAM_UNAVAILABLE` | an `upstream` event reports a model API unavailable | incident playbook |
//! | `INCIDENT_DATA_LEAK` | a `data_leak` event: customer data sent or leaked through the agent | incident playbook, runbook |
//! | `INCIDENT_EXEC_ESCALATION` | an incident stays open for more than 60 min of event time | incident playbook, T+1 hour |
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
//! until the window's deviation is back within bounds; an upstream outage until the
//! provider is seen available. A data leak fires every time, and keeps an incident
//! open for the category window. The IC and executive escalations fire once while any
//! incident is open, and re-arm when none is; the executive one counts from the
//! earliest event at which the open incident was seen open.
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

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::event::validate_event;
use super::recent::RecentSet;
use super::{IncidentEvent, MonitorConfig};
use crate::codes::Code;
use crate::error::{Error, Result};
use crate::source::{object, object_map, optional_object};

/// Customers remembered per complaint run (for the IC's affected count).
const RUN_MEMBERS: usize = 64;
/// Ids longer than this are stored as a digest.
const MAX_ID_BYTES: usize = 64;

/// One alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentAlert {
    /// Stable code (`INCIDENT_CATEGORY_SPIKE`, ...).
    pub code: Code,
    /// The time of the event that raised it.
    pub at: Timestamp,
    /// What it is about: the category, the task class, the upstream provider, the
    /// customer whose data leaked, or absent for platform-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What happened and what the playbook says to do, for a human.
    pub message: String,
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
    /// When the incident now open opened (the earliest event time it has been open
    /// since); states saved before it was kept read as not known.
    #[serde(default)]
    open_since: Option<i64>,
    /// Whether the open incident went to the executives.
    #[serde(default)]
    exec_escalated: bool,
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
    /// Upstream providers seen unavailable and not since seen available, with when
    /// each was last seen down (for eviction past `max_keys`).
    #[serde(default)]
    upstream: BTreeMap<String, i64>,
    /// The latest data leak, which keeps an incident open for the category window.
    #[serde(default)]
    last_leak_at: Option<i64>,
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
            upstream: BTreeMap::new(),
            last_leak_at: None,
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
            + self.upstream.len()
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
            + c.max_keys
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
            IncidentEvent::Upstream {
                provider,
                available,
                ..
            } => self.on_upstream(at_time, provider, *available, &mut alerts),
            IncidentEvent::DataLeak {
                customer,
                enterprise,
                ..
            } => self.on_data_leak(at_time, customer.as_deref(), *enterprise, &mut alerts),
        }
        if self.settle_ic(clock) {
            self.check_ic(at_time, &mut alerts);
            self.check_exec(at_time, clock, &mut alerts);
        }
        Ok(alerts)
    }

    fn on_upstream(
        &mut self,
        at_time: Timestamp,
        provider: &str,
        available: bool,
        alerts: &mut Vec<IncidentAlert>,
    ) {
        let at = at_time.as_second();
        let key = bounded_id(provider);
        if available {
            self.upstream.remove(&key);
            return;
        }
        if let Some(last_at) = self.upstream.get_mut(&key) {
            *last_at = (*last_at).max(at);
            return;
        }
        if self.upstream.len() >= self.config.max_keys {
            evict_least_recent(&mut self.upstream, |last_at| *last_at);
        }
        self.upstream.insert(key.clone(), at);
        alerts.push(IncidentAlert {
            code: Code::IncidentUpstreamUnavailable,
            at: at_time,
            subject: Some(key.clone()),
            message: format!(
                "upstream model API `{key}` is unavailable: trigger incident response; it stays open until `{key}` is seen available"
            ),
        });
    }

    fn on_data_leak(
        &mut self,
        at_time: Timestamp,
        customer: Option<&str>,
        enterprise: bool,
        alerts: &mut Vec<IncidentAlert>,
    ) {
        let at = at_time.as_second();
        self.last_leak_at = Some(self.last_leak_at.map_or(at, |last| last.max(at)));
        if let Some(customer) = customer {
            self.ic.affected.touch(
                bounded_id(customer),
                at,
                enterprise,
                self.config.max_members,
            );
        }
        alerts.push(IncidentAlert {
            code: Code::IncidentDataLeak,
            at: at_time,
            subject: customer.map(bounded_id),
            message: "customer data sent or leaked through the agent: escalate to engineering, legal and the Incident Commander now, bypassing the support channel".to_string(),
        });
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
        let leak_open = match (self.last_leak_at, self.clock) {
            (Some(leak), Some(clock)) => {
                leak >= Self::window_cutoff(clock, self.config.category_window_minutes)
            }
            _ => false,
        };
        leak_open
            || !self.upstream.is_empty()
            || self.categories.values().any(|state| state.open)
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
    /// incident open, forgets the affected set and re-arms the escalations. Returns
    /// whether an incident is open.
    fn settle_ic(&mut self, clock: i64) -> bool {
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
        let open = self.incident_open();
        if !open {
            self.ic.affected.clear();
            self.ic.escalated = false;
            self.ic.open_since = None;
            self.ic.exec_escalated = false;
        }
        open
    }

    /// The playbook at T+1 hour, while an incident is open: one unresolved for longer
    /// than `exec_escalation_minutes` of event time goes to the VP of Engineering and
    /// the CEO, once while it stays open.
    fn check_exec(&mut self, at_time: Timestamp, clock: i64, alerts: &mut Vec<IncidentAlert>) {
        let since = *self.ic.open_since.get_or_insert(clock);
        let limit = self.config.exec_escalation_minutes;
        if self.ic.exec_escalated || clock.saturating_sub(since) <= i64::from(limit) * 60 {
            return;
        }
        self.ic.exec_escalated = true;
        alerts.push(IncidentAlert {
            code: Code::IncidentExecEscalation,
            at: at_time,
            subject: None,
            message: format!(
                "an incident has been open for {} (over {}): escalate to the VP of Engineering and the CEO",
                seconds_text(clock.saturating_sub(since)),
                minutes_text(limit)
            ),
        });
    }

    /// The IC escalation, while an incident is open.
    fn check_ic(&mut self, at_time: Timestamp, alerts: &mut Vec<IncidentAlert>) {
        if self.ic.escalated {
            return;
        }
        let reported = self.ic.reported.as_ref();
        let users =
            (self.ic.affected.len() as u64).max(reported.map_or(0, |report| report.affected_users));
        let enterprise = (self.ic.affected.enterprise_count() as u64)
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
}
