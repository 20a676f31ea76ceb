#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The `deskguard` binary, run as a user would.
//!
//! Exit codes: `0` when the command did its job (whatever the verdict, and lint with
//! only warnings), `1` for lint warnings under `--deny-warnings`, `2` for unreadable or
//! invalid input, with one line on stderr that names the file, `line:column` and field.
//! Bad input never produces a panic or a backtrace (`RUST_BACKTRACE=1` is set so that
//! one would show).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::TempFile;
use deskguard::{Contract, Engine, Mode, Request};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_deskguard");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const EXAMPLES: [&str; 3] = [
    "policies/examples/01-how-to-2fa.json",
    "policies/examples/02-duplicate-charge-refund.json",
    "policies/examples/03-enterprise-churn-data-loss.json",
];
const A3: &str = "policies/resolution-agent.agentaz.json";

fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .env("RUST_BACKTRACE", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
        "deskguard {args:?} panicked:\n{stderr}"
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// A failure: exit 2, nothing on stdout, exactly `deskguard: error: {line}\n` on stderr.
#[track_caller]
fn assert_fails(output: &Output, line: &str) {
    assert_exit(output, 2);
    assert_eq!(stdout(output), "");
    assert_eq!(stderr(output), format!("deskguard: error: {line}\n"));
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap()
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).unwrap();
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

fn verdict_json(output: &Output) -> Value {
    assert_exit(output, 0);
    assert_eq!(stderr(output), "");
    serde_json::from_str(&stdout(output)).unwrap()
}

/// The verdict the library gives for the same request: the CLI must print exactly it.
fn library_verdict(example: &str, contract: Option<&str>, mode: Option<Mode>) -> Value {
    let mut builder = Engine::builder();
    if let Some(path) = contract {
        builder = builder.contract(Contract::from_json(&read(path)).unwrap());
    }
    if let Some(mode) = mode {
        builder = builder.mode(mode);
    }
    let engine = builder.build().unwrap();
    let request = Request::from_json(&read(example)).unwrap();
    serde_json::to_value(engine.check(&request)).unwrap()
}

// ---------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------

#[test]
fn check_examples_on_the_embedded_defaults() {
    for (example, decision) in EXAMPLES.iter().zip(["DRAFT", "ESCALATE", "ESCALATE"]) {
        let verdict = verdict_json(&run(&["check", example]));
        assert_eq!(verdict["decision"], decision, "{example}");
        assert_eq!(verdict, library_verdict(example, None, None), "{example}");
    }
}

#[test]
fn check_examples_under_the_resolution_contract_in_auto_mode() {
    for (example, decision) in EXAMPLES.iter().zip(["AUTO_RESOLVE", "DRAFT", "ESCALATE"]) {
        let verdict = verdict_json(&run(&[
            "check",
            "--mode",
            "auto",
            "--contract",
            A3,
            example,
        ]));
        assert_eq!(verdict["decision"], decision, "{example}");
        assert_eq!(
            verdict,
            library_verdict(example, Some(A3), Some(Mode::Auto)),
            "{example}"
        );
    }
    let verdict = verdict_json(&run(&[
        "check",
        "--mode",
        "auto",
        "--contract",
        A3,
        EXAMPLES[1],
    ]));
    assert_eq!(verdict["allowed"][0]["tool"], "refund_issue");
    assert_eq!(verdict["allowed"][0]["mode"], "requires_approval");
}

#[test]
fn check_with_an_explicit_policy_file_and_suggest_mode() {
    let verdict = verdict_json(&run(&[
        "check",
        "--policy",
        "policies/support-agent.yaml",
        "--contract",
        A3,
        "--mode",
        "suggest",
        EXAMPLES[0],
    ]));
    assert_eq!(verdict["decision"], "DRAFT");
    assert_eq!(verdict["violations"][0]["code"], "MODE_SUGGEST");
    assert_eq!(
        verdict,
        library_verdict(EXAMPLES[0], Some(A3), Some(Mode::Suggest))
    );
}

#[test]
fn check_reads_standard_input() {
    let output = run_with_stdin(&["check", "-"], Some(&read(EXAMPLES[2])));
    let verdict = verdict_json(&output);
    assert_eq!(verdict["decision"], "ESCALATE");
    assert_eq!(verdict, library_verdict(EXAMPLES[2], None, None));
}

#[test]
fn check_compact_prints_one_line() {
    let output = run(&["check", "--compact", EXAMPLES[0]]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1);
    let verdict: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(verdict, library_verdict(EXAMPLES[0], None, None));
}

#[test]
fn check_fails_closed_on_a_request_without_a_decision() {
    // A readable request is a job done (exit 0), even if it escalates.
    let verdict = verdict_json(&run_with_stdin(
        &["check", "-"],
        Some(r#"{"ticket": {"customer": {"verified": true}}}"#),
    ));
    assert_eq!(verdict["decision"], "ESCALATE");
    assert_eq!(verdict["violations"][0]["code"], "DECISION_SCHEMA");
}

#[test]
fn unreadable_request_file() {
    let missing = std::env::temp_dir().join(format!(
        "deskguard-cli-{}-does-not-exist.json",
        std::process::id()
    ));
    let missing = missing.to_str().unwrap();
    assert_fails(
        &run(&["check", missing]),
        &format!("{missing}: cannot read: No such file or directory (os error 2)"),
    );
    let dir = std::env::temp_dir();
    let dir = dir.to_str().unwrap();
    assert_fails(
        &run(&["check", dir]),
        &format!("{dir}: cannot read: Is a directory (os error 21)"),
    );
    let binary = TempFile::new("binary.json", b"\xff\xfe{");
    assert_fails(
        &run(&["check", binary.path()]),
        &format!(
            "{}: cannot read: stream did not contain valid UTF-8",
            binary.path()
        ),
    );
}

#[test]
fn malformed_request_names_file_line_column_and_field() {
    for (name, text, expected) in [
        (
            "request.json",
            "{\n  \"ticket\": {\n    \"turn\": \"two\"\n  }\n}\n",
            "3:17: field `ticket.turn`: invalid type: string \"two\", expected a whole number",
        ),
        ("syntax.json", "{\"ticket\": ", "1:11: EOF while parsing a value"),
        (
            // A value that reads but is out of range is located too.
            "range.json",
            "{\n  \"context\": {\"orders\": [\n    {\"txn_id\": \"A\", \"amount_usd\": 5},\n    {\"txn_id\": \"B\", \"amount_usd\": -5}\n  ]}\n}\n",
            "4:35: field `context.orders[1].amount_usd`: `-5` is not a non-negative amount",
        ),
    ] {
        let file = TempFile::new(name, text.as_bytes());
        assert_fails(
            &run(&["check", file.path()]),
            &format!("{}:{expected}", file.path()),
        );
    }
    assert_fails(
        &run_with_stdin(&["check", "-"], Some("{\"ticket\": 5}")),
        "<stdin>:1:12: field `ticket`: invalid type: integer `5`, expected a mapping",
    );
    assert_fails(
        &run_with_stdin(&["check", "-"], Some(r#"{"now": "soon"}"#)),
        "<stdin>:1:9: field `now`: `soon` is not an RFC 3339 time such as `2026-06-03T10:00:00Z`",
    );
}

#[test]
fn malformed_policy_yaml_names_file_line_column_and_field() {
    let yaml = read("policies/support-agent.yaml").replacen("draft: 0.60", "draft: \"high\"", 1);
    let (line, column) = position(&yaml, "\"high\"");
    let file = TempFile::new("policy.yaml", yaml.as_bytes());
    assert_fails(
        &run(&["check", "--policy", file.path(), EXAMPLES[0]]),
        &format!(
            "{}:{line}:{column}: field `thresholds.draft`: invalid type: string \"high\", expected a number",
            file.path()
        ),
    );
    // An out-of-range value is located too.
    let yaml = read("policies/support-agent.yaml").replacen("draft: 0.60", "draft: 0.95", 1);
    let (line, column) = position(&yaml, "0.95");
    let file = TempFile::new("policy-range.yaml", yaml.as_bytes());
    assert_fails(
        &run(&["check", "--policy", file.path(), EXAMPLES[0]]),
        &format!(
            "{}:{line}:{column}: field `thresholds.draft`: the draft threshold `0.95` is above the auto_resolve threshold `0.85`",
            file.path()
        ),
    );
    // Not YAML at all.
    let file = TempFile::new("tab.yaml", b"version: 1\nthresholds:\n\tdraft: 0.6\n");
    assert_fails(
        &run(&["check", "--policy", file.path(), EXAMPLES[0]]),
        &format!(
            "{}:3:2: tabs disallowed within this context (block indentation)",
            file.path()
        ),
    );
}

#[test]
fn bad_contract_names_file_line_column_and_field() {
    let json = read(A3).replacen("\"trust_level\": \"A3\"", "\"trust_level\": \"A9\"", 1);
    let (line, column) = position(&json, "\"A9\"");
    let file = TempFile::new("contract.agentaz.json", json.as_bytes());
    assert_fails(
        &run(&["check", "--contract", file.path(), EXAMPLES[0]]),
        &format!(
            "{}:{line}:{column}: field `trust_level`: `\"A9\"` is not one of \"A0\", \"A1\", \"A2\", \"A3\", \"A4\", \"A5\"",
            file.path()
        ),
    );
    let file = TempFile::new("contract-syntax.json", b"{\"agent_id\": ");
    assert_fails(
        &run(&["check", "--contract", file.path(), EXAMPLES[0]]),
        &format!("{}:1:13: EOF while parsing a value", file.path()),
    );
}

#[test]
fn bad_options_exit_2_without_a_panic() {
    let output = run(&["check", "--mode", "sometimes", EXAMPLES[0]]);
    assert_exit(&output, 2);
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).starts_with("error: invalid value 'sometimes' for '--mode <MODE>'"));
    let output = run(&["lint"]);
    assert_exit(&output, 2);
    assert_exit(&run(&["check"]), 2);
}

/// Regression guard for the CLI's output path: a reader that goes away early (as with
/// `deskguard check … | head -1`) must not make `deskguard` panic.
#[test]
fn closed_stdout_is_not_a_panic() {
    let mut child = Command::new(BIN)
        .args(["check", EXAMPLES[0]])
        .current_dir(ROOT)
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ---------------------------------------------------------------------------------
// lint
// ---------------------------------------------------------------------------------

#[test]
fn lint_shipped_files_is_clean() {
    let output = run(&[
        "lint",
        "policies/support-agent.yaml",
        "policies/agentaz.json",
        A3,
    ]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        "policies/agentaz.json: contract declares A2, computes band ADV (not computable)\n\
         policies/resolution-agent.agentaz.json: contract declares A3, computes band A3\n"
    );
    assert_eq!(stderr(&output), "");
}

#[test]
fn lint_text_output_is_file_line_col_severity_code_message() {
    let yaml = read("policies/support-agent.yaml").replacen("draft: 0.60", "draft: \"high\"", 1);
    let (yaml_line, yaml_column) = position(&yaml, "\"high\"");
    let policy = TempFile::new("lint.yaml", yaml.as_bytes());
    let json = read(A3).replacen("\"trust_level\": \"A3\"", "\"trust_level\": \"A9\"", 1);
    let (json_line, json_column) = position(&json, "\"A9\"");
    let contract = TempFile::new("lint.agentaz.json", json.as_bytes());
    let output = run(&["lint", policy.path(), contract.path()]);
    assert_exit(&output, 2);
    assert_eq!(
        stdout(&output),
        format!(
            "{}:{yaml_line}:{yaml_column}: error POLICY_INVALID field `thresholds.draft`: invalid type: string \"high\", expected a number\n\
             {}:{json_line}:{json_column}: error CONTRACT_SCHEMA field `trust_level`: `\"A9\"` is not one of \"A0\", \"A1\", \"A2\", \"A3\", \"A4\", \"A5\"\n",
            policy.path(),
            contract.path()
        )
    );
    assert_eq!(stderr(&output), "");
}

#[test]
fn lint_warnings_exit_0_or_1_with_deny_warnings() {
    let json = read(A3).replacen("\"trust_level\": \"A3\"", "\"trust_level\": \"A2\"", 1);
    let (line, column) = position(&json, "\"A2\"");
    let contract = TempFile::new("under.agentaz.json", json.as_bytes());
    let expected = format!(
        "{path}:{line}:{column}: warning TIER_MISMATCH declared trust level `A2` compares as band `ADV`, but the tool boundary computes band `A3`\n\
         {path}: contract declares A2, computes band A3\n",
        path = contract.path()
    );
    let output = run(&["lint", contract.path()]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), expected);
    let output = run(&["lint", "--deny-warnings", contract.path()]);
    assert_exit(&output, 1);
    assert_eq!(stdout(&output), expected);

    let yaml = read("policies/support-agent.yaml").replacen(
        "      threshold_usd: 500",
        "      threshold_usd: 400",
        1,
    );
    let (line, column) = position(&yaml, "400");
    let policy = TempFile::new("warn.yaml", yaml.as_bytes());
    let output = run(&["lint", policy.path()]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        format!(
            "{}:{line}:{column}: warning POLICY_INCONSISTENT the handler's threshold of 400 USD differs from financial.payment_dispute_threshold_usd (500 USD), which is the one enforced\n",
            policy.path()
        )
    );
}

#[test]
fn lint_json_fields() {
    let yaml = read("policies/support-agent.yaml").replacen("draft: 0.60", "draft: \"high\"", 1);
    let (line, column) = position(&yaml, "\"high\"");
    let policy = TempFile::new("lint-json.yaml", yaml.as_bytes());
    let json = read(A3).replacen("\"trust_level\": \"A3\"", "\"trust_level\": \"A2\"", 1);
    let contract = TempFile::new("lint-json.agentaz.json", json.as_bytes());
    let output = run(&[
        "lint",
        "--json",
        "policies/agentaz.json",
        contract.path(),
        policy.path(),
    ]);
    assert_exit(&output, 2);
    assert_eq!(stderr(&output), "");
    let reports: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 3);

    let keys = |value: &Value| {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let contract_keys = [
        "computable",
        "computed_band",
        "declared_trust_level",
        "diagnostics",
        "file",
        "kind",
        "ok",
    ];
    assert_eq!(keys(&reports[0]), contract_keys);
    assert_eq!(reports[0]["file"], "policies/agentaz.json");
    assert_eq!(reports[0]["kind"], "contract");
    assert_eq!(reports[0]["ok"], true);
    assert_eq!(reports[0]["diagnostics"], serde_json::json!([]));
    assert_eq!(reports[0]["declared_trust_level"], "A2");
    assert_eq!(reports[0]["computed_band"], "ADV");
    assert_eq!(reports[0]["computable"], false);

    assert_eq!(keys(&reports[1]), contract_keys);
    assert_eq!(reports[1]["file"], contract.path());
    assert_eq!(reports[1]["ok"], true);
    assert_eq!(reports[1]["declared_trust_level"], "A2");
    assert_eq!(reports[1]["computed_band"], "A3");
    assert_eq!(reports[1]["computable"], true);
    let warning = &reports[1]["diagnostics"][0];
    assert_eq!(warning["severity"], "warning");
    assert_eq!(warning["code"], "TIER_MISMATCH");
    let (w_line, w_column) = position(&json, "\"A2\"");
    assert_eq!(warning["line"], w_line);
    assert_eq!(warning["column"], w_column);

    // A policy has no tier: only the document fields.
    let report = &reports[2];
    for key in ["file", "kind", "ok", "diagnostics"] {
        assert!(report.get(key).is_some(), "{key} missing in {report}");
    }
    assert_eq!(report["file"], policy.path());
    assert_eq!(report["kind"], "policy");
    assert_eq!(report["ok"], false);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1);
    let error = &diagnostics[0];
    for key in ["severity", "code", "message", "line", "column"] {
        assert!(error.get(key).is_some(), "{key} missing in {error}");
    }
    assert_eq!(error["severity"], "error");
    assert_eq!(error["code"], "POLICY_INVALID");
    assert_eq!(
        error["message"],
        "field `thresholds.draft`: invalid type: string \"high\", expected a number"
    );
    assert_eq!(error["line"], line);
    assert_eq!(error["column"], column);
}

#[test]
fn lint_unreadable_file_exits_2() {
    let missing =
        std::env::temp_dir().join(format!("deskguard-cli-{}-missing.yaml", std::process::id()));
    let missing = missing.to_str().unwrap();
    assert_fails(
        &run(&["lint", missing]),
        &format!("{missing}: cannot read: No such file or directory (os error 2)"),
    );
}
