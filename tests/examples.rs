//! The blueprint's three examples, checked end to end under both shipped contracts.
//!
//! Under the blueprint's own A2 contract (drafts only) they must give DRAFT (the send
//! downgraded), ESCALATE (the refund blocked), ESCALATE; under the A3 resolution-agent
//! contract in auto mode: AUTO_RESOLVE, DRAFT with the refund awaiting approval,
//! ESCALATE.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failure should stop the test"
)]

use deskguard::{
    ActionMode, Code, Contract, DecisionKind, Engine, Mode, Priority, Request, Span, Trigger,
    Verdict,
};

fn request(name: &str) -> Request {
    let path = format!(
        "{}/policies/examples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    Request::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn a2() -> Engine {
    Engine::with_defaults().unwrap()
}

fn a3_auto() -> Engine {
    let text = std::fs::read_to_string(format!(
        "{}/policies/resolution-agent.agentaz.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    Engine::builder()
        .contract(Contract::from_json(&text).unwrap())
        .mode(Mode::Auto)
        .build()
        .unwrap()
}

fn codes(verdict: &Verdict) -> Vec<Code> {
    verdict.violations.iter().map(|v| v.code).collect()
}

fn allowed(verdict: &Verdict) -> Vec<(&str, ActionMode)> {
    verdict
        .allowed
        .iter()
        .map(|a| (a.tool.as_str(), a.mode))
        .collect()
}

#[test]
fn how_to_under_a2_is_a_draft_because_the_contract_cannot_send() {
    let verdict = a2().check(&request("01-how-to-2fa"));
    assert_eq!(verdict.decision, DecisionKind::Draft);
    assert_eq!(verdict.proposed, Some(DecisionKind::AutoResolve));
    assert!(verdict.downgraded);
    assert_eq!(
        codes(&verdict),
        [
            Code::ModeSuggest,
            Code::SendNotAuthorized,
            Code::CloseNotAuthorized
        ]
    );
    assert_eq!(
        allowed(&verdict),
        [
            ("send_reply", ActionMode::Execute),
            ("ticket_update", ActionMode::Execute)
        ]
    );
    // The send is withheld and rewritten into a draft; the close loses its status.
    assert_eq!(verdict.allowed[0].args["mode"], "draft");
    assert!(!verdict.allowed[1].args.contains_key("status"));
    assert_eq!(
        verdict.allowed[1].args["tags"],
        serde_json::json!(["security", "2fa", "auto_resolved"])
    );
    assert!(verdict.blocked.is_empty());
    assert!(!verdict.escalation.needed);
    assert_eq!(verdict.escalation.queue, "");
    assert!(verdict.escalation.triggers.is_empty());
    assert_eq!(verdict.cost.usd, 0.04);
    assert_eq!(verdict.cost.limit_usd, Some(0.22));
    assert!(!verdict.cost.alert);
}

#[test]
fn refund_under_a2_escalates_because_refunds_are_never_emitted() {
    let verdict = a2().check(&request("02-duplicate-charge-refund"));
    assert_eq!(verdict.decision, DecisionKind::Escalate);
    assert_eq!(verdict.proposed, Some(DecisionKind::Draft));
    assert!(verdict.downgraded);
    assert_eq!(verdict.blocked.len(), 1);
    assert_eq!(verdict.blocked[0].tool, "refund_issue");
    assert_eq!(verdict.blocked[0].code, Code::ToolNeverEmit);
    assert_eq!(
        verdict.blocked[0].message,
        "the contract never emits `refund`, which covers `refund_issue`"
    );
    assert_eq!(codes(&verdict), [Code::ToolNeverEmit]);
    assert_eq!(
        verdict.violations[0].field.as_deref(),
        Some("decision.actions[0]")
    );
    assert_eq!(allowed(&verdict), [("send_reply", ActionMode::Execute)]);
    assert!(verdict.escalation.needed);
    assert_eq!(verdict.escalation.queue, "billing");
    assert_eq!(verdict.escalation.priority, Priority::Medium);
}

fn assert_enterprise_escalation(verdict: &Verdict) {
    assert_eq!(verdict.decision, DecisionKind::Escalate);
    assert_eq!(verdict.proposed, Some(DecisionKind::Escalate));
    assert!(!verdict.downgraded);
    assert_eq!(
        codes(verdict),
        [Code::NotGrounded, Code::ConfidenceBelowDraft]
    );
    assert_eq!(
        verdict.escalation.triggers,
        [
            Trigger::EnterpriseAccount,
            Trigger::ChurnThreat,
            Trigger::DataLossClaim,
            Trigger::NegativeSentiment,
            Trigger::UrgentTicket,
            Trigger::Ungrounded
        ]
    );
    assert!(verdict.escalation.needed);
    assert_eq!(verdict.escalation.queue, "tier2_enterprise");
    assert_eq!(verdict.escalation.priority, Priority::High);
    // Textual triggers point at the words that fired them.
    let churn = verdict
        .escalation
        .details
        .iter()
        .find(|hit| hit.trigger == Trigger::ChurnThreat)
        .unwrap();
    assert_eq!(churn.field.as_deref(), Some("ticket.subject"));
    assert_eq!(churn.span, Some(Span::new(32, 42)));
    let subject = "URGENT — our data is GONE and we're done";
    assert_eq!(&subject[32..42], "we're done");
    let data_loss = verdict
        .escalation
        .details
        .iter()
        .find(|hit| hit.trigger == Trigger::DataLossClaim)
        .unwrap();
    assert_eq!(data_loss.field.as_deref(), Some("ticket.subject"));
    assert_eq!(
        &subject[data_loss.span.unwrap().start..data_loss.span.unwrap().end],
        "data is GONE"
    );
    assert_eq!(
        allowed(verdict),
        [
            ("escalate_to_human", ActionMode::Execute),
            ("ticket_update", ActionMode::Execute)
        ]
    );
}

#[test]
fn enterprise_churn_escalates_under_a2() {
    assert_enterprise_escalation(&a2().check(&request("03-enterprise-churn-data-loss")));
}

#[test]
fn how_to_under_a3_in_auto_mode_auto_resolves() {
    let verdict = a3_auto().check(&request("01-how-to-2fa"));
    assert_eq!(verdict.decision, DecisionKind::AutoResolve);
    assert!(!verdict.downgraded);
    assert!(verdict.violations.is_empty(), "{:?}", verdict.violations);
    assert_eq!(
        allowed(&verdict),
        [
            ("send_reply", ActionMode::Execute),
            ("ticket_update", ActionMode::Execute)
        ]
    );
    assert_eq!(verdict.allowed[0].args["mode"], "send");
    assert_eq!(verdict.allowed[1].args["status"], "solved");
    assert_eq!(verdict.cost.limit_usd, Some(0.4));
}

#[test]
fn refund_under_a3_in_auto_mode_is_drafted_for_approval() {
    let verdict = a3_auto().check(&request("02-duplicate-charge-refund"));
    assert_eq!(verdict.decision, DecisionKind::Draft);
    assert!(!verdict.downgraded);
    assert!(verdict.violations.is_empty(), "{:?}", verdict.violations);
    assert!(verdict.blocked.is_empty());
    assert_eq!(
        allowed(&verdict),
        [
            ("refund_issue", ActionMode::RequiresApproval),
            ("send_reply", ActionMode::Execute)
        ]
    );
    assert_eq!(verdict.escalation.priority, Priority::Medium);
}

#[test]
fn enterprise_churn_escalates_under_a3() {
    assert_enterprise_escalation(&a3_auto().check(&request("03-enterprise-churn-data-loss")));
}

#[test]
fn how_to_under_a3_in_suggest_mode_is_a_draft() {
    let text = std::fs::read_to_string(format!(
        "{}/policies/resolution-agent.agentaz.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let engine = Engine::builder().contract_json(text).build().unwrap();
    let verdict = engine.check(&request("01-how-to-2fa"));
    assert_eq!(verdict.decision, DecisionKind::Draft);
    assert_eq!(codes(&verdict), [Code::ModeSuggest]);
    assert_eq!(verdict.allowed[0].args["mode"], "draft");
    assert_eq!(
        verdict.allowed[0].note.as_deref(),
        Some("withheld: sending happens only in an AUTO_RESOLVE verdict; arguments rewritten")
    );
}

#[test]
fn verdict_json_round_trips() {
    let verdict = a2().check(&request("03-enterprise-churn-data-loss"));
    let json = verdict.to_json();
    let back: Verdict = serde_json::from_str(&json).unwrap();
    assert_eq!(back, verdict);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["decision"], "ESCALATE");
    assert_eq!(value["escalation"]["triggers"][0], "enterprise_account");
    assert_eq!(value["violations"][0]["severity"], "block");
}
