#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `deskguard screen` and `deskguard eval`, run as a user would.
//!
//! Exit codes: `0` the command did its job (eval also when some lines could not be
//! read: they are reported, with a warning on stderr), `2` unreadable or invalid input
//! (a file that cannot be read, a bad policy, a bad `--now`), one line on stderr.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::ScratchDir;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_deskguard");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const EVAL_SMALL: &str = "tests/fixtures/eval-small.jsonl";
const TICKETS_SMALL: &str = "tests/fixtures/tickets-small.jsonl";

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // The command may exit before reading its input (a bad option): a closed pipe is
    // not a test failure.
    if let Err(error) = input.write_all(stdin.unwrap_or_default().as_bytes()) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn screen_prints_category_tier_sla_and_due_time() {
    let scratch = ScratchDir::new("cli-runbook");
    let ticket = scratch.write(
        "stuck.json",
        r#"{"id": "T-9", "subject": "Task stuck", "body": "The agent stopped halfway", "customer": {"id": "C-1"}}"#,
    );
    let output = run(
        &[
            "screen",
            ticket.to_str().unwrap(),
            "--now",
            "2026-06-05T16:00:00Z",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let screening: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(screening["ticket_id"], "T-9");
    assert_eq!(screening["category"], "task_stuck");
    assert_eq!(screening["handling_tier"], "tier_2");
    assert_eq!(screening["sla"]["business_hours"], 2);
    assert_eq!(screening["due_at"], "2026-06-08T10:00:00Z");
    assert_eq!(screening["handoff"], false);
    assert_eq!(screening["queue"], "engineering_triage");
}

#[test]
fn screen_reads_a_request_from_stdin_and_uses_its_now() {
    let output = run(
        &["screen", "-", "--compact"],
        Some(
            r#"{"ticket": {"subject": "Lawsuit", "body": "Our attorney will call"}, "now": "2026-06-01T10:00:00Z"}"#,
        ),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert_eq!(out.lines().count(), 1, "compact is one line");
    let screening: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(screening["received_at"], "2026-06-01T10:00:00Z");
    assert_eq!(screening["handoff"], true);
    assert_eq!(screening["triggers"][0]["trigger"], "legal_language");
    assert_eq!(screening["queue"], "legal");
}

#[test]
fn screen_without_a_time_uses_the_clock_and_says_so_in_help() {
    let output = run(&["screen", "-"], Some(r#"{"subject": "hello"}"#));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let screening: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let received: jiff::Timestamp = screening["received_at"].as_str().unwrap().parse().unwrap();
    let age = jiff::Timestamp::now().duration_since(received);
    assert!(age.as_secs() >= 0 && age.as_secs() < 600, "{age:?}");
    let help = stdout(&run(&["screen", "--help"], None));
    assert!(help.contains("system clock"), "{help}");
}

#[test]
fn screen_rejects_bad_input_with_exit_2() {
    let output = run(&["screen", "-", "--now", "next tuesday"], Some("{}"));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "deskguard: error: --now: field `now`: `next tuesday` is not an RFC 3339 time such as `2026-06-03T10:00:00Z`\n"
    );
    let output = run(&["screen", "-"], Some(r#"{"subject": 7}"#));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("deskguard: error: <stdin>:1:13: field `subject`"),
        "{}",
        stderr(&output)
    );
    let output = run(&["screen", "no/such/ticket.json"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("deskguard: error: no/such/ticket.json: cannot read"));
    let scratch = ScratchDir::new("cli-runbook");
    let bad_policy = scratch.write("bad-policy.yaml", "version: [");
    let output = run(
        &["screen", "-", "--policy", bad_policy.to_str().unwrap()],
        Some("{}"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn eval_prints_a_table_and_warns_about_unreadable_lines() {
    let output = run(&["eval", EVAL_SMALL], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("8 requests, 7 labeled, 2 invalid lines"),
        "{out}"
    );
    assert!(out.contains("routing accuracy                   66.7%              4/6"));
    assert!(out.contains("escalation recall (sensitive)      66.7%              2/3"));
    assert_eq!(
        stderr(&output),
        "deskguard: warning: 2 lines could not be read; they count in no metric (see the report)\n"
    );
}

#[test]
fn eval_json_with_a_ticket_log_and_an_html_report() {
    let dir = ScratchDir::new("eval-html");
    let html = dir.join("report.html");
    let output = run(
        &[
            "eval",
            EVAL_SMALL,
            "--json",
            "--tickets",
            TICKETS_SMALL,
            "--html",
            html.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["mode"], "suggest");
    assert_eq!(report["replay"]["requests"], 8);
    assert_eq!(report["replay"]["decision_accuracy"]["count"], 4);
    assert_eq!(report["replay"]["decision_accuracy"]["of"], 7);
    assert_eq!(report["tickets"]["sla_attainment"]["count"], 4);
    assert_eq!(report["tickets"]["escalation_band"]["status"], "above");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<svg"));
}

#[test]
fn eval_mode_override_changes_outcomes() {
    let output = run(
        &[
            "eval",
            EVAL_SMALL,
            "--json",
            "--mode",
            "auto",
            "--contract",
            "policies/resolution-agent.agentaz.json",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["mode"], "auto");
    // Under the A3 contract in auto mode the promoted how-to ticket auto-resolves,
    // so the label (DRAFT) no longer matches: 3 of 7 decisions right, not 4.
    assert_eq!(report["replay"]["decisions"]["AUTO_RESOLVE"], 1);
    assert_eq!(report["replay"]["decision_accuracy"]["count"], 3);
}

#[test]
fn eval_reads_stdin_and_skips_oversized_lines_without_holding_them() {
    let huge = format!(
        "{{\"pad\": \"{}\"}}",
        "x".repeat(deskguard::MAX_REQUEST_BYTES + 10)
    );
    let input = format!(
        "{}\n{huge}\n{}\n",
        r#"{"decision": "ESCALATE_NEEDED: a", "label": {"sensitive": true}}"#,
        r#"{"decision": "ESCALATE_NEEDED: b"}"#
    );
    let output = run(&["eval", "-", "--json", "--no-progress"], Some(&input));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["replay"]["requests"], 2);
    assert_eq!(report["replay"]["invalid_lines"], 1);
    assert_eq!(report["replay"]["invalid_examples"][0]["line"], 2);
    assert_eq!(report["replay"]["escalation_recall"]["count"], 1);
}

#[test]
fn eval_rejects_unreadable_files_with_exit_2() {
    let output = run(&["eval", "no/such/file.jsonl"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("deskguard: error: no/such/file.jsonl: cannot read"));
    let output = run(
        &["eval", EVAL_SMALL, "--tickets", "no/such/log.jsonl"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let output = run(&["eval", EVAL_SMALL, "--contract", "README.md"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("deskguard: error: README.md:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn eval_over_many_lines_matches_the_library() {
    // 10 000 lines in two chunks on all cores: the same numbers as one
    // accumulator fed in order.
    let fixture = std::fs::read_to_string(format!("{ROOT}/{EVAL_SMALL}")).unwrap();
    let valid: Vec<&str> = fixture
        .lines()
        .filter(|line| deskguard::eval::LabeledRequest::from_json(line).is_ok())
        .collect();
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(valid[i % valid.len()]);
        text.push('\n');
    }
    let scratch = ScratchDir::new("cli-runbook");
    let path = scratch.write("many.jsonl", &text);
    let output = run(&["eval", path.to_str().unwrap(), "--json"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();

    let engine = deskguard::Engine::with_defaults().unwrap();
    let mut acc = deskguard::eval::EvalAccumulator::new();
    for line in text.lines() {
        let labeled = deskguard::eval::LabeledRequest::from_json(line).unwrap();
        acc.add(&labeled, &engine.check(&labeled.request));
    }
    assert_eq!(
        report["replay"],
        serde_json::to_value(acc.report()).unwrap()
    );
}
