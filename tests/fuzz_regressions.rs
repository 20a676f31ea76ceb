#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Replays the committed fuzz seeds (`fuzz/seeds/*`) through the same invariants the
//! fuzz targets assert, so that CI exercises them without nightly or libFuzzer. The
//! three targets each ran 10 minutes (policy loading, request parsing and checking,
//! validate_reply and redact) without a crash; a crash found later gets its input
//! added to the seeds and a named test here.

use deskguard::validator::ReplyContext;
use deskguard::{Code, Engine, Policy, Request};

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = format!("{}/fuzz/seeds/{target}", env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn validate_reply_seeds_keep_spans_in_bounds() {
    let engine = Engine::with_defaults().unwrap();
    let billing = ReplyContext::from_json(include_str!(
        "../policies/examples/02-duplicate-charge-refund.json"
    ))
    .unwrap();
    let seeds = seeds("validate_reply");
    assert!(!seeds.is_empty());
    for data in seeds {
        let Some((&mode, rest)) = data.split_first() else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            continue;
        };
        let (reply, context) = match mode % 3 {
            0 => (text, ReplyContext::default()),
            1 => (text, billing.clone()),
            _ => match text.split_once('\0') {
                Some((json, reply)) => (reply, ReplyContext::from_json(json).unwrap_or_default()),
                None => (text, ReplyContext::default()),
            },
        };
        let report = engine.validate_reply(reply, &context);
        for violation in &report.violations {
            if let (Some(span), Some("customer_reply")) =
                (violation.span, violation.field.as_deref())
            {
                assert!(span.end <= reply.len() && reply.is_char_boundary(span.start));
                assert!(reply.is_char_boundary(span.end));
            }
        }
        let redaction = engine.redact(reply);
        if redaction.spans.is_empty() {
            assert_eq!(redaction.redacted, reply);
        }
    }
}

#[test]
fn request_seeds_check_without_internal_errors() {
    let engine = Engine::with_defaults().unwrap();
    for data in seeds("request") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let verdict = engine.check_json(text);
        assert!(!verdict.has_violation(Code::InternalError), "{text}");
        if let Ok(request) = Request::from_json(text) {
            assert_eq!(engine.check(&request), verdict);
        }
    }
}

#[test]
fn policy_seeds_load_or_fail_cleanly() {
    for data in seeds("policy") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        if let Ok(policy) = Policy::from_yaml(text) {
            if let Ok(engine) = Engine::builder().policy(policy).build() {
                let verdict = engine.check_json(include_str!(
                    "../policies/examples/02-duplicate-charge-refund.json"
                ));
                assert!(!verdict.has_violation(Code::InternalError));
            }
        }
    }
}
