#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The validator's labeled corpus: every case in `tests/corpus/*.json` (written by
//! `tests/corpus/gen.py`) is a reply with its exact expected violations. Within its
//! file's scope of codes, a case passes when the validator reports exactly the
//! expected codes at exactly the expected byte spans (and kinds, when given). Cases
//! marked `xfail` (with a reason) are known misses: they are counted in the figures
//! but do not fail the run; one that starts passing is reported.
//!
//! Every case is also validated against a context prepared once
//! ([`deskguard::PreparedReplyContext`]), which must give the very same report.
//!
//! The run prints precision and recall per code, over (code, span) pairs, and holds
//! the bar the issue sets: ≥ 0.99 precision and recall for `PII_CARD`, `PII_SSN` and
//! `PII_IBAN`; for `UNGROUNDED_CLAIM` ≥ 0.95 recall and at most 2% false flags (false
//! positives over all flags).

use std::collections::BTreeMap;

use deskguard::{Code, Engine, ReplyContext, Span};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    scope: Vec<String>,
    contexts: BTreeMap<String, serde_json::Value>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    text: String,
    expect: Vec<Expected>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    turn: Option<u32>,
    #[serde(default)]
    xfail: Option<String>,
}

#[derive(Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Expected {
    code: String,
    span: Option<[usize; 2]>,
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Default)]
struct Tally {
    tp: usize,
    fp: usize,
    fn_: usize,
}

#[test]
fn corpus() {
    let engine = Engine::with_defaults().unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut xfails = 0;
    for path in &paths {
        let file: File = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for case in &file.cases {
            cases += 1;
            let mut context: ReplyContext = match &case.context {
                Some(name) => serde_json::from_value(file.contexts[name].clone())
                    .unwrap_or_else(|e| panic!("context `{name}`: {e}")),
                None => ReplyContext::default(),
            };
            context.turn = case.turn;
            let report = engine.validate_reply(&case.text, &context);
            // A context prepared once must give the very same report.
            let prepared = engine.prepare_reply_context(context.clone());
            assert_eq!(
                serde_json::to_value(prepared.validate_reply(&case.text)).unwrap(),
                serde_json::to_value(&report).unwrap(),
                "{}: prepared context",
                case.name
            );
            let mut got: Vec<Expected> = report
                .violations
                .iter()
                .filter(|v| file.scope.iter().any(|c| c == v.code.as_str()))
                .map(|v| Expected {
                    code: v.code.as_str().to_string(),
                    span: v.span.map(|Span { start, end }| [start, end]),
                    kind: v.kind.clone(),
                })
                .collect();
            let mut want = case.expect.clone();
            // Kinds are compared only where the case names one.
            for g in &mut got {
                let named = want
                    .iter()
                    .any(|w| w.code == g.code && w.span == g.span && w.kind.is_some());
                if !named {
                    g.kind = None;
                }
            }
            got.sort();
            want.sort();
            for w in &want {
                let t = tallies.entry(w.code.clone()).or_default();
                if got.contains(w) {
                    t.tp += 1;
                } else {
                    t.fn_ += 1;
                }
            }
            for g in &got {
                if !want.contains(g) {
                    tallies.entry(g.code.clone()).or_default().fp += 1;
                }
            }
            let pass = got == want;
            match (&case.xfail, pass) {
                (Some(_), true) => println!("XPASS {}: remove its xfail", case.name),
                (Some(reason), false) => {
                    xfails += 1;
                    println!("xfail {}: {reason}", case.name);
                }
                (None, false) => failures.push(format!(
                    "{} ({}): expected {:?}, got {:?}\n    text: {:?}\n    got: {}",
                    case.name,
                    path.file_name().unwrap().to_string_lossy(),
                    want,
                    got,
                    case.text,
                    got.iter()
                        .filter_map(|g| g.span.map(|[s, e]| format!(
                            "{} {:?}",
                            g.code,
                            &case.text[s..e]
                        )))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                (None, true) => {}
            }
        }
    }
    println!("\n{cases} cases ({xfails} xfail) in {} files", paths.len());
    println!(
        "{:<26} {:>5} {:>5} {:>5} {:>9} {:>7}",
        "code", "tp", "fp", "fn", "precision", "recall"
    );
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    for (code, t) in &tallies {
        println!(
            "{:<26} {:>5} {:>5} {:>5} {:>9.3} {:>7.3}",
            code,
            t.tp,
            t.fp,
            t.fn_,
            ratio(t.tp, t.tp + t.fp),
            ratio(t.tp, t.tp + t.fn_)
        );
    }
    assert!(
        cases >= 300,
        "the corpus must hold at least 300 cases, has {cases}"
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for code in [Code::PiiCard, Code::PiiSsn, Code::PiiIban] {
        let t = &tallies[code.as_str()];
        assert!(ratio(t.tp, t.tp + t.fp) >= 0.99, "{code} precision");
        assert!(ratio(t.tp, t.tp + t.fn_) >= 0.99, "{code} recall");
    }
    let t = &tallies[Code::UngroundedClaim.as_str()];
    assert!(ratio(t.tp, t.tp + t.fn_) >= 0.95, "UNGROUNDED_CLAIM recall");
    assert!(
        ratio(t.fp, t.tp + t.fp) <= 0.02,
        "UNGROUNDED_CLAIM false flags"
    );
}
