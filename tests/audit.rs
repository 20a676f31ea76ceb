//! The audit chain: every tampering is found, at the right record.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failure should stop the test"
)]

use deskguard::audit::{verify_chain, AuditRecord, ChainFault, GENESIS};
use deskguard::{Engine, Request};

fn chain(length: usize) -> Vec<AuditRecord> {
    let engine = Engine::with_defaults().unwrap();
    let names = [
        "01-how-to-2fa",
        "02-duplicate-charge-refund",
        "03-enterprise-churn-data-loss",
    ];
    let mut records: Vec<AuditRecord> = Vec::new();
    for index in 0..length {
        let path = format!(
            "{}/policies/examples/{}.json",
            env!("CARGO_MANIFEST_DIR"),
            names[index % names.len()]
        );
        let request = Request::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
        let verdict = engine.check(&request);
        let record = engine.audit_record(&request, &verdict, records.last());
        records.push(record);
    }
    records
}

fn fault(records: &[AuditRecord]) -> (Option<usize>, Option<ChainFault>) {
    let report = verify_chain(records);
    assert_eq!(report.ok, report.first_bad_index.is_none());
    (report.first_bad_index, report.fault)
}

#[test]
fn an_untouched_chain_verifies() {
    let records = chain(6);
    assert_eq!(records[0].prev, GENESIS);
    assert_eq!(records[3].prev, records[2].hash);
    assert_eq!(records[5].seq, 5);
    assert_eq!(
        records[1].routing.decision,
        deskguard::DecisionKind::Escalate
    );
    assert_eq!(records[1].blocked, ["refund_issue:TOOL_NEVER_EMIT"]);
    let report = verify_chain(&records);
    assert!(report.ok);
    assert_eq!(report.records, 6);
    assert_eq!(fault(&[]), (None, None));
}

/// The blueprint: log every decision with its retrieved sources and confidence.
#[test]
fn records_carry_the_retrieved_sources_and_confidence() {
    let records = chain(3);
    let sources = |record: &AuditRecord| -> Vec<(String, Option<f64>)> {
        record
            .sources
            .iter()
            .map(|source| (source.id.clone(), source.score))
            .collect()
    };
    assert_eq!(sources(&records[0]), [("KB-118".to_string(), Some(0.91))]);
    assert_eq!(records[0].grounded, Some(true));
    assert_eq!(records[0].classification.confidence, Some(0.93));
    // The enterprise example retrieved one weak document and said it was not grounded.
    assert_eq!(sources(&records[2]), [("KB-310".to_string(), Some(0.31))]);
    assert_eq!(records[2].grounded, Some(false));

    // A record from before sources were logged has neither field, and still verifies.
    let mut old = records[0].clone();
    old.sources.clear();
    old.grounded = None;
    old.hash = old.compute_hash();
    let json = serde_json::to_string(&old).unwrap();
    assert!(
        !json.contains("sources") && !json.contains("grounded"),
        "{json}"
    );
    let read: AuditRecord = serde_json::from_str(&json).unwrap();
    assert!(verify_chain(&[read]).ok);
}

#[test]
fn records_are_deterministic_and_carry_rule_digests() {
    let a = chain(3);
    let b = chain(3);
    assert_eq!(a, b);
    assert_eq!(a[0].policy_digest.len(), 64);
    assert_ne!(a[0].policy_digest, a[0].contract_digest);
    let auto = Engine::builder()
        .mode(deskguard::Mode::Auto)
        .build()
        .unwrap();
    assert_ne!(
        auto.policy_digest(),
        Engine::with_defaults().unwrap().policy_digest(),
        "the mode changes outcomes, so it changes the digest"
    );
}

#[test]
fn a_changed_record_is_found() {
    let mut records = chain(5);
    records[2].routing.queue = "general_support".into();
    assert_eq!(fault(&records), (Some(2), Some(ChainFault::HashMismatch)));
}

#[test]
fn a_changed_and_rehashed_record_breaks_the_next_link() {
    let mut records = chain(5);
    records[2].draft = Some("a friendlier rewrite".into());
    records[2].hash = records[2].compute_hash();
    assert_eq!(fault(&records), (Some(3), Some(ChainFault::BrokenLink)));
}

#[test]
fn a_deleted_record_is_found() {
    let mut records = chain(5);
    records.remove(2);
    assert_eq!(fault(&records), (Some(2), Some(ChainFault::BrokenLink)));
    let mut records = chain(5);
    records.remove(0);
    assert_eq!(fault(&records), (Some(0), Some(ChainFault::BadGenesis)));
}

#[test]
fn reordered_records_are_found() {
    let mut records = chain(5);
    records.swap(1, 3);
    assert_eq!(fault(&records), (Some(1), Some(ChainFault::BrokenLink)));
}

#[test]
fn an_inserted_record_is_found() {
    let mut records = chain(5);
    let forged = records[1].clone();
    records.insert(2, forged);
    assert_eq!(fault(&records), (Some(2), Some(ChainFault::BrokenLink)));
}

#[test]
fn the_audit_log_keeps_no_card_number() {
    let engine = Engine::with_defaults().unwrap();
    let path = format!(
        "{}/policies/examples/07-pii-in-reply.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let request = Request::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let verdict = engine.check(&request);
    let record = engine.audit_record(&request, &verdict, None);
    let draft = record.draft.unwrap();
    assert!(!draft.contains("4242 4242 4242 4242"), "{draft}");
    assert!(draft.contains("•••• •••• •••• 4242"), "{draft}");
}

#[test]
fn the_hash_covers_canonical_json() {
    let records = chain(1);
    let json = serde_json::to_string(&records[0]).unwrap();
    let back: AuditRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back.compute_hash(), records[0].hash);
}
