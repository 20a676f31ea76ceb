#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Shadow-mode evaluation on small files whose numbers are computed by hand below,
//! chunk-independence of the accumulators, bounded tables, and the renderings.

use std::collections::BTreeMap;

use deskguard::eval::{
    EvalAccumulator, EvalReport, LabeledRequest, Rate, ReplayReport, TicketLogAccumulator,
    TicketRecord,
};
use deskguard::{Code, Engine};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/tests/fixtures/{name}")).unwrap()
}

/// (1-based line number, text) of the non-blank lines.
fn lines(text: &str) -> Vec<(u64, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| (i as u64 + 1, line.to_string()))
        .collect()
}

fn replay(engine: &Engine, lines: &[(u64, String)]) -> EvalAccumulator {
    let mut acc = EvalAccumulator::new();
    for (line_no, line) in lines {
        match LabeledRequest::from_json(line) {
            Ok(labeled) => acc.add(&labeled, &engine.check(&labeled.request)),
            Err(error) => acc.add_invalid(*line_no, &error),
        }
    }
    acc
}

fn small() -> ReplayReport {
    let engine = Engine::with_defaults().unwrap();
    replay(&engine, &lines(&fixture("eval-small.jsonl"))).report()
}

/// The blueprint's how-to example request, as text and as a value to vary.
fn how_to_2fa() -> (String, serde_json::Value) {
    let example =
        std::fs::read_to_string(format!("{ROOT}/policies/examples/01-how-to-2fa.json")).unwrap();
    let value = serde_json::from_str(&example).unwrap();
    (example, value)
}

/// The report of a replay of `labeled.jsonl` in suggest mode.
fn labeled_report(report: deskguard::eval::ReplayReport) -> EvalReport {
    EvalReport {
        source: "labeled.jsonl".into(),
        mode: "suggest".into(),
        policy_digest: String::new(),
        contract_digest: String::new(),
        replay: report,
        tickets: None,
    }
}

fn rate(count: u64, of: u64) -> Rate {
    Rate::new(count, of)
}

// tests/fixtures/eval-small.jsonl, embedded policy (suggest mode), blueprint contract:
//
// | # | ticket / model                          | label                            | final    | queue           | cost |
// |---|-----------------------------------------|----------------------------------|----------|-----------------|------|
// | 1 | how-to, AUTO_RESOLVE 0.93               | DRAFT, "", not sensitive         | DRAFT ↓  | ""              | 0.04 |
// | 2 | "my lawyer", DRAFT 0.9                  | ESCALATE, legal, sensitive       | ESCALATE ↓ | legal         | 0.06 |
// | 3 | "not renewing", DRAFT 0.9               | ESCALATE, retention, sensitive   | ESCALATE ↓ | retention     | 0.05 |
// | 4 | "made me feel unsafe", DRAFT 0.9        | ESCALATE, general_support, sens. | DRAFT    | ""              | 0.03 |
// | 5 | how-to, DRAFT, grounded=false           | DRAFT, "", not sensitive         | ESCALATE ↓ | general_support | 0.02 |
// | 6 | how-to, DRAFT 0.5                       | DRAFT, not sensitive             | ESCALATE ↓ | general_support | 0.02 |
// | - | line 7: broken JSON; line 8 blank; line 9: label decision MAYBE (invalid)                          |
// | 7 | "ESCALATE_NEEDED: ..." (no label)       | —                                | ESCALATE | general_support | 0.01 |
// | 8 | billing question, DRAFT 0.8             | DRAFT, ""                        | DRAFT    | ""              | 0.05 |
//
// decision accuracy: labeled with a decision 1,2,3,4,5,6,8; right 1,2,3,8 → 4/7
// routing accuracy: labeled with a queue 1,2,3,4,5,8; right 1,2,3,8 → 4/6
// escalation recall: sensitive 2,3,4; escalated 2,3 → 2/3
// over-escalation: must not escalate 1,5,6,8; escalated 5,6 → 2/4
// escalation rate 2,3,5,6,7 → 5/8; downgrades 1,2,3,5,6 → 5/8
// grounded drafts: proposed DRAFT/AUTO_RESOLVE 1-6,8 (7); NOT_GROUNDED on 5 → 6/7
// cost: 0.28 total, 0.035 per ticket
#[test]
fn replay_metrics_match_the_hand_computed_numbers() {
    let report = small();
    assert_eq!(report.requests, 8);
    assert_eq!(report.labeled, 7);
    assert_eq!(report.invalid_lines, 2);
    let invalid: Vec<u64> = report.invalid_examples.iter().map(|e| e.line).collect();
    assert_eq!(invalid, [7, 9]);
    assert!(report.invalid_examples[1]
        .message
        .contains("field `label.decision`"));

    assert_eq!(report.decision_accuracy, rate(4, 7));
    assert_eq!(report.routing_accuracy, rate(4, 6));
    assert_eq!(report.escalation_recall, rate(2, 3));
    assert_eq!(report.over_escalation_rate, rate(2, 4));
    assert_eq!(report.escalation_rate, rate(5, 8));
    assert_eq!(report.downgrade_rate, rate(5, 8));
    assert_eq!(report.grounded_drafts, rate(6, 7));
    assert!((report.cost_total_usd - 0.28).abs() < 1e-12);
    assert!((report.cost_per_ticket_usd.unwrap() - 0.035).abs() < 1e-12);

    let decisions: BTreeMap<&str, u64> = report
        .decisions
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        decisions,
        BTreeMap::from([
            ("AUTO_RESOLVE", 0),
            ("DRAFT", 3),
            ("ROUTE", 0),
            ("ESCALATE", 5)
        ])
    );
    assert_eq!(report.proposed["AUTO_RESOLVE"], 1);
    assert_eq!(report.proposed["DRAFT"], 6);
    assert_eq!(report.proposed["ESCALATE"], 1);
    // Labeled ESCALATE (2, 3, 4): two escalated, one drafted.
    assert_eq!(report.confusion["ESCALATE"]["ESCALATE"], 2);
    assert_eq!(report.confusion["ESCALATE"]["DRAFT"], 1);
    assert_eq!(report.confusion["DRAFT"]["DRAFT"], 2);
    assert_eq!(report.confusion["DRAFT"]["ESCALATE"], 2);

    let queues: Vec<(&str, Rate)> = report
        .queues
        .iter()
        .map(|q| (q.queue.as_str(), q.accuracy))
        .collect();
    assert_eq!(
        queues,
        [
            ("", rate(2, 3)),
            ("general_support", rate(0, 1)),
            ("legal", rate(1, 1)),
            ("retention", rate(1, 1))
        ]
    );

    // Per intent: how_to_export is 3, 5 (both downgraded) and... 6; billing_question
    // 2 (downgraded) and 8; the ESCALATE_NEEDED text has no intent.
    let intents: Vec<(&str, u64, Rate, Rate)> = report
        .intents
        .iter()
        .map(|i| {
            (
                i.intent.as_str(),
                i.requests,
                i.downgrade_rate,
                i.escalation_rate,
            )
        })
        .collect();
    assert_eq!(
        intents,
        [
            ("(unreadable)", 1, rate(0, 1), rate(1, 1)),
            ("billing_question", 2, rate(1, 2), rate(1, 2)),
            ("complaint", 1, rate(0, 1), rate(0, 1)),
            ("how_to_2fa", 1, rate(1, 1), rate(0, 1)),
            ("how_to_export", 3, rate(3, 3), rate(3, 3)),
        ]
    );

    let codes: Vec<(Code, u64)> = report
        .violations
        .iter()
        .map(|v| (v.code, v.requests))
        .collect();
    assert_eq!(
        codes,
        [
            (Code::ConfidenceBelowDraft, 1),
            (Code::ModeSuggest, 1),
            (Code::NotGrounded, 1),
            (Code::ModelEscalated, 1)
        ]
    );

    // By day: June 1 has 1-3 (2 escalated, 3/3 right); June 2 has 4-8 (5, 6, 7
    // escalated; of 4, 5, 6, 8 only 8 right).
    let days: Vec<(&str, u64, Rate, Rate)> = report
        .days
        .iter()
        .map(|d| {
            (
                d.day.as_str(),
                d.requests,
                d.escalation_rate,
                d.decision_accuracy,
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-06-01", 3, rate(2, 3), rate(3, 3)),
            ("2026-06-02", 5, rate(3, 5), rate(1, 4)),
        ]
    );
}

#[test]
fn any_chunking_gives_the_same_report() {
    let engine = Engine::with_defaults().unwrap();
    let all = lines(&fixture("eval-small.jsonl"));
    let whole = replay(&engine, &all).report();
    for size in 1..all.len() {
        // Chunks merged in reverse order, as a parallel reduce might.
        let mut total = EvalAccumulator::new();
        for chunk in all.chunks(size).rev() {
            total.merge(replay(&engine, chunk));
        }
        assert_eq!(total.report(), whole, "chunk size {size}");
    }
}

/// The blueprint: measure draft acceptance per intent, and promote an intent only once
/// more than 95% of its drafts are approved without edit over a few hundred tickets.
#[test]
fn drafts_approved_without_edit_and_intents_ready_to_promote() {
    let engine = Engine::with_defaults().unwrap();
    let (example, base) = how_to_2fa();
    // The draft the human reviews is the reply as the verdict hands it on: the AI
    // disclosure is added on a first message.
    let draft = engine
        .check(&LabeledRequest::from_json(&example).unwrap().request)
        .reply
        .unwrap()
        .text;
    let line = |intent: &str, sent: &str| {
        let mut value = base.clone();
        value["decision"]["intent"] = intent.into();
        value["label"] = serde_json::json!({ "sent_reply": sent });
        value.to_string()
    };
    let reflowed = draft.split_whitespace().collect::<Vec<_>>().join("\n ");
    let words = draft.split_whitespace().count() as u64;
    let one_word_changed = draft.replacen("Settings", "Preferences", 1);
    let mut lines = vec![
        (1, line("how_to_2fa", &draft)),
        (2, line("how_to_2fa", &reflowed)),
        (3, line("how_to_2fa", &one_word_changed)),
        (4, line("how_to_2fa", "")),
    ];
    let report = replay(&engine, &lines).report();
    assert_eq!(report.approved_without_edit, rate(2, 4));
    // 0, 0, one word of `words`, every word: in thousandths, rounded.
    let one = (1000 + words / 2) / words;
    let expected = (one + 1000) as f64 / 1000.0 / 4.0;
    assert!((report.draft_edit_rate.unwrap() - expected).abs() < 1e-12);
    assert_eq!(report.intents[0].approved_without_edit, rate(2, 4));
    assert!(report.ready_to_promote.is_empty());

    // 200 reviewed drafts, 191 as written (95.5%), promote; 190 (exactly 95%) do not.
    lines.clear();
    for i in 0..200u64 {
        let sent = if i < 191 {
            draft.as_str()
        } else {
            "Rewritten."
        };
        lines.push((i + 1, line("how_to_2fa", sent)));
        let sent = if i < 190 {
            draft.as_str()
        } else {
            "Rewritten."
        };
        lines.push((i + 1, line("how_to_export", sent)));
    }
    lines.push((401, line("how_to_sso", &draft)));
    let report = replay(&engine, &lines).report();
    assert_eq!(report.ready_to_promote, ["how_to_2fa"]);
    assert_eq!(report.approved_without_edit, rate(382, 401));
    let text = labeled_report(report).to_text();
    assert!(
        text.contains("ready to promote                 how_to_2fa\n"),
        "{text}"
    );
}

#[test]
fn intent_tables_stay_bounded_and_deterministic() {
    let mut verdict = Engine::with_defaults().unwrap().check_json("not json");
    let labeled = LabeledRequest::default();
    let mut forward = EvalAccumulator::new();
    let mut backward = EvalAccumulator::new();
    let intents: Vec<String> = (0..5_000).map(|i| format!("intent_{i:05}")).collect();
    for intent in &intents {
        verdict.intent = Some(intent.clone());
        forward.add(&labeled, &verdict);
    }
    let mut parts: Vec<EvalAccumulator> = Vec::new();
    for chunk in intents.chunks(700).rev() {
        let mut part = EvalAccumulator::new();
        for intent in chunk.iter().rev() {
            verdict.intent = Some(intent.clone());
            part.add(&labeled, &verdict);
        }
        parts.push(part);
    }
    for part in parts {
        backward.merge(part);
    }
    let report = forward.report();
    assert_eq!(report, backward.report());
    // 2000 named intents (the smallest names) and one `(other)` row with the rest.
    assert_eq!(report.intents.len(), 2_001);
    assert_eq!(report.intents[0].intent, "intent_00000");
    assert_eq!(report.intents[1_999].intent, "intent_01999");
    assert_eq!(report.intents[2_000].intent, "(other)");
    assert_eq!(report.intents[2_000].requests, 3_000);
}

// tests/fixtures/tickets-small.jsonl on the default calendar (UTC, Mon-Fri 09-17):
//
// | id | customer | category (SLA)             | created        | answered      | due            | SLA     | esc | repeat |
// |----|----------|----------------------------|----------------|---------------|----------------|---------|-----|--------|
// | T1 | C-1      | task_stuck (2 h)           | Mon 1st 10:00  | 11:30         | 12:00          | met     | yes |        |
// | T2 | C-2      | task_stuck (2 h)           | Mon 16:30      | Tue 10:00     | Tue 10:30      | met     | yes |        |
// | T3 | C-1      | task_stuck (2 h)           | Tue 2nd 09:00  | 11:01         | 11:00          | missed  | no  | C-1 again |
// | T4 | C-3      | billing_query (4 h), screened | Wed 15:00   | Thu 10:59     | Thu 11:00      | met     | no  |        |
// | T5 | C-4      | feature_inquiry (4 h)      | Fri 5th 16:00  | —             | Mon 12:00      | missed (log reaches Tue) | no | |
// | T8 | C-2      | task_stuck (2 h)           | Mon 8th 09:00  | 09:30         | 11:00          | met     | no  | C-2 again |
// | T6 | C-5      | weird_custom (no SLA)      | Mon 10:00      | 10:05         | —              | no SLA  | no  |        |
// | T7 | C-6      | agent_output_error (4 h)   | Tue 9th 09:00  | —             | 13:00          | pending | yes | reopened |
//
// SLA 4/6; escalation 3/8 (above the band); repeats 3/8; FCR 1/2; product issue 1/2.
// W23 (T1-T5): SLA 3/5, escalation 2/5, repeats 1/5. W24 (T8, T6, T7): SLA 1/1,
// escalation 1/3, repeats 2/3.
#[test]
fn ticket_log_metrics_match_the_hand_computed_numbers() {
    let engine = Engine::with_defaults().unwrap();
    let mut acc = TicketLogAccumulator::new();
    for (line_no, line) in lines(&fixture("tickets-small.jsonl")) {
        match TicketRecord::from_json(&line) {
            Ok(record) => acc.add(engine.runbook(), &record),
            Err(error) => acc.add_invalid(line_no, &error),
        }
    }
    let report = acc.report();
    assert_eq!(report.tickets, 8);
    assert_eq!(report.invalid_lines, 0);
    assert_eq!(report.as_of.unwrap().to_string(), "2026-06-09T09:00:00Z");
    assert_eq!(report.sla_attainment, rate(4, 6));
    assert_eq!(report.pending, 1);
    assert_eq!(report.escalation_rate, rate(3, 8));
    assert_eq!(report.escalation_band.status, "above");
    assert_eq!(report.repeat_rate, rate(3, 8));
    assert_eq!(report.first_contact_resolution, rate(1, 2));
    assert_eq!(report.product_issue_rate, rate(1, 2));

    let categories: Vec<(&str, u64, u64, u64, u64, u64)> = report
        .categories
        .iter()
        .map(|c| {
            (
                c.category.as_str(),
                c.tickets,
                c.met,
                c.missed,
                c.pending,
                c.no_sla,
            )
        })
        .collect();
    assert_eq!(
        categories,
        [
            ("agent_output_error", 1, 0, 0, 1, 0),
            ("billing_query", 1, 1, 0, 0, 0),
            ("feature_inquiry", 1, 0, 1, 0, 0),
            ("task_stuck", 4, 3, 1, 0, 0),
            ("weird_custom", 1, 0, 0, 0, 1),
        ]
    );
    assert_eq!(report.categories[3].attainment, rate(3, 4));

    let weeks: Vec<(&str, u64, Rate, Rate, Rate)> = report
        .weeks
        .iter()
        .map(|w| {
            (
                w.week.as_str(),
                w.tickets,
                w.sla_attainment,
                w.escalation_rate,
                w.repeat_rate,
            )
        })
        .collect();
    assert_eq!(
        weeks,
        [
            ("2026-W23", 5, rate(3, 5), rate(2, 5), rate(1, 5)),
            ("2026-W24", 3, rate(1, 1), rate(1, 3), rate(2, 3)),
        ]
    );
}

#[test]
fn the_escalation_band_reads_below_within_and_above() {
    let engine = Engine::with_defaults().unwrap();
    let band = |escalated: usize, of: usize| {
        let mut acc = TicketLogAccumulator::new();
        for i in 0..of {
            let record = TicketRecord::from_json(&format!(
                r#"{{"category": "bug_report", "created_at": "2026-06-01T10:00:00Z", "escalated": {}}}"#,
                i < escalated
            ))
            .unwrap();
            acc.add(engine.runbook(), &record);
        }
        acc.report().escalation_band.status
    };
    assert_eq!(band(1, 10), "below");
    assert_eq!(band(2, 10), "within");
    assert_eq!(band(3, 20), "within");
    assert_eq!(band(3, 10), "above");
    let empty = TicketLogAccumulator::new().report();
    assert_eq!(empty.escalation_band.status, "unknown");
}

fn full_report() -> EvalReport {
    let engine = Engine::with_defaults().unwrap();
    let mut tickets = TicketLogAccumulator::new();
    for (_, line) in lines(&fixture("tickets-small.jsonl")) {
        tickets.add(engine.runbook(), &TicketRecord::from_json(&line).unwrap());
    }
    EvalReport {
        source: "tests/fixtures/eval-small.jsonl".into(),
        mode: engine.mode().as_str().into(),
        policy_digest: engine.policy_digest().into(),
        contract_digest: engine.contract_digest().into(),
        replay: small(),
        tickets: Some(tickets.report()),
    }
}

#[test]
fn the_html_report_is_self_contained_with_charts() {
    let mut report = full_report();
    // Hostile names are escaped.
    report.replay.intents[0].intent = "<script>alert(1)</script>".into();
    let html = report.to_html();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<svg"));
    assert!(html.contains("Escalation rate by intent"));
    assert!(html.contains("SLA attainment by category"));
    assert!(html.contains("Weekly trend"));
    assert!(html.contains("Escalation rate and decision accuracy per day"));
    assert!(
        !html.contains("<script"),
        "no script, and names are escaped"
    );
    assert!(html.contains("&lt;script&gt;"));
    // No external asset: the only URL is the SVG namespace.
    let urls = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(urls, namespaces);
    assert!(!html.contains(" src="));
    assert!(!html.contains("<link"));
}

#[test]
fn the_terminal_table_names_every_metric() {
    let text = full_report().to_text();
    for needle in [
        "8 requests, 7 labeled, 2 invalid lines",
        "decision accuracy                  57.1%              4/7",
        "routing accuracy                   66.7%              4/6",
        "escalation recall (sensitive)      66.7%              2/3",
        "over-escalation rate               50.0%              2/4",
        "grounded drafts                    85.7%              6/7",
        "cost per ticket                  $0.0350",
        "SLA attainment                     66.7%              4/6",
        "escalation rate                    37.5%              3/8  above",
        "2026-W24",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}

#[test]
fn the_json_report_round_trips() {
    let report = full_report();
    let back: EvalReport = serde_json::from_str(&report.to_json_pretty()).unwrap();
    assert_eq!(back, report);
}

/// The blueprint routes low-confidence, no-source tickets to a knowledge-gap log; the
/// shadow-mode report counts them per intent.
#[test]
fn knowledge_gaps_are_counted_per_intent() {
    let engine = Engine::with_defaults().unwrap();
    let (_, base) = how_to_2fa();
    let line = |intent: &str, confidence: f64, score: f64| {
        let mut value = base.clone();
        value["decision"]["intent"] = intent.into();
        value["decision"]["confidence"] = confidence.into();
        value["context"]["kb"][0]["score"] = score.into();
        value.to_string()
    };
    let lines = vec![
        (1, line("how_to_sso", 0.4, 0.2)),
        (2, line("how_to_sso", 0.4, 0.2)),
        (3, line("how_to_sso", 0.9, 0.2)),
        (4, line("how_to_2fa", 0.4, 0.9)),
    ];
    let report = replay(&engine, &lines).report();
    let gaps: Vec<(&str, u64)> = report
        .intents
        .iter()
        .map(|row| (row.intent.as_str(), row.knowledge_gaps))
        .collect();
    assert_eq!(gaps, [("how_to_2fa", 0), ("how_to_sso", 2)]);
    let eval = labeled_report(report);
    let html = eval.to_html();
    assert!(html.contains("Knowledge gaps by intent"));
    assert!(html.contains("2 of 3"), "{html}");
    let text = eval.to_text();
    assert!(text.contains("  how_to_sso  "), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("  how_to_sso"))
        .unwrap();
    assert!(row.ends_with(" 2"), "{row}");
}
