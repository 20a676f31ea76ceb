#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `deskguard incident` and `deskguard notice`, run as a user would.
//!
//! Exit codes: `0` the command did its job (alerts and notice violations are output,
//! not failures, as verdicts are for `check`), `2` unreadable or invalid input, with
//! one line on stderr naming `file:line:column` and the field.
//!
//! The expected outputs are fixtures (`tests/fixtures/incident-alerts.jsonl`,
//! `notice-bad.expected.json`) because the runtime tests compare the npm package
//! with the CLI on the same inputs; these tests pin the CLI to them, and the spot
//! checks below say why each line is right.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::ScratchDir;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_deskguard");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const EVENTS: &str = "tests/fixtures/incident-events.jsonl";
const ALERTS: &str = "tests/fixtures/incident-alerts.jsonl";
const NOTICE_GOOD: &str = "tests/fixtures/notice-good.txt";
const NOTICE_BAD: &str = "tests/fixtures/notice-bad.txt";
const NOTICE_BAD_EXPECTED: &str = "tests/fixtures/notice-bad.expected.json";

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
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

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()
}

#[test]
fn incident_prints_each_alert_as_a_json_line() {
    let output = run(&["incident", EVENTS], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let out = stdout(&output);
    assert_eq!(out, fixture(ALERTS));
    let alerts: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| (a["code"].as_str().unwrap(), a["at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            // The third distinct customer in task_stuck.
            ("INCIDENT_CATEGORY_SPIKE", "2026-06-01T09:03:00Z"),
            // The sixth affected customer of 100 users: 6% > 5%.
            ("INCIDENT_IC_ESCALATION", "2026-06-01T09:06:00Z"),
            // 95% -> 75% from 09:30; at 09:46 it has lasted 16 min (> 15).
            ("INCIDENT_COMPLETION_DROP", "2026-06-01T09:46:00Z"),
            // The fifth complaint about the same output.
            ("INCIDENT_REPEATED_COMPLAINTS", "2026-06-01T10:04:00Z"),
            // The spike opened an incident at 09:03: open 61 min (> 1 h) by 10:04.
            ("INCIDENT_EXEC_ESCALATION", "2026-06-01T10:04:00Z"),
            // 1070 billed against 1000 expected: 7% > 5%.
            ("INCIDENT_BILLING_ANOMALY", "2026-06-01T10:10:00Z"),
        ]
    );
    assert_eq!(alerts[5]["subject"], "over_charge");
    // No subject for platform-wide alerts: the key is absent, not null.
    assert!(alerts[1].get("subject").is_none());
}

#[test]
fn incident_state_saved_mid_stream_continues_with_the_same_alerts() {
    let events = fixture(EVENTS);
    let lines: Vec<&str> = events.lines().collect();
    let dir = ScratchDir::new("cli-incident");
    let state = dir.join("state.json");
    let state = state.to_str().unwrap();
    // Split inside the completion drop (line 40 is 09:42, the drop began at 09:30):
    // the drop must still fire at 09:46 after the restore.
    let first = lines[..40].join("\n") + "\n";
    let rest = lines[40..].join("\n") + "\n";
    let one = run(&["incident", "-", "--save-state", state], Some(&first));
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["clock"], 1_780_306_920); // 2026-06-01T09:42:00Z
    let two = run(&["incident", "-", "--state", state], Some(&rest));
    assert_eq!(two.status.code(), Some(0), "{}", stderr(&two));
    assert_eq!(
        stdout(&one),
        fixture(ALERTS)
            .lines()
            .take(2)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    assert_eq!(stdout(&one) + &stdout(&two), fixture(ALERTS));
    assert!(!dir.join("state.json.tmp").exists());
}

#[test]
fn incident_config_changes_the_thresholds() {
    let dir = ScratchDir::new("cli-incident");
    let config = dir.write(
        "config.json",
        r#"{"category_min_customers": 2, "billing_anomaly_ratio": 0.1}"#,
    );
    let output = run(
        &["incident", "--config", config.to_str().unwrap(), EVENTS],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let codes: Vec<(String, String)> = stdout(&output)
        .lines()
        .map(|line| {
            let alert: Value = serde_json::from_str(line).unwrap();
            (
                alert["code"].as_str().unwrap().into(),
                alert["at"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        // Two distinct customers are enough now.
        ("INCIDENT_CATEGORY_SPIKE", "2026-06-01T09:02:00Z"),
        ("INCIDENT_IC_ESCALATION", "2026-06-01T09:06:00Z"),
        ("INCIDENT_COMPLETION_DROP", "2026-06-01T09:46:00Z"),
        // Open since the spike at 09:02: 61 min by 10:03.
        ("INCIDENT_EXEC_ESCALATION", "2026-06-01T10:03:00Z"),
        ("INCIDENT_REPEATED_COMPLAINTS", "2026-06-01T10:04:00Z"),
        // 7% is within 10%: no billing anomaly.
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(c, a)| ((*c).into(), (*a).into()))
        .collect();
    assert_eq!(codes, expected);
}

#[test]
fn incident_rejects_bad_events_with_file_line_column_and_field() {
    let users = r#"{"type":"users","at":"2026-06-01T00:00:00Z","total":100}"#;
    for (second, error) in [
        (
            r#"{"type":"completion_rate","at":"2026-06-01T00:01:00Z","rate":1.5}"#,
            "<stdin>:2:55: field `rate`: `1.5` is not a rate in 0.0..=1.0",
        ),
        (
            r#"{"type":"ticket","at":"2026-06-01T00:01:00Z","customer":"C"}"#,
            "<stdin>:2:60: field `category`: missing field `category`",
        ),
        (
            r#"{"type":"ticket","at":"soon","customer":"C","category":"x"}"#,
            "<stdin>:2:28: field `at`: failed to parse four digit integer as year: invalid digit, expected 0-9 but got s",
        ),
        (
            r#"{"type":"outage","at":"2026-06-01T00:01:00Z"}"#,
            "<stdin>:2:16: field `type`: unknown variant `outage`, expected one of `ticket`, `completion_rate`, `complaint`, `billing`, `users`, `impact`, `upstream`, `data_leak`",
        ),
        (r#"{"type":"users","#, "<stdin>:2:16: EOF while parsing a value"),
    ] {
        let dir = ScratchDir::new("cli-incident");
        let state = dir.join("never.json");
        let input = format!("{users}\n{second}\n{users}\n");
        let output = run(
            &["incident", "-", "--save-state", state.to_str().unwrap()],
            Some(&input),
        );
        assert_eq!(output.status.code(), Some(2), "{second}");
        assert_eq!(stderr(&output), format!("deskguard: error: {error}\n"));
        assert!(!state.exists(), "no state is saved after an error");
    }
    // Blank lines are skipped but still counted.
    let output = run(&["incident", "-"], Some("\n\n{}\n"));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "deskguard: error: <stdin>:3:2: field `type`: missing field `type`\n"
    );
}

#[test]
fn incident_rejects_bad_config_state_and_files_with_exit_2() {
    let dir = ScratchDir::new("cli-incident");
    let config = dir.write("bad-config.json", r#"{"complaint_runs": 3}"#);
    let config = config.to_str().unwrap();
    let output = run(&["incident", "--config", config, EVENTS], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with(&format!(
            "deskguard: error: {config}:1:17: field `complaint_runs`: unknown field `complaint_runs`, expected one of"
        )),
        "{}",
        stderr(&output)
    );
    let state = dir.write("bad-state.json", r#"{"version": 1}"#);
    let state = state.to_str().unwrap();
    let range = dir.write(
        "range-config.json",
        "{\n  \"complaint_run\": 3,\n  \"max_keys\": 0\n}\n",
    );
    let range = range.to_str().unwrap();
    for (option, file, error) in [
        ("--state", state, "1:14: missing field `config`"),
        // A value out of range is located as well.
        (
            "--config",
            range,
            "3:15: field `max_keys`: `0` is outside 1..=1000000",
        ),
    ] {
        let output = run(&["incident", option, file, EVENTS], None);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert_eq!(
            stderr(&output),
            format!("deskguard: error: {file}:{error}\n")
        );
    }
    let output = run(
        &["incident", "--state", state, "--config", config, EVENTS],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot be used with"),
        "{}",
        stderr(&output)
    );
    let output = run(&["incident", "no/such/events.jsonl"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("deskguard: error: no/such/events.jsonl: cannot read"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn notice_passes_the_playbooks_template() {
    let output = run(&["notice", NOTICE_GOOD], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "[]\n");
}

#[test]
fn notice_reports_missing_parts_and_do_not_rules_with_spans() {
    let output = run(&["notice", "--compact", NOTICE_BAD], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), fixture(NOTICE_BAD_EXPECTED));
    let violations: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
    let text = fixture(NOTICE_BAD);
    let found: Vec<(&str, &str)> = violations
        .iter()
        .map(|v| {
            let code = v["code"].as_str().unwrap();
            match v.get("span") {
                Some(span) => {
                    let start = span["start"].as_u64().unwrap() as usize;
                    let end = span["end"].as_u64().unwrap() as usize;
                    (code, &text[start..end])
                }
                None => (code, v["field"].as_str().unwrap()),
            }
        })
        .collect();
    assert_eq!(
        found,
        [
            ("NOTICE_PART_MISSING", "notice.current_status"),
            ("NOTICE_PART_MISSING", "notice.expected_restoration"),
            ("NOTICE_PART_MISSING", "notice.compensation"),
            ("NOTICE_PART_MISSING", "notice.next_update"),
            ("NOTICE_PART_MISSING", "notice.postmortem"),
            ("NOTICE_ABSOLUTE_PROMISE", "never happen again"),
            ("NOTICE_UPSTREAM_BLAME", "entirely caused by"),
            ("NOTICE_STATUS_NORMAL", "All systems are operational"),
            ("NOTICE_DEFENSIVE", "working as intended"),
            ("NOTICE_FIX_TIME_COMMITTED", "will be fixed by"),
        ]
    );
    // Compensation is asked for only "if applicable": a warning.
    assert_eq!(violations[2]["severity"], "warn");
    // Pretty by default: the same data over several lines.
    let pretty = run(&["notice", NOTICE_BAD], None);
    assert!(stdout(&pretty).lines().count() > 8);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&pretty)).unwrap(),
        Value::Array(violations)
    );
}

#[test]
fn notice_options_and_stdin() {
    let text = fixture(NOTICE_BAD);
    let codes = |args: &[&str]| -> Vec<String> {
        let output = run(args, Some(&text));
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let violations: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
        violations
            .iter()
            .filter(|v| v["code"] != "NOTICE_PART_MISSING")
            .map(|v| v["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        codes(&["notice", "-"]),
        [
            "NOTICE_ABSOLUTE_PROMISE",
            "NOTICE_UPSTREAM_BLAME",
            "NOTICE_STATUS_NORMAL",
            "NOTICE_DEFENSIVE",
            "NOTICE_FIX_TIME_COMMITTED"
        ]
    );
    assert_eq!(
        codes(&[
            "notice",
            "-",
            "--fix-time-confirmed",
            "--not-quality-incident"
        ]),
        [
            "NOTICE_ABSOLUTE_PROMISE",
            "NOTICE_UPSTREAM_BLAME",
            "NOTICE_DEFENSIVE"
        ]
    );
    let output = run(&["notice", "no/such/notice.txt"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("deskguard: error: no/such/notice.txt: cannot read"),
        "{}",
        stderr(&output)
    );
}
