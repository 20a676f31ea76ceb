#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Regression bar for contract loading and the tier computation: the 62 real contracts
//! of the public AgentAz registry (`../shared/agentaz-registry`, see its SOURCE.md).
//!
//! Every file must load and validate against the bundled schema, and the computed band
//! must agree with the declared trust level exactly where the registry's reference
//! computation agrees: 56 files, with the 6 named below differing in exactly the way
//! the reference reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use deskguard::contract::{Band, Contract, TrustLevel};

fn registry_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/agentaz-registry")
}

/// Every registry file, by slug, loaded.
fn load_all() -> BTreeMap<String, Contract> {
    let mut contracts = BTreeMap::new();
    let entries = std::fs::read_dir(registry_dir()).expect("registry directory");
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().and_then(|ext| ext.to_str()) != Some("json") {
            continue;
        }
        let slug = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let contract = Contract::from_json(&text)
            .map_err(|error| error.with_origin(path.display().to_string()))
            .unwrap_or_else(|error| panic!("{error}"));
        contracts.insert(slug, contract);
    }
    contracts
}

/// (slug, declared, computed, computable) for the six files the reference flags.
const DIFFERING: &[(&str, TrustLevel, Band, bool)] = &[
    ("access-request-handler", TrustLevel::A3, Band::Adv, false),
    ("incident-responder", TrustLevel::A4, Band::A3, true),
    ("issue-to-pr-planner", TrustLevel::A4, Band::A3, true),
    (
        "prior-auth-packet-assembler",
        TrustLevel::A3,
        Band::Adv,
        false,
    ),
    ("refund-returns-resolver", TrustLevel::A3, Band::Adv, false),
    (
        "transaction-dispute-agent",
        TrustLevel::A3,
        Band::Adv,
        false,
    ),
];

#[test]
fn all_62_registry_contracts_load_and_validate() {
    let contracts = load_all();
    assert_eq!(contracts.len(), 62);
    for (slug, contract) in &contracts {
        assert!(!contract.agent_id().is_empty(), "{slug}");
        assert!(contract.digest_source().is_object(), "{slug}");
    }
}

#[test]
fn tier_comparison_matches_the_reference_exactly() {
    let contracts = load_all();
    let mut agreeing = 0;
    for (slug, contract) in &contracts {
        let tier = contract.tier();
        assert_eq!(tier.declared, contract.trust_level(), "{slug}");
        match DIFFERING.iter().find(|(name, ..)| name == slug) {
            Some(&(_, declared, computed, computable)) => {
                assert!(!tier.agrees, "{slug} should differ: {tier:?}");
                assert_eq!(tier.declared, declared, "{slug}");
                assert_eq!(tier.computed, computed, "{slug}");
                assert_eq!(tier.computable, computable, "{slug}");
            }
            None => {
                assert!(tier.agrees, "{slug} should agree: {tier:?}");
                agreeing += 1;
            }
        }
    }
    assert_eq!(agreeing, 56);
}

#[test]
fn bands_over_the_registry() {
    // A fuller picture than agree/differ, so a change in any branch shows up here.
    let contracts = load_all();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for contract in contracts.values() {
        let tier = contract.tier();
        let key = format!(
            "{}->{}{}",
            tier.declared,
            tier.computed,
            if tier.computable { "" } else { "?" }
        );
        *counts.entry(key).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("A1->ADV?", 4),
        ("A2->ADV?", 48),
        ("A3->A3", 4),
        ("A3->ADV?", 4),
        ("A4->A3", 2),
    ]
    .into_iter()
    .map(|(key, count)| (key.to_owned(), count))
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn the_shipped_blueprint_contract_is_the_registry_file() {
    let shipped = Contract::embedded().unwrap();
    let text = std::fs::read_to_string(registry_dir().join("support-triage-router.json")).unwrap();
    let registry = Contract::from_json(&text).unwrap();
    assert_eq!(shipped.digest_source(), registry.digest_source());
}
