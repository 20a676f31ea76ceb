#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Ticket screening: categories, handling tiers, SLAs and business-hours due times
//! (weekends, holidays, time zones, DST in both directions), and the hard triggers,
//! which must be exactly the ones `check` finds in the same ticket.

use deskguard::runbook::{
    BusinessCalendar, CalendarConfig, HandlingTier, OpeningHours, Sla, WeekdayName,
};
use deskguard::{Code, Engine, Priority, Request, Span, Ticket, Trigger, EMBEDDED_POLICY_YAML};
use jiff::Timestamp;

const WEEKDAYS: [WeekdayName; 5] = [
    WeekdayName::Mon,
    WeekdayName::Tue,
    WeekdayName::Wed,
    WeekdayName::Thu,
    WeekdayName::Fri,
];
const EVERY_DAY: [WeekdayName; 7] = [
    WeekdayName::Mon,
    WeekdayName::Tue,
    WeekdayName::Wed,
    WeekdayName::Thu,
    WeekdayName::Fri,
    WeekdayName::Sat,
    WeekdayName::Sun,
];

fn calendar(
    zone: &str,
    days: &[WeekdayName],
    start: &str,
    end: &str,
    holidays: &[&str],
) -> BusinessCalendar {
    BusinessCalendar::new(&CalendarConfig {
        time_zone: zone.into(),
        weekdays: days.to_vec(),
        hours: OpeningHours {
            start: start.into(),
            end: end.into(),
        },
        holidays: holidays.iter().map(|h| h.to_string()).collect(),
    })
    .unwrap()
}

fn office(zone: &str) -> BusinessCalendar {
    calendar(zone, &WEEKDAYS, "09:00", "17:00", &[])
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn due(cal: &BusinessCalendar, received: &str, sla: Sla) -> String {
    cal.due_at(ts(received), sla).unwrap().to_string()
}

// 2026-06-01 is a Monday.

#[test]
fn inside_one_business_day() {
    let cal = office("UTC");
    assert_eq!(
        due(&cal, "2026-06-01T10:00:00Z", Sla::BusinessHours(4)),
        "2026-06-01T14:00:00Z"
    );
    assert_eq!(
        due(&cal, "2026-06-01T13:00:00Z", Sla::BusinessHours(4)),
        "2026-06-01T17:00:00Z",
        "a due time landing on closing time stays at closing time"
    );
    assert_eq!(
        due(&cal, "2026-06-01T15:00:00Z", Sla::BusinessHours(4)),
        "2026-06-02T11:00:00Z",
        "two hours today, two tomorrow morning"
    );
}

#[test]
fn outside_opening_hours_the_clock_starts_at_the_next_opening() {
    let cal = office("UTC");
    assert_eq!(
        due(&cal, "2026-06-01T07:00:00Z", Sla::BusinessHours(2)),
        "2026-06-01T11:00:00Z"
    );
    assert_eq!(
        due(&cal, "2026-06-01T18:00:00Z", Sla::BusinessHours(2)),
        "2026-06-02T11:00:00Z"
    );
    assert_eq!(
        due(&cal, "2026-06-01T17:00:00Z", Sla::BusinessHours(1)),
        "2026-06-02T10:00:00Z",
        "closing time itself is outside the window"
    );
}

#[test]
fn weekends_are_skipped() {
    let cal = office("UTC");
    // Friday 16:00: one hour Friday, three Monday.
    assert_eq!(
        due(&cal, "2026-06-05T16:00:00Z", Sla::BusinessHours(4)),
        "2026-06-08T12:00:00Z"
    );
    // Received on Saturday and on Sunday night.
    assert_eq!(
        due(&cal, "2026-06-06T10:00:00Z", Sla::BusinessHours(4)),
        "2026-06-08T13:00:00Z"
    );
    assert_eq!(
        due(&cal, "2026-06-07T23:59:00Z", Sla::BusinessHours(2)),
        "2026-06-08T11:00:00Z"
    );
}

#[test]
fn business_days_are_whole_opening_windows() {
    let cal = office("UTC");
    assert_eq!(cal.business_day_seconds(), 8 * 3600);
    assert_eq!(
        due(&cal, "2026-06-01T10:00:00Z", Sla::BusinessDays(1)),
        "2026-06-02T10:00:00Z"
    );
    assert_eq!(
        due(&cal, "2026-06-05T10:00:00Z", Sla::BusinessDays(1)),
        "2026-06-08T10:00:00Z",
        "Friday + 1 business day is Monday"
    );
    // 24 business hours = 3 business days.
    assert_eq!(
        due(&cal, "2026-06-01T10:00:00Z", Sla::BusinessHours(24)),
        "2026-06-04T10:00:00Z"
    );
    assert_eq!(
        due(&cal, "2026-06-03T10:00:00Z", Sla::BusinessHours(24)),
        "2026-06-08T10:00:00Z"
    );
}

#[test]
fn holidays_are_skipped() {
    // 2026-12-24 is a Thursday; the 25th a Friday; the 28th a Monday.
    let christmas = calendar("UTC", &WEEKDAYS, "09:00", "17:00", &["2026-12-25"]);
    assert_eq!(
        due(&christmas, "2026-12-24T16:00:00Z", Sla::BusinessHours(4)),
        "2026-12-28T12:00:00Z"
    );
    let long = calendar(
        "UTC",
        &WEEKDAYS,
        "09:00",
        "17:00",
        &["2026-12-25", "2026-12-28"],
    );
    assert_eq!(
        due(&long, "2026-12-24T16:00:00Z", Sla::BusinessHours(4)),
        "2026-12-29T12:00:00Z"
    );
    // Received during a holiday's would-be opening hours.
    assert_eq!(
        due(&christmas, "2026-12-25T12:00:00Z", Sla::BusinessHours(1)),
        "2026-12-28T10:00:00Z"
    );
    assert!(!christmas.is_open(ts("2026-12-25T12:00:00Z")));
    assert!(christmas.is_open(ts("2026-12-24T12:00:00Z")));
}

#[test]
fn holidays_are_dates_in_the_calendars_zone() {
    // 2026-12-25 in Tokyo starts at 2026-12-24T15:00Z.
    let tokyo = calendar("Asia/Tokyo", &WEEKDAYS, "09:00", "17:00", &["2026-12-25"]);
    // Thursday 24th 16:00 JST (07:00Z): one hour left, Friday is a holiday, then Monday.
    assert_eq!(
        due(&tokyo, "2026-12-24T07:00:00Z", Sla::BusinessHours(4)),
        "2026-12-28T03:00:00Z"
    );
}

#[test]
fn time_zones_shift_the_window() {
    // New York in June is UTC-4: opening 09:00 EDT is 13:00Z.
    let ny = office("America/New_York");
    assert_eq!(
        due(&ny, "2026-06-01T12:00:00Z", Sla::BusinessHours(4)),
        "2026-06-01T17:00:00Z"
    );
    assert_eq!(
        due(&ny, "2026-06-01T22:00:00Z", Sla::BusinessHours(4)),
        "2026-06-02T17:00:00Z"
    );
    // Tokyo (UTC+9, no DST): Monday 16:00 JST, one hour Monday, three Tuesday.
    let tokyo = office("Asia/Tokyo");
    assert_eq!(
        due(&tokyo, "2026-06-01T07:00:00Z", Sla::BusinessHours(4)),
        "2026-06-02T03:00:00Z"
    );
    // Sunday 23:00 UTC is already Monday 08:00 in Tokyo: a business day there.
    assert_eq!(
        due(&tokyo, "2026-05-31T23:00:00Z", Sla::BusinessHours(1)),
        "2026-06-01T01:00:00Z"
    );
    // The same instant is Sunday in New York: the clock waits for Monday there.
    assert_eq!(
        due(&ny, "2026-05-31T23:00:00Z", Sla::BusinessHours(1)),
        "2026-06-01T14:00:00Z"
    );
    assert_eq!(
        ny.local(ts("2026-06-01T17:00:00Z")),
        "2026-06-01T13:00:00-04:00[America/New_York]"
    );
}

#[test]
fn due_times_across_the_spring_dst_change() {
    // The US springs forward on Sunday 2026-03-08. Friday 16:00 EST (21:00Z) + 4 h:
    // one hour Friday, three Monday → Monday 12:00 EDT = 16:00Z (not 17:00Z, which
    // a fixed UTC offset would give).
    let ny = office("America/New_York");
    assert_eq!(
        due(&ny, "2026-03-06T21:00:00Z", Sla::BusinessHours(4)),
        "2026-03-09T16:00:00Z"
    );
    assert_eq!(
        ny.local(ts("2026-03-09T16:00:00Z")),
        "2026-03-09T12:00:00-04:00[America/New_York]"
    );
    // Europe springs forward on Sunday 2026-03-29: Friday 16:00 CET (15:00Z) + 4 h →
    // Monday 12:00 CEST = 10:00Z.
    let berlin = office("Europe/Berlin");
    assert_eq!(
        due(&berlin, "2026-03-27T15:00:00Z", Sla::BusinessHours(4)),
        "2026-03-30T10:00:00Z"
    );
    // A business day across the change is still one opening window: Friday 10:00 CET
    // → Monday 10:00 CEST.
    assert_eq!(
        due(&berlin, "2026-03-27T09:00:00Z", Sla::BusinessDays(1)),
        "2026-03-30T08:00:00Z"
    );
}

#[test]
fn due_times_across_the_autumn_dst_change() {
    // The US falls back on Sunday 2026-11-01. Friday 16:00 EDT (20:00Z) + 4 h →
    // Monday 12:00 EST = 17:00Z.
    let ny = office("America/New_York");
    assert_eq!(
        due(&ny, "2026-10-30T20:00:00Z", Sla::BusinessHours(4)),
        "2026-11-02T17:00:00Z"
    );
    // Europe falls back on Sunday 2026-10-25: Friday 16:00 CEST (14:00Z) + 4 h →
    // Monday 12:00 CET = 11:00Z.
    let berlin = office("Europe/Berlin");
    assert_eq!(
        due(&berlin, "2026-10-23T14:00:00Z", Sla::BusinessHours(4)),
        "2026-10-26T11:00:00Z"
    );
}

#[test]
fn round_the_clock_calendars_count_real_hours_on_dst_days() {
    // A 24/7 team in New York: 24 business hours are 24 real hours, so across the
    // 23-hour spring day the due time is 25 civil hours later, and across the 25-hour
    // autumn day 23 civil hours later.
    let always = calendar("America/New_York", &EVERY_DAY, "00:00", "24:00", &[]);
    assert_eq!(
        due(&always, "2026-03-07T17:00:00Z", Sla::BusinessHours(24)),
        "2026-03-08T17:00:00Z"
    );
    assert_eq!(
        always.local(ts("2026-03-08T17:00:00Z")),
        "2026-03-08T13:00:00-04:00[America/New_York]"
    );
    assert_eq!(
        due(&always, "2026-10-31T16:00:00Z", Sla::BusinessHours(24)),
        "2026-11-01T16:00:00Z"
    );
    assert_eq!(
        always.local(ts("2026-11-01T16:00:00Z")),
        "2026-11-01T11:00:00-05:00[America/New_York]"
    );
    // Counting back agrees: 24 business hours between the two instants.
    assert_eq!(
        always.business_seconds_between(ts("2026-03-07T17:00:00Z"), ts("2026-03-08T17:00:00Z")),
        24 * 3600
    );
}

#[test]
fn a_window_opening_inside_a_dst_gap_opens_after_it() {
    // 02:30 does not exist in New York on 2026-03-08: the window opens at 03:30 EDT
    // (07:30Z), the first instant after the gap.
    let night = calendar("America/New_York", &EVERY_DAY, "02:30", "10:00", &[]);
    assert_eq!(
        due(&night, "2026-03-08T06:00:00Z", Sla::BusinessHours(1)),
        "2026-03-08T08:30:00Z"
    );
    // That day's window is 6.5 real hours long (03:30 to 10:00 EDT).
    assert_eq!(
        night.business_seconds_between(ts("2026-03-08T05:00:00Z"), ts("2026-03-08T20:00:00Z")),
        6 * 3600 + 1800
    );
}

#[test]
fn bad_calendars_are_rejected_with_their_field() {
    let bad = |zone: &str, days: &[WeekdayName], start: &str, end: &str, holidays: &[&str]| {
        BusinessCalendar::new(&CalendarConfig {
            time_zone: zone.into(),
            weekdays: days.to_vec(),
            hours: OpeningHours {
                start: start.into(),
                end: end.into(),
            },
            holidays: holidays.iter().map(|h| h.to_string()).collect(),
        })
        .unwrap_err()
    };
    let error = bad("Mars/Olympus", &WEEKDAYS, "09:00", "17:00", &[]);
    assert_eq!(error.code(), Code::PolicyInvalid);
    assert_eq!(error.field(), Some("runbook.calendar.time_zone"));
    assert_eq!(
        error.message(),
        "`Mars/Olympus` is not an IANA time zone name such as `Europe/Berlin` or `UTC`"
    );
    assert_eq!(
        bad("UTC", &[], "09:00", "17:00", &[]).field(),
        Some("runbook.calendar.weekdays")
    );
    assert_eq!(
        bad("UTC", &WEEKDAYS, "9am", "17:00", &[]).field(),
        Some("runbook.calendar.hours.start")
    );
    assert_eq!(
        bad("UTC", &WEEKDAYS, "09:00", "09:00", &[]).field(),
        Some("runbook.calendar.hours.end")
    );
    assert_eq!(
        bad("UTC", &WEEKDAYS, "09:00", "17:00", &["25/12/2026"]).field(),
        Some("runbook.calendar.holidays")
    );
}

// -- screening through the engine --

fn engine() -> Engine {
    Engine::with_defaults().unwrap()
}

fn ticket(subject: &str, body: &str) -> Ticket {
    Ticket {
        subject: subject.into(),
        body: body.into(),
        ..Ticket::default()
    }
}

const MONDAY_10: &str = "2026-06-01T10:00:00Z";

#[test]
fn the_runbooks_typical_tickets_get_their_categories() {
    let engine = engine();
    let cases = [
        (
            "Wrong output",
            "The agent gave the wrong answer on my invoice task",
            "agent_output_error",
        ),
        (
            "Labels",
            "It applied the wrong label to 40 tickets",
            "agent_output_error",
        ),
        (
            "Help",
            "The agent stopped halfway through the import",
            "task_stuck",
        ),
        ("Task", "My task is perpetually in_progress", "task_stuck"),
        (
            "Invoice",
            "Why is this month's bill 3× higher than last month?",
            "bill_higher_than_expected",
        ),
        (
            "Costs",
            "Our costs went up recently and we changed nothing",
            "cache_hit_rate_drop",
        ),
        (
            "Confirmations",
            "Why does every task require my confirmation?",
            "hitl_too_frequent",
        ),
        ("Access", "Why was I suddenly locked out?", "tier_cap"),
        (
            "Extension",
            "The BUA extension won't connect",
            "integration_api_issue",
        ),
        (
            "Errors",
            "Our calls get API 401 since this morning",
            "integration_api_issue",
        ),
        (
            "Onboarding",
            "A new employee can't access the workspace",
            "account_permissions",
        ),
        ("Login", "I forgot my password", "password_reset"),
        (
            "Question",
            "Can agent do X for our team?",
            "feature_inquiry",
        ),
        ("Setup", "How do I configure a workflow?", "feature_inquiry"),
        (
            "Goodbye",
            "Please delete my account and everything in it",
            "account_deletion",
        ),
        (
            "Report",
            "A user is harassing our staff, I want to report abuse",
            "abuse_report",
        ),
        (
            "Report",
            "This account keeps spamming our inbox",
            "abuse_report",
        ),
        (
            "Filtering",
            "The agent mislabeled our newsletters as spam",
            "agent_output_error",
        ),
        (
            "Money",
            "I would like a refund for the annual plan",
            "refund_request",
        ),
        (
            "Receipt",
            "Where can I download my invoice?",
            "billing_query",
        ),
        ("Crash", "The desktop app crashes on start", "bug_report"),
        ("Hello", "Just wanted to say hi", "general_question"),
    ];
    for (subject, body, expected) in cases {
        let screening = engine.screen_ticket(&ticket(subject, body), ts(MONDAY_10));
        assert_eq!(screening.category, expected, "{body}");
    }
}

/// The blueprint's triage short-circuits auto-replies: screening says where a ticket
/// reads as an automated message, and still categorizes it.
#[test]
fn an_automated_message_is_flagged_with_where() {
    let engine = engine();
    let subject = "Automatic reply: Re: your invoice";
    let screening = engine.screen_ticket(
        &ticket(subject, "I am out of the office until Monday."),
        ts(MONDAY_10),
    );
    let automated = screening.automated.clone().unwrap();
    assert_eq!(automated.field, "ticket.subject");
    assert_eq!(
        subject.get(automated.span.start..automated.span.end),
        Some("Automatic reply")
    );
    assert_eq!(screening.category, "billing_query");
    assert!(!screening.handoff);
    let json = screening.to_json();
    assert!(
        json.ends_with(r#","automated":{"field":"ticket.subject","span":{"start":0,"end":15}}}"#),
        "{json}"
    );
    // A customer's own words about an auto-reply are not one.
    let screening = engine.screen_ticket(
        &ticket("Question", "How do I set up replies for my team?"),
        ts(MONDAY_10),
    );
    assert_eq!(screening.automated, None);
    assert!(!screening.to_json().contains("automated"));
}

#[test]
fn an_output_error_is_never_filed_as_a_feature_inquiry() {
    let screening = engine().screen_ticket(
        &ticket(
            "How do I configure this?",
            "The agent gave the wrong answer when I asked how do I configure a workflow",
        ),
        ts(MONDAY_10),
    );
    assert_eq!(screening.category, "agent_output_error");
    let matched = screening.matched.unwrap();
    assert_eq!(matched.field, "ticket.body");
    let body = "The agent gave the wrong answer when I asked how do I configure a workflow";
    assert_eq!(
        body.get(matched.span.start..matched.span.end),
        Some("gave the wrong")
    );
}

#[test]
fn screening_gives_tier_sla_due_time_queue_and_priority() {
    let engine = engine();
    // Friday 16:00 UTC, a stuck task: Tier-2, 2 business hours → Monday 10:00.
    let screening = engine.screen_ticket(
        &ticket("Stuck", "The agent stopped halfway"),
        ts("2026-06-05T16:00:00Z"),
    );
    assert_eq!(screening.handling_tier, HandlingTier::Tier2);
    assert_eq!(screening.sla, Sla::BusinessHours(2));
    assert_eq!(
        screening.due_at.unwrap().to_string(),
        "2026-06-08T10:00:00Z"
    );
    assert_eq!(
        screening.due_at_local.as_deref(),
        Some("2026-06-08T10:00:00+00:00[UTC]")
    );
    assert_eq!(screening.queue, "engineering_triage");
    assert_eq!(screening.priority, Priority::High);
    assert!(!screening.handoff);
    assert!(screening.triggers.is_empty());

    let bill = engine.screen_ticket(
        &ticket("Bill", "Why is my bill higher than expected?"),
        ts(MONDAY_10),
    );
    assert_eq!(bill.handling_tier, HandlingTier::Tier1ThenTier2);
    assert_eq!(bill.sla, Sla::BusinessHours(24));
    assert_eq!(bill.due_at.unwrap().to_string(), "2026-06-04T10:00:00Z");
    assert_eq!(bill.queue, "billing");

    let json = serde_json::to_value(&bill).unwrap();
    assert_eq!(json["sla"], serde_json::json!({"business_hours": 24}));
    assert_eq!(json["handling_tier"], "tier_1_then_tier_2");
    assert_eq!(json["received_at"], MONDAY_10);
}

#[test]
fn hard_triggers_hand_the_ticket_to_a_human_without_a_model_call() {
    let engine = engine();
    let mut t = ticket(
        "Data gone",
        "Our data is gone after your outage, our lawyer is involved",
    );
    t.customer.arr_usd = Some(250_000.0);
    let screening = engine.screen_ticket(&t, ts(MONDAY_10));
    assert!(screening.handoff);
    let fired: Vec<Trigger> = screening.triggers.iter().map(|hit| hit.trigger).collect();
    assert_eq!(
        fired,
        vec![
            Trigger::LegalLanguage,
            Trigger::DataLossClaim,
            Trigger::EnterpriseAccount
        ]
    );
    // Legal comes first in the routing order.
    assert_eq!(screening.queue, "legal");
    assert_eq!(screening.priority, Priority::High);
    let legal = &screening.triggers[0];
    assert_eq!(legal.field.as_deref(), Some("ticket.body"));
    let span = legal.span.unwrap();
    assert_eq!(t.body.get(span.start..span.end), Some("lawyer"));

    // A category the policy always escalates fires immediate_intent.
    let deletion = engine.screen_ticket(&ticket("Bye", "Please delete my account"), ts(MONDAY_10));
    assert!(deletion.handoff);
    assert_eq!(deletion.triggers[0].trigger, Trigger::ImmediateIntent);
    assert_eq!(
        deletion.triggers[0].message,
        "category `account_deletion` always escalates (`account_deletion`)"
    );
    assert_eq!(deletion.queue, "retention");
}

#[test]
fn screening_finds_exactly_the_ticket_triggers_check_finds() {
    let engine = engine();
    let tickets = [
        (
            "Cancel",
            "I'm cancelling, and my lawyer will hear of this GDPR breach",
        ),
        ("hacked", "someone logged into my account, data leak?"),
        ("Dashboards", "Dashboards are empty, data is missing"),
        ("Fine", "How do I export a report?"),
        (
            "Pci",
            "Our compliance team needs PCI evidence; I will hurt myself",
        ),
    ];
    for (i, (subject, body)) in tickets.iter().enumerate() {
        let mut t = ticket(subject, body);
        t.turn = Some(if i % 2 == 0 { 5 } else { 1 });
        t.customer.tier = (i == 3).then(|| "Enterprise".to_string());
        t.customer.prior_contacts_same_issue = Some(i as u32);
        let screening = engine.screen_ticket(&t, ts(MONDAY_10));
        let request = Request {
            ticket: t.clone(),
            decision: serde_json::json!("ESCALATE_NEEDED: screening comparison"),
            ..Request::default()
        };
        let verdict = engine.check(&request);
        let from_check: Vec<_> = verdict
            .escalation
            .details
            .iter()
            .filter(|hit| hit.trigger != Trigger::ImmediateIntent)
            .cloned()
            .collect();
        let from_screening: Vec<_> = screening
            .triggers
            .iter()
            .filter(|hit| hit.trigger != Trigger::ImmediateIntent)
            .cloned()
            .collect();
        assert_eq!(from_screening, from_check, "{body}");
    }
}

#[test]
fn screening_is_deterministic_and_reads_no_clock() {
    let engine = engine();
    let t = ticket("Stuck", "task stuck");
    let a = engine.screen_ticket(&t, ts(MONDAY_10));
    let b = engine.screen_ticket(&t, ts(MONDAY_10));
    assert_eq!(a, b);
    assert_eq!(
        engine
            .screen_ticket_at(&t, "2026-06-01T12:00:00+02:00")
            .unwrap(),
        a
    );
    let error = engine.screen_ticket_at(&t, "tomorrow").unwrap_err();
    assert_eq!(error.code(), Code::RequestInvalid);
    assert_eq!(error.field(), Some("now"));
}

#[test]
fn a_ticket_file_may_be_a_ticket_or_a_request() {
    let (t, now) =
        deskguard::runbook::parse_ticket_json(r#"{"subject": "s", "body": "b"}"#).unwrap();
    assert_eq!(t.subject, "s");
    assert!(now.is_none());
    let (t, now) = deskguard::runbook::parse_ticket_json(
        r#"{"ticket": {"subject": "s"}, "now": "2026-06-01T10:00:00Z"}"#,
    )
    .unwrap();
    assert_eq!(t.subject, "s");
    assert_eq!(now, Some(ts(MONDAY_10)));
    let error = deskguard::runbook::parse_ticket_json("{\"subject\": 3}").unwrap_err();
    assert_eq!(error.code(), Code::RequestInvalid);
    assert_eq!(error.field(), Some("subject"));
}

// -- the runbook in the policy --

fn policy_with(replace: &str, with: &str) -> String {
    assert!(EMBEDDED_POLICY_YAML.contains(replace), "{replace}");
    EMBEDDED_POLICY_YAML.replacen(replace, with, 1)
}

#[test]
fn the_calendar_comes_from_the_policy() {
    let yaml = policy_with(
        "    time_zone: UTC\n    weekdays: [mon, tue, wed, thu, fri]",
        "    time_zone: America/New_York\n    weekdays: [mon, tue, wed, thu, fri]",
    )
    .replacen("    holidays: []", "    holidays: [\"2026-06-08\"]", 1);
    let engine = Engine::builder().policy_yaml(yaml).build().unwrap();
    assert_eq!(engine.runbook().calendar().time_zone(), "America/New_York");
    // Friday 16:00 EDT, Monday a holiday: one hour Friday, then Tuesday 09:00-10:00.
    let screening =
        engine.screen_ticket(&ticket("Stuck", "task stuck"), ts("2026-06-05T20:00:00Z"));
    assert_eq!(
        screening.due_at_local.as_deref(),
        Some("2026-06-09T10:00:00-04:00[America/New_York]")
    );
}

#[test]
fn bad_runbook_settings_fail_at_load_with_field_and_line() {
    let yaml = policy_with("    time_zone: UTC", "    time_zone: Nowhere/Land");
    let error = deskguard::Policy::from_yaml(&yaml).unwrap_err();
    assert_eq!(error.code(), Code::PolicyInvalid);
    assert_eq!(error.field(), Some("runbook.calendar.time_zone"));
    let line = yaml
        .lines()
        .position(|l| l.contains("Nowhere/Land"))
        .unwrap()
        + 1;
    assert_eq!(error.location().map(|l| l.line), Some(line));

    let yaml = policy_with(
        "  default_category: general_question",
        "  default_category: everything_else",
    );
    let error = deskguard::Policy::from_yaml(&yaml).unwrap_err();
    assert_eq!(error.field(), Some("runbook.default_category"));
    assert_eq!(
        error.message(),
        "`everything_else` is not one of the categories in `runbook.categories`"
    );

    let yaml = policy_with(
        "      sla: { business_hours: 2 }\n      priority: high\n      queue: engineering_triage",
        "      sla: { business_hours: 0 }\n      priority: high\n      queue: engineering_triage",
    );
    let error = deskguard::Policy::from_yaml(&yaml).unwrap_err();
    assert_eq!(
        error.message(),
        "category `task_stuck`: an SLA must be at least 1"
    );

    let yaml = policy_with(
        "      sla: { business_days: 1 }",
        "      sla: { business_weeks: 1 }",
    );
    let error = deskguard::Policy::from_yaml(&yaml).unwrap_err();
    assert_eq!(error.code(), Code::PolicyInvalid);
    assert!(
        error.field().unwrap().starts_with("runbook.categories"),
        "{error}"
    );

    let yaml = policy_with("      queue: retention\n", "      queue: nowhere\n");
    let error = Engine::builder().policy_yaml(yaml).build().unwrap_err();
    assert_eq!(
        error.message(),
        "category `account_deletion`: queue `nowhere` is not listed in `routing.queues`"
    );
}

#[test]
fn a_policy_without_a_runbook_uses_the_default_table() {
    let start = EMBEDDED_POLICY_YAML.find("\nrunbook:\n").unwrap() + 1;
    let end = EMBEDDED_POLICY_YAML
        .find("# Map the blueprint's tool names")
        .unwrap();
    let yaml = format!(
        "{}{}",
        &EMBEDDED_POLICY_YAML[..start],
        &EMBEDDED_POLICY_YAML[end..]
    );
    let policy = deskguard::Policy::from_yaml(&yaml).unwrap();
    assert!(policy.runbook.is_none());
    let engine = Engine::builder().policy(policy).build().unwrap();
    let screening = engine.screen_ticket(&ticket("Stuck", "task stuck"), ts(MONDAY_10));
    assert_eq!(screening.category, "task_stuck");
    assert_eq!(screening.sla, Sla::BusinessHours(2));
}

/// The blueprint's triage short-circuits obvious spam too: two different spam phrases
/// make a ticket obvious spam; one quoted line does not.
#[test]
fn obvious_spam_is_flagged_with_its_first_phrase() {
    let engine = engine();
    let body =
        "Hello, we are an SEO agency. We build backlinks that put you on the first page of Google.";
    let screening = engine.screen_ticket(&ticket("Partnership", body), ts(MONDAY_10));
    let spam = screening.spam.clone().unwrap();
    assert_eq!(spam.field, "ticket.body");
    assert_eq!(body.get(spam.span.start..spam.span.end), Some("SEO agency"));
    assert!(!screening.handoff);
    assert!(
        screening
            .to_json()
            .ends_with(r#","spam":{"field":"ticket.body","span":{"start":17,"end":27}}}"#),
        "{}",
        screening.to_json()
    );
    // The subject's phrase comes first, even when the body's is earlier in its field.
    let screening = engine.screen_ticket(
        &ticket("You have won!", "Claim your prize today."),
        ts(MONDAY_10),
    );
    let spam = screening.spam.unwrap();
    assert_eq!(
        (spam.field.as_str(), spam.span),
        ("ticket.subject", Span::new(0, 12))
    );
    // A customer reporting a spam mail quotes one line of it: still a customer.
    let screening = engine.screen_ticket(
        &ticket(
            "Strange email",
            "I got an email from your domain saying I have won a prize, is it phishing? It said: you have won.",
        ),
        ts(MONDAY_10),
    );
    assert_eq!(screening.spam, None);
    assert!(!screening.to_json().contains("spam"));
}

#[test]
fn the_spam_threshold_is_the_policys() {
    let yaml = EMBEDDED_POLICY_YAML.replace("  spam_min_phrases: 2\n", "  spam_min_phrases: 1\n");
    assert_ne!(yaml, EMBEDDED_POLICY_YAML);
    let engine = Engine::builder().policy_yaml(yaml).build().unwrap();
    let screening = engine.screen_ticket(&ticket("Hi", "Limited time offer inside"), ts(MONDAY_10));
    assert_eq!(screening.spam.map(|m| m.span), Some(Span::new(0, 18)));
    let yaml = EMBEDDED_POLICY_YAML.replace("  spam_min_phrases: 2\n", "");
    let engine = Engine::builder().policy_yaml(yaml).build().unwrap();
    let screening = engine.screen_ticket(&ticket("Hi", "Limited time offer inside"), ts(MONDAY_10));
    assert_eq!(screening.spam, None);
}

#[test]
fn a_spam_threshold_of_zero_turns_the_flag_off() {
    let body = "SEO agency offering backlinks and guest posting: you have won!";
    let flagged = engine().screen_ticket(&ticket("Offer", body), ts(MONDAY_10));
    assert!(flagged.spam.is_some());
    let yaml = EMBEDDED_POLICY_YAML.replace("  spam_min_phrases: 2\n", "  spam_min_phrases: 0\n");
    let engine = Engine::builder().policy_yaml(yaml).build().unwrap();
    assert_eq!(
        engine
            .screen_ticket(&ticket("Offer", body), ts(MONDAY_10))
            .spam,
        None
    );
}
