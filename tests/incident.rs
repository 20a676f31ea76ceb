#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The incident monitor (every trigger with and without its condition, JSON round
//! trips mid-stream, bounded state under a long stream) and the notice check.

use deskguard::incident::{
    validate_notice, validate_notice_with, IncidentAlert, IncidentEvent, IncidentMonitor,
    MonitorConfig, NoticeOptions,
};
use deskguard::{Code, Engine, Severity, Ticket};
use jiff::{SignedDuration, Timestamp};

const T0: &str = "2026-06-01T00:00:00Z";

fn at(minutes: i64) -> Timestamp {
    T0.parse::<Timestamp>()
        .unwrap()
        .checked_add(SignedDuration::from_mins(minutes))
        .unwrap()
}

fn ticket(minutes: i64, customer: &str, category: &str) -> IncidentEvent {
    IncidentEvent::Ticket {
        at: at(minutes),
        customer: customer.into(),
        category: category.into(),
        enterprise: false,
    }
}

fn enterprise_ticket(minutes: i64, customer: &str, category: &str) -> IncidentEvent {
    IncidentEvent::Ticket {
        at: at(minutes),
        customer: customer.into(),
        category: category.into(),
        enterprise: true,
    }
}

fn rate(minutes: i64, rate: f64) -> IncidentEvent {
    IncidentEvent::CompletionRate {
        at: at(minutes),
        rate,
    }
}

fn complaint(minutes: i64, class: &str, output: &str) -> IncidentEvent {
    IncidentEvent::Complaint {
        at: at(minutes),
        task_class: class.into(),
        output: output.into(),
        customer: None,
        enterprise: false,
    }
}

fn billing(minutes: i64, expected: f64, billed: f64) -> IncidentEvent {
    IncidentEvent::Billing {
        at: at(minutes),
        expected_usd: expected,
        billed_usd: billed,
    }
}

/// Feeds every event; returns all alerts with the index of the event that raised them.
fn run(monitor: &mut IncidentMonitor, events: &[IncidentEvent]) -> Vec<(usize, IncidentAlert)> {
    let mut out = Vec::new();
    for (i, event) in events.iter().enumerate() {
        for alert in monitor.observe(event).unwrap() {
            out.push((i, alert));
        }
    }
    out
}

fn codes(alerts: &[(usize, IncidentAlert)]) -> Vec<(usize, Code)> {
    alerts.iter().map(|(i, alert)| (*i, alert.code)).collect()
}

// -- same category from >= 3 distinct customers within 24 h --

#[test]
fn category_spike_fires_at_the_third_distinct_customer() {
    let mut monitor = IncidentMonitor::default();
    let alerts = run(
        &mut monitor,
        &[
            ticket(0, "C-1", "task_stuck"),
            ticket(60, "C-2", "task_stuck"),
            ticket(600, "C-1", "task_stuck"),
            ticket(1380, "C-3", "task_stuck"),
            ticket(1390, "C-4", "task_stuck"),
        ],
    );
    assert_eq!(codes(&alerts), vec![(3, Code::IncidentCategorySpike)]);
    let alert = &alerts[0].1;
    assert_eq!(alert.subject.as_deref(), Some("task_stuck"));
    assert_eq!(alert.at, at(1380));
    assert_eq!(
        alert.message,
        "category `task_stuck`: 3 distinct customers within 24 h: possible platform-level issue (at least 3 within the window); trigger incident response"
    );
}

#[test]
fn category_spike_needs_distinct_customers_the_same_category_and_the_window() {
    // One customer three times.
    let mut monitor = IncidentMonitor::default();
    let same_customer = [
        ticket(0, "C-1", "task_stuck"),
        ticket(1, "C-1", "task_stuck"),
        ticket(2, "C-1", "task_stuck"),
        ticket(3, "C-2", "task_stuck"),
    ];
    assert!(run(&mut monitor, &same_customer).is_empty());
    // Three customers, three categories.
    let mut monitor = IncidentMonitor::default();
    let mixed = [
        ticket(0, "C-1", "task_stuck"),
        ticket(1, "C-2", "bug_report"),
        ticket(2, "C-3", "tier_cap"),
    ];
    assert!(run(&mut monitor, &mixed).is_empty());
    // Three customers, but not within 24 h of each other.
    let mut monitor = IncidentMonitor::default();
    let spread = [
        ticket(0, "C-1", "task_stuck"),
        ticket(13 * 60, "C-2", "task_stuck"),
        ticket(24 * 60 + 1, "C-3", "task_stuck"),
    ];
    assert!(run(&mut monitor, &spread).is_empty());
}

#[test]
fn a_spike_fires_once_per_episode_and_again_after_it_ends() {
    let mut monitor = IncidentMonitor::default();
    let mut events: Vec<IncidentEvent> = (0..6)
        .map(|i| ticket(i, &format!("C-{i}"), "task_stuck"))
        .collect();
    // Two days later the window has emptied; a new episode starts.
    events.extend((0..3).map(|i| ticket(3 * 24 * 60 + i, &format!("D-{i}"), "task_stuck")));
    let alerts = run(&mut monitor, &events);
    assert_eq!(
        codes(&alerts),
        vec![
            (2, Code::IncidentCategorySpike),
            (8, Code::IncidentCategorySpike)
        ]
    );
}

#[test]
fn screened_tickets_feed_the_monitor() {
    let engine = Engine::with_defaults().unwrap();
    let mut monitor = IncidentMonitor::default();
    let mut alerts = Vec::new();
    for (i, customer) in ["C-1", "C-2", "C-3"].iter().enumerate() {
        let t = Ticket {
            subject: "Stuck".into(),
            body: "The agent stopped halfway".into(),
            ..Ticket::default()
        };
        let screening = engine.screen_ticket(&t, at(i as i64 * 10));
        alerts.extend(
            monitor
                .observe(&IncidentEvent::from_screening(&screening, *customer))
                .unwrap(),
        );
    }
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].code, Code::IncidentCategorySpike);
    assert_eq!(alerts[0].subject.as_deref(), Some("task_stuck"));
}

// -- completion-rate drop > 20% sustained > 15 min --

fn steady(minutes: std::ops::Range<i64>, value: f64) -> Vec<IncidentEvent> {
    minutes.map(|m| rate(m, value)).collect()
}

#[test]
fn completion_drop_from_95_to_75_sustained_past_15_minutes_fires() {
    let mut monitor = IncidentMonitor::default();
    let mut events = steady(0..60, 0.95);
    // The playbook's example: 95% → 75% is a 21% relative drop.
    events.extend(steady(60..80, 0.75));
    let alerts = run(&mut monitor, &events);
    // Dropped since minute 60; at minute 76 it has lasted 16 min (> 15).
    assert_eq!(codes(&alerts), vec![(76, Code::IncidentCompletionDrop)]);
    assert_eq!(
        alerts[0].1.message,
        "completion rate 75.0% is 21.1% below its baseline of 95.0% and has been for 16 min (over 20% for over 15 min): platform-wide incident; say so publicly, never \"all systems normal\""
    );
}

#[test]
fn completion_drop_needs_both_the_size_and_the_duration() {
    // 95% → 80% is a 15.8% drop: never an incident, however long.
    let mut monitor = IncidentMonitor::default();
    let mut events = steady(0..60, 0.95);
    events.extend(steady(60..180, 0.80));
    assert!(run(&mut monitor, &events).is_empty());
    // A deep drop that lasts exactly 15 minutes, then recovers: not sustained.
    let mut monitor = IncidentMonitor::default();
    let mut events = steady(0..60, 0.95);
    events.extend(steady(60..76, 0.50));
    events.extend(steady(76..100, 0.95));
    assert!(run(&mut monitor, &events).is_empty());
    // A recovery in the middle restarts the clock.
    let mut monitor = IncidentMonitor::default();
    let mut events = steady(0..60, 0.95);
    events.extend(steady(60..70, 0.50));
    events.push(rate(70, 0.94));
    events.extend(steady(71..86, 0.50));
    assert!(run(&mut monitor, &events).is_empty());
}

#[test]
fn a_configured_baseline_is_used_from_the_first_sample() {
    let mut monitor = IncidentMonitor::new(MonitorConfig {
        completion_baseline: Some(0.90),
        ..MonitorConfig::default()
    })
    .unwrap();
    let alerts = run(&mut monitor, &steady(0..20, 0.70));
    assert_eq!(codes(&alerts), vec![(16, Code::IncidentCompletionDrop)]);
}

// -- 5 consecutive complaints about the same output on the same task class --

#[test]
fn five_consecutive_complaints_about_one_output_fire() {
    let mut monitor = IncidentMonitor::default();
    let events: Vec<_> = (0..7)
        .map(|i| complaint(i, "invoice_extraction", "total off by 100x"))
        .collect();
    let alerts = run(&mut monitor, &events);
    assert_eq!(codes(&alerts), vec![(4, Code::IncidentRepeatedComplaints)]);
    assert_eq!(alerts[0].1.subject.as_deref(), Some("invoice_extraction"));
}

#[test]
fn complaints_must_be_consecutive_same_output_same_class_and_close_in_time() {
    // A different output breaks the run.
    let mut monitor = IncidentMonitor::default();
    let mut events: Vec<_> = (0..4).map(|i| complaint(i, "invoices", "A")).collect();
    events.push(complaint(4, "invoices", "B"));
    events.extend((5..9).map(|i| complaint(i, "invoices", "A")));
    assert!(run(&mut monitor, &events).is_empty());
    // The same output on different task classes.
    let mut monitor = IncidentMonitor::default();
    let events: Vec<_> = (0..5)
        .map(|i| complaint(i, &format!("class-{}", i % 2), "A"))
        .collect();
    assert!(run(&mut monitor, &events).is_empty());
    // More than 24 h between two complaints ends the run.
    let mut monitor = IncidentMonitor::default();
    let mut events: Vec<_> = (0..3).map(|i| complaint(i, "invoices", "A")).collect();
    events.extend((0..2).map(|i| complaint(2 * 24 * 60 + i, "invoices", "A")));
    assert!(run(&mut monitor, &events).is_empty());
}

// -- billing anomaly > 5% --

#[test]
fn billing_over_and_under_charges_over_5_percent_fire() {
    let mut monitor = IncidentMonitor::default();
    let alerts = run(&mut monitor, &[billing(0, 1000.0, 1060.0)]);
    assert_eq!(codes(&alerts), vec![(0, Code::IncidentBillingAnomaly)]);
    assert_eq!(alerts[0].1.subject.as_deref(), Some("over_charge"));
    assert!(
        alerts[0].1.message.contains("off by 6.0%"),
        "{}",
        alerts[0].1.message
    );
    assert!(alerts[0].1.message.contains("refund proactively"));

    let mut monitor = IncidentMonitor::default();
    let alerts = run(&mut monitor, &[billing(0, 1000.0, 900.0)]);
    assert_eq!(alerts[0].1.subject.as_deref(), Some("under_charge"));
    assert!(alerts[0].1.message.contains("do not back-bill"));
}

#[test]
fn billing_within_5_percent_does_not_fire_and_deltas_add_up_over_the_window() {
    let mut monitor = IncidentMonitor::default();
    assert!(run(&mut monitor, &[billing(0, 1000.0, 1050.0)]).is_empty());
    let mut monitor = IncidentMonitor::default();
    // 3% then 9%: 2120 / 2000 = 6% over the window.
    let alerts = run(
        &mut monitor,
        &[billing(0, 1000.0, 1030.0), billing(10, 1000.0, 1090.0)],
    );
    assert_eq!(codes(&alerts), vec![(1, Code::IncidentBillingAnomaly)]);
    // Outside the 24 h window the first delta no longer counts.
    let mut monitor = IncidentMonitor::default();
    let alerts = run(
        &mut monitor,
        &[billing(0, 1000.0, 1200.0), billing(25 * 60, 1000.0, 1010.0)],
    );
    assert_eq!(codes(&alerts), vec![(0, Code::IncidentBillingAnomaly)]);
}

#[test]
fn bad_events_are_rejected_and_change_nothing() {
    let mut monitor = IncidentMonitor::default();
    let before = monitor.to_json();
    let error = monitor.observe(&rate(0, 1.5)).unwrap_err();
    assert_eq!(error.code(), Code::RequestInvalid);
    assert_eq!(error.field(), Some("rate"));
    let error = monitor.observe(&billing(0, -1.0, 3.0)).unwrap_err();
    assert_eq!(error.field(), Some("expected_usd"));
    assert_eq!(monitor.to_json(), before);
}

// -- IC escalation: > 5% of users or > 1 enterprise customer --

#[test]
fn ic_escalation_past_5_percent_of_users() {
    let mut monitor = IncidentMonitor::default();
    let mut events = vec![IncidentEvent::Users {
        at: at(0),
        total: 100,
    }];
    events.extend((0..7).map(|i| ticket(i + 1, &format!("C-{i}"), "task_stuck")));
    let alerts = run(&mut monitor, &events);
    // Spike at the third customer (3%); IC at the sixth (6% > 5%).
    assert_eq!(
        codes(&alerts),
        vec![
            (3, Code::IncidentCategorySpike),
            (6, Code::IncidentIcEscalation)
        ]
    );
    assert_eq!(
        alerts[1].1.message,
        "6 of 100 users (6.0%) and 0 enterprise customers affected (escalate over 5% of users or over 1 enterprise customer): engage the Incident Commander"
    );
}

#[test]
fn no_ic_escalation_at_5_percent_or_without_an_incident() {
    let mut monitor = IncidentMonitor::default();
    let mut events = vec![IncidentEvent::Users {
        at: at(0),
        total: 100,
    }];
    events.extend((0..5).map(|i| ticket(i + 1, &format!("C-{i}"), "task_stuck")));
    assert_eq!(
        codes(&run(&mut monitor, &events)),
        vec![(3, Code::IncidentCategorySpike)]
    );
    // Many affected customers across categories, but no category spikes: no incident.
    let mut monitor = IncidentMonitor::default();
    let mut events = vec![IncidentEvent::Users {
        at: at(0),
        total: 10,
    }];
    events.extend((0..8).map(|i| ticket(i + 1, &format!("C-{i}"), &format!("cat-{}", i % 4))));
    assert!(run(&mut monitor, &events).is_empty());
}

#[test]
fn ic_escalation_for_more_than_one_enterprise_customer() {
    let mut monitor = IncidentMonitor::default();
    let events = [
        enterprise_ticket(0, "E-1", "task_stuck"),
        ticket(1, "C-2", "task_stuck"),
        ticket(2, "C-3", "task_stuck"),
        enterprise_ticket(3, "E-4", "task_stuck"),
    ];
    let alerts = run(&mut monitor, &events);
    assert_eq!(
        codes(&alerts),
        vec![
            (2, Code::IncidentCategorySpike),
            (3, Code::IncidentIcEscalation)
        ]
    );
    // One enterprise customer is not enough (and there is no user count).
    let mut monitor = IncidentMonitor::default();
    let events = [
        enterprise_ticket(0, "E-1", "task_stuck"),
        ticket(1, "C-2", "task_stuck"),
        ticket(2, "C-3", "task_stuck"),
        ticket(3, "C-4", "task_stuck"),
    ];
    assert_eq!(
        codes(&run(&mut monitor, &events)),
        vec![(2, Code::IncidentCategorySpike)]
    );
}

#[test]
fn a_reported_impact_escalates_and_the_escalation_rearms_after_the_incident() {
    let mut monitor = IncidentMonitor::new(MonitorConfig {
        total_users: Some(1000),
        ..MonitorConfig::default()
    })
    .unwrap();
    let events = [
        IncidentEvent::Impact {
            at: at(0),
            affected_users: 40,
            enterprise_customers: 0,
        },
        IncidentEvent::Impact {
            at: at(5),
            affected_users: 80,
            enterprise_customers: 0,
        },
        IncidentEvent::Impact {
            at: at(10),
            affected_users: 90,
            enterprise_customers: 3,
        },
        // Two days later the report has expired: a new incident escalates anew.
        IncidentEvent::Impact {
            at: at(3 * 24 * 60),
            affected_users: 0,
            enterprise_customers: 2,
        },
    ];
    assert_eq!(
        codes(&run(&mut monitor, &events)),
        vec![
            (1, Code::IncidentIcEscalation),
            (3, Code::IncidentIcEscalation)
        ]
    );
    assert!(monitor.incident_open());
}

#[test]
fn complainants_count_as_affected_customers() {
    let mut monitor = IncidentMonitor::default();
    let events: Vec<_> = (0..5)
        .map(|i| IncidentEvent::Complaint {
            at: at(i),
            task_class: "invoices".into(),
            output: "A".into(),
            customer: Some(format!("E-{i}")),
            enterprise: i < 2,
        })
        .collect();
    assert_eq!(
        codes(&run(&mut monitor, &events)),
        vec![
            (4, Code::IncidentRepeatedComplaints),
            (4, Code::IncidentIcEscalation)
        ]
    );
}

// -- state: JSON round trips, determinism, bounded memory --

/// A deterministic pseudo-random stream mixing every event type.
fn synthetic(count: usize, seed: u64) -> Vec<IncidentEvent> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    let mut minute = 0i64;
    (0..count)
        .map(|_| {
            minute += (next() % 3) as i64;
            let r = next();
            match r % 10 {
                0..=4 => IncidentEvent::Ticket {
                    at: at(minute),
                    customer: format!("C-{}", next() % 50_000),
                    category: format!("cat-{}", next() % 60),
                    enterprise: next() % 50 == 0,
                },
                5 | 6 => rate(
                    minute,
                    if (minute / 600) % 5 == 4 {
                        0.6
                    } else {
                        0.9 + (next() % 5) as f64 / 100.0
                    },
                ),
                7 => complaint(
                    minute,
                    &format!("class-{}", next() % 80),
                    if next() % 10 == 0 { "out-b" } else { "out-a" },
                ),
                8 => billing(minute, 100.0, 100.0 + (next() % 12) as f64),
                _ => match next() % 40 {
                    0..=2 => upstream(minute, &format!("p-{}", next() % 3), next() % 3 == 0),
                    3 => leak(minute, &format!("C-{}", next() % 50_000), next() % 5 == 0),
                    _ => IncidentEvent::Users {
                        at: at(minute),
                        total: 20_000 + next() % 1000,
                    },
                },
            }
        })
        .collect()
}

#[test]
fn a_json_round_trip_mid_stream_gives_the_same_alerts() {
    let events = synthetic(20_000, 7);
    let mut straight = IncidentMonitor::default();
    let expected = run(&mut straight, &events);
    assert!(!expected.is_empty());
    // An edge worker: load the state, observe one event, store it, for every event of
    // the first stretch of the stream.
    let stretch = 400;
    let mut stored = IncidentMonitor::default().to_json();
    let mut got = Vec::new();
    for (i, event) in events.iter().enumerate().take(stretch) {
        let mut monitor = IncidentMonitor::from_json(&stored).unwrap();
        for alert in monitor.observe(event).unwrap() {
            got.push((i, alert));
        }
        stored = monitor.to_json();
    }
    let prefix: Vec<_> = expected
        .iter()
        .filter(|(i, _)| *i < stretch)
        .cloned()
        .collect();
    assert!(!prefix.is_empty());
    assert_eq!(got, prefix);

    // And one round trip every 1000 events over the whole stream.
    let mut monitor = IncidentMonitor::default();
    let mut got = Vec::new();
    for (i, event) in events.iter().enumerate() {
        if i % 1000 == 0 {
            monitor = IncidentMonitor::from_json(&monitor.to_json()).unwrap();
        }
        for alert in monitor.observe(event).unwrap() {
            got.push((i, alert));
        }
    }
    assert_eq!(got, expected);
    assert_eq!(monitor.to_json(), straight.to_json());
    assert_eq!(monitor, straight);
}

/// Regression (found by fuzzing the npm package): floats were read back from the
/// saved state to the nearest but one, so a completion bucket of 0.89 + 1
/// (1.8900000000000001) came back as 1.89, and the restored monitor missed a drop
/// the original raised.
#[test]
fn a_round_trip_keeps_every_float_exactly() {
    let mut original = IncidentMonitor::default();
    run(&mut original, &[rate(0, 0.89)]);
    original
        .observe(&IncidentEvent::CompletionRate {
            at: at(0) + jiff::SignedDuration::from_secs(30),
            rate: 1.0,
        })
        .unwrap();
    let saved = original.to_json();
    assert!(saved.contains("1.8900000000000001"), "{saved}");
    let mut restored = IncidentMonitor::from_json(&saved).unwrap();
    assert_eq!(restored, original);
    let later: Vec<IncidentEvent> = (1..=5).map(|step| rate(step * 10, 0.756)).collect();
    let expected = run(&mut original, &later);
    assert_eq!(codes(&expected), [(2, Code::IncidentCompletionDrop)]);
    assert_eq!(run(&mut restored, &later), expected);
}

#[test]
fn the_same_events_give_the_same_alerts() {
    let events = synthetic(5_000, 11);
    let a = run(&mut IncidentMonitor::default(), &events);
    let b = run(&mut IncidentMonitor::default(), &events);
    assert_eq!(a, b);
    let kinds: std::collections::BTreeSet<Code> = a.iter().map(|(_, alert)| alert.code).collect();
    // The synthetic stream exercises every trigger.
    for code in [
        Code::IncidentCategorySpike,
        Code::IncidentCompletionDrop,
        Code::IncidentRepeatedComplaints,
        Code::IncidentBillingAnomaly,
        Code::IncidentIcEscalation,
        Code::IncidentUpstreamUnavailable,
        Code::IncidentDataLeak,
        Code::IncidentExecEscalation,
    ] {
        assert!(kinds.contains(&code), "{code} never fired");
    }
}

#[test]
fn state_stays_bounded_over_100k_events() {
    let config = MonitorConfig {
        max_keys: 32,
        max_members: 500,
        ..MonitorConfig::default()
    };
    let mut monitor = IncidentMonitor::new(config).unwrap();
    let bound = monitor.entry_bound();
    let events = synthetic(100_000, 3);
    let mut largest_entries = 0;
    let mut largest_json = 0;
    for (i, event) in events.iter().enumerate() {
        monitor.observe(event).unwrap();
        largest_entries = largest_entries.max(monitor.stored_entries());
        if i % 10_000 == 0 {
            largest_json = largest_json.max(monitor.to_json().len());
        }
    }
    assert!(largest_entries <= bound, "{largest_entries} > {bound}");
    // 32 categories x 500 customers dominate; each entry is well under 100 bytes.
    assert!(largest_json < bound * 100, "{largest_json}");
    // The stream spans about 70 days; what is kept covers about one day.
    let json = monitor.to_json();
    assert!(json.len() < 2_000_000, "{}", json.len());

    // With the default caps the state is also bounded, far below the caps.
    let mut monitor = IncidentMonitor::default();
    let mut sizes = Vec::new();
    for (i, event) in events.iter().enumerate() {
        monitor.observe(event).unwrap();
        if i == 50_000 || i == 99_999 {
            sizes.push(monitor.stored_entries());
        }
    }
    assert!(sizes.iter().all(|size| *size <= monitor.entry_bound()));
    // The window evicts: the state does not grow with the stream's length.
    assert!(sizes[1] < sizes[0] * 2, "{sizes:?}");
}

#[test]
fn saved_state_is_checked_on_load() {
    let error = IncidentMonitor::from_json("{\"version\": 2}").unwrap_err();
    assert_eq!(error.code(), Code::RequestInvalid);
    let error = IncidentMonitor::from_json("not json").unwrap_err();
    assert_eq!(error.code(), Code::JsonSyntax);
    let event: IncidentEvent = serde_json::from_str(
        r#"{"type": "ticket", "at": "2026-06-01T10:00:00Z", "customer": "C-1", "category": "task_stuck"}"#,
    )
    .unwrap();
    assert_eq!(event.at().to_string(), "2026-06-01T10:00:00Z");
    assert!(serde_json::from_str::<IncidentEvent>(
        r#"{"type": "ticket", "at": "2026-06-01T10:00:00Z", "customer": "C-1", "category": "x", "color": 1}"#
    )
    .is_err());
}

// -- the incident notice --

const GOOD_NOTICE: &str = "Subject: [Incident Notice] Agent completion rate degradation event

Customers:
At UTC 14:05 we detected agent completion rate on invoice extraction dropping from
~95% to ~75%. Scope: approximately 12% of users running invoice extraction tasks,
starting at 13:50.
Initial root cause: yesterday's prompt update introduced a regression.
Current status: rolling back.
Expected restoration: continuous updates.
Compensation: failed tasks during the affected period will not count against
your monthly quota; will be reflected in next month's invoice.
We will update progress every 30 minutes. Latest status: https://status.example.com
A full postmortem will follow.
Apologies for the disruption.
The Support Team";

fn found(text: &str, violation: &deskguard::Violation) -> String {
    let span = violation.span.unwrap();
    text[span.start..span.end].to_string()
}

#[test]
fn the_playbooks_template_passes() {
    assert_eq!(validate_notice(GOOD_NOTICE), vec![]);
}

#[test]
fn every_missing_part_is_reported_in_template_order() {
    let violations = validate_notice("We are sorry for the trouble.");
    let fields: Vec<_> = violations
        .iter()
        .map(|v| v.field.clone().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "notice.what_happened",
            "notice.scope",
            "notice.current_status",
            "notice.expected_restoration",
            "notice.compensation",
            "notice.next_update",
            "notice.postmortem"
        ]
    );
    assert!(violations.iter().all(|v| v.code == Code::NoticePartMissing));
    // Compensation applies only "if applicable": a warning.
    let severities: Vec<_> = violations.iter().map(|v| v.severity).collect();
    assert_eq!(severities[4], Severity::Warn);
    assert!(severities
        .iter()
        .enumerate()
        .all(|(i, s)| i == 4 || *s == Severity::Block));

    let without_scope = GOOD_NOTICE.replace(
        "Scope: approximately 12% of users running invoice extraction tasks,\nstarting at 13:50.",
        "",
    );
    let violations = validate_notice(&without_scope);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].field.as_deref(), Some("notice.scope"));
}

#[test]
fn promising_it_will_never_happen_again_is_flagged() {
    let text = format!("{GOOD_NOTICE}\nWe promise this will never happen again.");
    let violations = validate_notice(&text);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].code, Code::NoticeAbsolutePromise);
    assert_eq!(violations[0].field.as_deref(), Some("notice"));
    assert_eq!(found(&text, &violations[0]), "never happen again");
    let text = format!("{GOOD_NOTICE}\nIt won't happen again.");
    assert_eq!(validate_notice(&text)[0].code, Code::NoticeAbsolutePromise);
    let fine = format!("{GOOD_NOTICE}\nHere are the specific improvements we are making.");
    assert!(validate_notice(&fine).is_empty());
}

#[test]
fn blaming_the_upstream_provider_wholly_is_flagged_but_naming_it_is_not() {
    let text = GOOD_NOTICE.replace(
        "yesterday's prompt update introduced a regression.",
        "this was entirely caused by an OpenAI outage and was beyond our control.",
    );
    let violations = validate_notice(&text);
    let blamed: Vec<_> = violations
        .iter()
        .filter(|v| v.code == Code::NoticeUpstreamBlame)
        .map(|v| found(&text, v))
        .collect();
    assert_eq!(blamed, ["entirely caused by", "beyond our control"]);
    let owned = GOOD_NOTICE.replace(
        "yesterday's prompt update introduced a regression.",
        "an outage at our upstream model provider. We own this: you bought our service.",
    );
    assert!(validate_notice(&owned).is_empty());
    // Without an upstream provider named, the rule does not apply.
    let no_upstream = format!("{GOOD_NOTICE}\nThis was not our fault.");
    assert!(validate_notice(&no_upstream).is_empty());
}

/// The playbook: do not defend decisions during the incident; acknowledge, remediate,
/// analyze in the postmortem.
#[test]
fn defending_the_decisions_is_flagged() {
    let text = GOOD_NOTICE.replace(
        "yesterday's prompt update introduced a regression.",
        "the prompt update was a reasonable decision and the agent did nothing wrong.",
    );
    let violations = validate_notice(&text);
    let defended: Vec<_> = violations
        .iter()
        .map(|v| (v.code, found(&text, v)))
        .collect();
    assert_eq!(
        defended,
        [
            (Code::NoticeDefensive, "a reasonable decision".to_string()),
            (Code::NoticeDefensive, "did nothing wrong".to_string()),
        ]
    );
    assert_eq!(
        violations[0].message,
        "`a reasonable decision` defends a decision while customers are losing work; \
         acknowledge and remediate now, and analyze in the postmortem"
    );
    // Saying what is expected of the restoration is not a defence.
    assert!(validate_notice(GOOD_NOTICE).is_empty());
}

#[test]
fn all_systems_normal_is_flagged_during_a_quality_incident_only() {
    let text = format!("{GOOD_NOTICE}\nSystem status: all systems normal.");
    let violations = validate_notice(&text);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].code, Code::NoticeStatusNormal);
    assert_eq!(found(&text, &violations[0]), "all systems normal");
    let outage = NoticeOptions {
        quality_incident: false,
        ..NoticeOptions::default()
    };
    assert!(validate_notice_with(&text, &outage).is_empty());
}

#[test]
fn a_committed_fix_time_is_flagged_unless_confirmed() {
    let text = GOOD_NOTICE.replace(
        "Expected restoration: continuous updates.",
        "Expected restoration: the issue will be fixed by 17:00 UTC.",
    );
    let violations = validate_notice(&text);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].code, Code::NoticeFixTimeCommitted);
    assert_eq!(found(&text, &violations[0]), "will be fixed by");
    let confirmed = NoticeOptions {
        fix_time_confirmed: true,
        ..NoticeOptions::default()
    };
    assert!(validate_notice_with(&text, &confirmed).is_empty());
    // An expected time is an estimate, as the template words it.
    let estimate = GOOD_NOTICE.replace(
        "Expected restoration: continuous updates.",
        "Expected restoration: 17:00 UTC.",
    );
    assert!(validate_notice(&estimate).is_empty());
    let resolved_within = format!("{GOOD_NOTICE}\nWe will resolve this within 2 hours.");
    assert_eq!(
        validate_notice(&resolved_within)[0].code,
        Code::NoticeFixTimeCommitted
    );
}

#[test]
fn an_oversized_notice_is_rejected_whole() {
    let text = "a".repeat(300 * 1024);
    let violations = validate_notice(&text);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].code, Code::RequestInvalid);
}

/// A saved state is the monitor's own format, written as objects; read back, each of
/// its structs is taken from an object only. serde's derive would also take one from
/// an array of its fields in order, so that a state edited into shapes `to_json` never
/// writes could load.
#[test]
fn a_saved_state_reads_its_parts_from_objects_only() {
    let mut monitor = IncidentMonitor::default();
    let events = [
        ticket(0, "C-1", "task_stuck"),
        enterprise_ticket(1, "C-2", "task_stuck"),
        rate(2, 0.9),
        complaint(3, "export", "wrong totals"),
        billing(4, 10.0, 12.0),
        IncidentEvent::Users {
            at: at(5),
            total: 1_000,
        },
        IncidentEvent::Impact {
            at: at(6),
            affected_users: 10,
            enterprise_customers: 1,
        },
    ];
    run(&mut monitor, &events);
    let saved: serde_json::Value = serde_json::from_str(&monitor.to_json()).unwrap();
    assert!(IncidentMonitor::from_json(&saved.to_string()).is_ok());

    fn object_pointers(value: &serde_json::Value, pointer: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    object_pointers(item, format!("{pointer}/{key}"), out);
                }
                out.push(pointer);
            }
            serde_json::Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    object_pointers(item, format!("{pointer}/{index}"), out);
                }
            }
            _ => {}
        }
    }
    let mut pointers = Vec::new();
    object_pointers(&saved, String::new(), &mut pointers);
    let mut refused = std::collections::BTreeSet::new();
    for pointer in pointers {
        let mut edited = saved.clone();
        let target = edited.pointer_mut(&pointer).unwrap();
        let fields: Vec<serde_json::Value> =
            target.as_object().unwrap().values().cloned().collect();
        *target = serde_json::Value::Array(fields);
        let error = IncidentMonitor::from_json(&edited.to_string())
            .expect_err(&format!("{pointer} read from an array"));
        assert_eq!(error.code(), Code::RequestInvalid, "{pointer}: {error}");
        // Keep the shape of the path: a map's keys (ids, minutes) are data.
        let shape: Vec<&str> = pointer
            .split('/')
            .map(|part| {
                if part.parse::<i64>().is_ok() {
                    "N"
                } else {
                    part
                }
            })
            .collect();
        refused.insert(shape.join("/"));
    }
    let parts = [
        "/config",
        "/completion",
        "/billing",
        "/ic",
        "/ic/reported",
        "/completion/buckets/N",
        "/billing/buckets/N",
        "/categories/task_stuck",
        "/categories/task_stuck/customers/N",
        "/complaints/export",
    ];
    for part in parts {
        assert!(refused.contains(part), "{part} not covered: {refused:?}");
    }
}

fn upstream(minutes: i64, provider: &str, available: bool) -> IncidentEvent {
    IncidentEvent::Upstream {
        at: at(minutes),
        provider: provider.into(),
        available,
    }
}

fn leak(minutes: i64, customer: &str, enterprise: bool) -> IncidentEvent {
    IncidentEvent::DataLeak {
        at: at(minutes),
        customer: Some(customer.into()),
        enterprise,
    }
}

/// The playbook: an upstream model API unavailable is an incident. It fires once per
/// outage of a provider, and a provider seen available again ends it.
#[test]
fn an_upstream_outage_fires_once_until_the_provider_is_back() {
    let mut monitor = IncidentMonitor::default();
    let alerts = run(
        &mut monitor,
        &[
            upstream(0, "openai", false),
            upstream(5, "openai", false),
            upstream(6, "anthropic", false),
            upstream(10, "openai", true),
            upstream(20, "openai", false),
        ],
    );
    assert_eq!(
        codes(&alerts),
        [
            (0, Code::IncidentUpstreamUnavailable),
            (2, Code::IncidentUpstreamUnavailable),
            (4, Code::IncidentUpstreamUnavailable),
        ]
    );
    let subjects: Vec<Option<&str>> = alerts.iter().map(|(_, a)| a.subject.as_deref()).collect();
    assert_eq!(
        subjects,
        [Some("openai"), Some("anthropic"), Some("openai")]
    );
    assert_eq!(
        alerts[0].1.message,
        "upstream model API `openai` is unavailable: trigger incident response; it stays open \
         until `openai` is seen available"
    );
    assert!(monitor.incident_open());
    run(
        &mut monitor,
        &[
            upstream(21, "openai", true),
            upstream(22, "anthropic", true),
        ],
    );
    assert!(!monitor.incident_open());
}

/// A data leak is an incident of its own, every time: engineering, legal and the IC.
/// Its customers count as affected, so two enterprise leaks engage the IC.
#[test]
fn every_data_leak_fires_and_enterprise_leaks_engage_the_ic() {
    let mut monitor = IncidentMonitor::default();
    let alerts = run(
        &mut monitor,
        &[
            leak(0, "C-1", true),
            leak(1, "C-1", true),
            leak(2, "C-2", true),
        ],
    );
    assert_eq!(
        codes(&alerts),
        [
            (0, Code::IncidentDataLeak),
            (1, Code::IncidentDataLeak),
            (2, Code::IncidentDataLeak),
            (2, Code::IncidentIcEscalation),
        ]
    );
    assert_eq!(alerts[0].1.subject.as_deref(), Some("C-1"));
    assert_eq!(
        alerts[0].1.message,
        "customer data sent or leaked through the agent: escalate to engineering, legal and \
         the Incident Commander now, bypassing the support channel"
    );
    // The leak keeps an incident open for the category window (24 h), then not.
    run(&mut monitor, &[rate(24 * 60, 0.9)]);
    assert!(monitor.incident_open());
    run(&mut monitor, &[rate(24 * 60 + 3, 0.9)]);
    assert!(!monitor.incident_open());
}

/// The playbook at T+1 hour: an incident unresolved for more than an hour goes to the
/// VP of Engineering and the CEO, once while it stays open; a new incident re-arms it.
#[test]
fn an_incident_open_for_over_an_hour_goes_to_the_executives() {
    let mut monitor = IncidentMonitor::default();
    let alerts = run(
        &mut monitor,
        &[
            upstream(0, "openai", false),
            upstream(60, "openai", false),
            upstream(61, "openai", false),
            upstream(90, "openai", false),
            upstream(91, "openai", true),
            upstream(100, "openai", false),
            upstream(162, "openai", false),
        ],
    );
    assert_eq!(
        codes(&alerts),
        [
            (0, Code::IncidentUpstreamUnavailable),
            (2, Code::IncidentExecEscalation),
            (5, Code::IncidentUpstreamUnavailable),
            (6, Code::IncidentExecEscalation),
        ]
    );
    assert_eq!(
        alerts[1].1.message,
        "an incident has been open for 61 min (over 1 h): escalate to the VP of Engineering \
         and the CEO"
    );
    // A saved state keeps the clock of the open incident.
    let mut restored = IncidentMonitor::from_json(&monitor.to_json()).unwrap();
    assert_eq!(restored, monitor);
    assert!(run(&mut restored, &[upstream(300, "openai", false)]).is_empty());
}
