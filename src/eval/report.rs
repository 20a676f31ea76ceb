//! The joined report and its terminal rendering.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Rate, ReplayReport, TicketReport};

/// What `deskguard eval` reports: the replay metrics and, with a ticket log, the
/// runbook's weekly review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// The labeled file's name, as given.
    pub source: String,
    /// The mode the requests were replayed in.
    pub mode: String,
    /// SHA-256 of the policy in force.
    pub policy_digest: String,
    /// SHA-256 of the contract in force.
    pub contract_digest: String,
    /// Replay metrics.
    pub replay: ReplayReport,
    /// The weekly review, when a ticket log was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tickets: Option<TicketReport>,
}

/// Rows shown per table in the terminal (the JSON has them all).
const TEXT_ROWS: usize = 20;

fn rate_cell(rate: &Rate) -> String {
    format!(
        "{:>7}  {:>15}",
        rate.percent(),
        format!("{}/{}", rate.count, rate.of)
    )
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

impl EvalReport {
    /// A readable terminal table.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let r = &self.replay;
        let _ = writeln!(
            out,
            "deskguard eval: {} ({} mode): {} requests, {} labeled, {} invalid lines",
            self.source, self.mode, r.requests, r.labeled, r.invalid_lines
        );
        for example in &r.invalid_examples {
            let _ = writeln!(out, "  line {}: {}", example.line, example.message);
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{:<34} {:>7}  {:>15}", "replay", "value", "count");
        for (name, rate) in [
            ("decision accuracy", &r.decision_accuracy),
            ("routing accuracy", &r.routing_accuracy),
            ("escalation recall (sensitive)", &r.escalation_recall),
            ("over-escalation rate", &r.over_escalation_rate),
            ("escalation rate", &r.escalation_rate),
            ("downgrade rate", &r.downgrade_rate),
            ("grounded drafts", &r.grounded_drafts),
            ("drafts approved without edit", &r.approved_without_edit),
        ] {
            let _ = writeln!(out, "  {:<32} {}", name, rate_cell(rate));
        }
        if let Some(edit_rate) = r.draft_edit_rate {
            let _ = writeln!(
                out,
                "  {:<32} {:>7}",
                "draft edit rate",
                format!("{:.1}%", edit_rate * 100.0)
            );
        }
        if r.approved_without_edit.of > 0 {
            let _ = writeln!(
                out,
                "  {:<32} {}",
                "ready to promote",
                if r.ready_to_promote.is_empty() {
                    "none yet (200 reviewed, > 95% unedited)".to_string()
                } else {
                    r.ready_to_promote.join(", ")
                }
            );
        }
        let _ = writeln!(
            out,
            "  {:<32} {:>7}  {:>15}",
            "cost per ticket",
            r.cost_per_ticket_usd
                .map_or_else(|| "n/a".to_string(), |c| format!("${c:.4}")),
            format!("total ${:.2}", r.cost_total_usd)
        );

        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<34} {:>10} {:>10}",
            "decisions", "proposed", "final"
        );
        for (kind, count) in &r.decisions {
            let proposed = r.proposed.get(kind).copied().unwrap_or(0);
            let _ = writeln!(out, "  {:<32} {:>10} {:>10}", kind, proposed, count);
        }
        if let Some(unreadable) = r.proposed.get("(unreadable)") {
            let _ = writeln!(
                out,
                "  {:<32} {:>10} {:>10}",
                "(unreadable)", unreadable, ""
            );
        }

        if !r.queues.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{:<34} {:>7}  {:>15}",
                "routing by expected queue", "accuracy", "count"
            );
            for row in r.queues.iter().take(TEXT_ROWS) {
                let queue = if row.queue.is_empty() {
                    "(stays with agent)"
                } else {
                    &row.queue
                };
                let _ = writeln!(
                    out,
                    "  {:<32} {}",
                    clip(queue, 32),
                    rate_cell(&row.accuracy)
                );
            }
        }

        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<34} {:>9} {:>11} {:>11} {:>11} {:>8}",
            "per intent (by volume)", "requests", "downgraded", "escalated", "unedited", "KB gaps"
        );
        let mut intents: Vec<_> = r.intents.iter().collect();
        intents.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.intent.cmp(&b.intent)));
        for row in intents.iter().take(TEXT_ROWS) {
            let _ = writeln!(
                out,
                "  {:<32} {:>9} {:>11} {:>11} {:>11} {:>8}",
                clip(&row.intent, 32),
                row.requests,
                row.downgrade_rate.percent(),
                row.escalation_rate.percent(),
                row.approved_without_edit.percent(),
                row.knowledge_gaps
            );
        }
        if intents.len() > TEXT_ROWS {
            let _ = writeln!(
                out,
                "  … {} more intents in --json",
                intents.len() - TEXT_ROWS
            );
        }

        if !r.violations.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{:<34} {:>9} {:>8}",
                "violations by code", "requests", "share"
            );
            for row in r.violations.iter().take(TEXT_ROWS) {
                let _ = writeln!(
                    out,
                    "  {:<32} {:>9} {:>8}",
                    row.code.as_str(),
                    row.requests,
                    row.share.percent()
                );
            }
        }

        if let Some(t) = &self.tickets {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "ticket log (weekly review): {} tickets{}, {} invalid lines",
                t.tickets,
                t.as_of
                    .map_or_else(String::new, |at| format!(", as of {at}")),
                t.invalid_lines
            );
            for example in &t.invalid_examples {
                let _ = writeln!(out, "  line {}: {}", example.line, example.message);
            }
            let _ = writeln!(
                out,
                "  {:<32} {}",
                "SLA attainment",
                rate_cell(&t.sla_attainment)
            );
            let _ = writeln!(
                out,
                "  {:<32} {}  {}",
                "escalation rate",
                rate_cell(&t.escalation_rate),
                t.escalation_band.status
            );
            let _ = writeln!(out, "    {}", t.escalation_band.note);
            let _ = writeln!(
                out,
                "  {:<32} {}",
                "repeat-ticket rate",
                rate_cell(&t.repeat_rate)
            );
            let _ = writeln!(
                out,
                "  {:<32} {}",
                "first-contact resolution",
                rate_cell(&t.first_contact_resolution)
            );
            let _ = writeln!(
                out,
                "  {:<32} {}",
                "ticket -> product issue",
                rate_cell(&t.product_issue_rate)
            );
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{:<34} {:>8} {:>6} {:>7} {:>8} {:>11}",
                "SLA by category", "tickets", "met", "missed", "pending", "attainment"
            );
            for row in &t.categories {
                let _ = writeln!(
                    out,
                    "  {:<32} {:>8} {:>6} {:>7} {:>8} {:>11}",
                    clip(&row.category, 32),
                    row.tickets,
                    row.met,
                    row.missed,
                    row.pending,
                    row.attainment.percent()
                );
            }
            if !t.weeks.is_empty() {
                let _ = writeln!(out);
                let _ = writeln!(
                    out,
                    "{:<34} {:>8} {:>11} {:>11} {:>8}",
                    "week", "tickets", "SLA", "escalation", "repeat"
                );
                let skip = t.weeks.len().saturating_sub(TEXT_ROWS);
                for row in t.weeks.iter().skip(skip) {
                    let _ = writeln!(
                        out,
                        "  {:<32} {:>8} {:>11} {:>11} {:>8}",
                        row.week,
                        row.tickets,
                        row.sla_attainment.percent(),
                        row.escalation_rate.percent(),
                        row.repeat_rate.percent()
                    );
                }
            }
        }
        out
    }

    /// The report as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| String::from("{}"))
    }
}
