#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Properties that hold for every request, checked on generated ones.
//!
//! Requests carry refunds and credits (amounts around and above the cap, sometimes
//! not numbers at all), account tools, tools the contracts never emit (exact names
//! and verb prefixes), lookalikes and random names, under both shipped contracts and
//! both modes, with random identity, refund-policy document, transactions, decision,
//! confidence, sentiment, ticket text and trace. Whatever the model proposes:
//!
//! - no refund or credit over the cap, or outside policy, is ever allowed;
//! - no money or account action is allowed for an unverified customer, and none runs
//!   without a human;
//! - no tool the contract never emits is allowed, and under the A2 contract only what
//!   it lists (after the policy's aliases) is allowed; A2 never auto-resolves;
//! - refunds and credits allowed together stay within the cap, and refunds of one
//!   transaction within its amount;
//! - nothing sends or closes the ticket unless the verdict is AUTO_RESOLVE: whatever
//!   runs in another verdict is a draft, an update without a status, or neither act;
//! - the final decision is never more autonomous than the proposed one;
//! - a check never panics (a caught panic would be an `INTERNAL_ERROR` verdict), and
//!   the same input gives the same verdict, from a value or from JSON text;
//! - redaction leaves nothing to redact: its output, redacted again, is unchanged,
//!   however pieces of personal data run into each other.

use std::sync::LazyLock;

use deskguard::{Code, Contract, DecisionKind, Engine, Mode, Request, Verdict};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const A3_JSON: &str = include_str!("../policies/resolution-agent.agentaz.json");

/// The refund cap of the default policy.
const CAP: f64 = 50.0;
/// Refund and credit tools of the default policy.
const MONEY_TOOLS: &[&str] = &[
    "refund_issue",
    "issue_refund",
    "credit_issue",
    "apply_standard_credit",
    "issue_credit",
];
/// Refund tools (tied to a transaction).
const REFUND_TOOLS: &[&str] = &["refund_issue", "issue_refund"];
/// Account-changing tools of the default policy.
const ACCOUNT_TOOLS: &[&str] = &[
    "plan_change",
    "cancel_subscription",
    "account_change",
    "account_delete",
    "email_change",
    "address_change",
    "password_reset",
    "reset_credentials",
];
/// Names the contracts never emit, exactly or as a verb prefix, and lookalikes.
const NEVER_EMIT_LIKE: &[&str] = &[
    "refund",
    "refund_partial",
    "Refund-Now",
    "refunded_check",
    "send_message",
    "send_message_now",
    "cancel",
    "cancel_order",
    "CANCEL.subscription",
    "account_change",
    "account_change_email",
    "account_delete",
    "account_delete_all",
    "account_deletion",
    "plan_change",
    "plan_change.upgrade",
    "password_reset",
    "password_reset_link",
    "email_change",
    "email_change-now",
    "plan_changer",
];
/// Tools both contracts know in some form.
const ORDINARY_TOOLS: &[&str] = &[
    "read_ticket",
    "classify",
    "prioritize",
    "draft_reply",
    "route",
    "kb_search",
    "crm_lookup",
    "order_lookup",
    "verify_identity",
    "escalate_to_human",
];
const INTENTS: &[&str] = &[
    "how_to_2fa",
    "order_status",
    "password_reset_howto",
    "billing_duplicate_charge",
    "refund_request",
    "payment_dispute",
    "account_deletion",
    "cancel_subscription",
    "feature_question",
    "plan_change_request",
];
const BODIES: &[&str] = &[
    "How do I turn on two-factor authentication?",
    "I was charged twice, please refund the duplicate.",
    "I dispute the $900 charge on my card.",
    "Our data is gone and we are cancelling.",
    "My lawyer will contact you.",
    "Where is my order?",
    "There is an issue with my invoice.",
];
const KINDS: &[&str] = &["AUTO_RESOLVE", "DRAFT", "ROUTE", "ESCALATE"];

struct Contracted {
    engine: Engine,
    contract: Contract,
    is_a2: bool,
}

/// A contract that lets every money and account tool run on its own: only the
/// policy's money and identity rules stand between the model and the customer.
const PERMISSIVE_JSON: &str = r#"{
  "agent_id": "permissive-test-agent",
  "version": "1.0.0",
  "trust_level": "A5",
  "worst_case_action": "Moves money.",
  "authority_boundary": "Test contract.",
  "last_reviewed": "2026-06-24",
  "tool_boundary": {
    "auto_executable_tools": [
      "refund_issue", "issue_refund", "credit_issue", "apply_standard_credit", "issue_credit",
      "plan_change", "cancel_subscription", "account_change", "email_change",
      "address_change", "password_reset", "reset_credentials", "refund_partial",
      "send_reply", "ticket_update", "read_ticket", "classify", "route", "kb_search"
    ],
    "execution_tools_absent": false
  },
  "output_boundary": { "never_emits": ["account_delete"] }
}"#;

/// A2 and A3 in suggest and auto mode, then the permissive contract in both modes.
static ENGINES: LazyLock<Vec<Contracted>> = LazyLock::new(|| {
    let a2 = Contract::embedded().unwrap();
    let a3 = Contract::from_json(A3_JSON).unwrap();
    let permissive = Contract::from_json(PERMISSIVE_JSON).unwrap();
    let mut engines = Vec::new();
    for (contract, is_a2) in [(a2, true), (a3, false), (permissive, false)] {
        for mode in [Mode::Suggest, Mode::Auto] {
            engines.push(Contracted {
                engine: Engine::builder()
                    .contract(contract.clone())
                    .mode(mode)
                    .build()
                    .unwrap(),
                contract: contract.clone(),
                is_a2,
            });
        }
    }
    engines
});

// ---------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------

/// A refund or credit amount: mostly around the cap, sometimes far above it, at it,
/// or not a usable number.
fn amount() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (0u32..=12_000).prop_map(|cents| json!(f64::from(cents) / 100.0)),
        3 => (4_900u32..=5_200).prop_map(|cents| json!(f64::from(cents) / 100.0)),
        1 => Just(json!(CAP)),
        1 => Just(json!(50.000_001)),
        1 => Just(json!(1e12)),
        1 => Just(json!(-5)),
        1 => Just(json!("29")),
        1 => Just(Value::Null),
    ]
}

fn money_action() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(MONEY_TOOLS),
        prop::option::weighted(0.9, amount()),
        prop::option::weighted(
            0.8,
            prop::sample::select(vec!["txn_1", "txn_2", "txn_unknown"]),
        ),
    )
        .prop_map(|(tool, amount, txn)| {
            let mut args = Map::new();
            if let Some(amount) = amount {
                args.insert("amount_usd".into(), amount);
            }
            if let Some(txn) = txn {
                args.insert("txn_id".into(), json!(txn));
            }
            json!({ "tool": tool, "args": args })
        })
}

fn action() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => money_action(),
        2 => prop::sample::select(ACCOUNT_TOOLS)
            .prop_map(|tool| json!({ "tool": tool, "args": { "value": "x" } })),
        3 => prop::sample::select(NEVER_EMIT_LIKE)
            .prop_map(|tool| json!({ "tool": tool, "args": { "amount_usd": 10 } })),
        2 => prop::sample::select(vec!["send", "draft", "broadcast", "Send ", "now"])
            .prop_map(|mode| json!({ "tool": "send_reply", "args": { "mode": mode } })),
        1 => Just(json!({ "tool": "send_reply", "args": {} })),
        1 => prop::sample::select(vec!["send_message", "close_ticket"])
            .prop_map(|tool| json!({ "tool": tool, "args": {} })),
        2 => prop::sample::select(vec![
            json!({ "status": "solved", "tags": ["a"] }),
            json!({ "status": "closed" }),
            json!({ "status": "resolved" }),
            json!({ "status": "archived", "priority": "low" }),
            json!({ "tags": ["a"], "priority": "urgent" }),
            json!({ "assignee": "bob" }),
        ])
        .prop_map(|args| json!({ "tool": "ticket_update", "args": args })),
        2 => prop::sample::select(ORDINARY_TOOLS)
            .prop_map(|tool| json!({ "tool": tool, "args": {} })),
        1 => "[a-z][a-z_]{0,14}".prop_map(|tool| json!({ "tool": tool, "args": {} })),
    ]
}

/// Refund-policy documents: absent, relevant, or too weak to count.
fn kb() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!([{ "id": "KB-1", "score": 0.9, "tags": ["how_to"] }]),
        json!([
            { "id": "KB-1", "score": 0.9, "tags": ["how_to"] },
            { "id": "KB-204", "score": 0.88, "tags": ["refund_policy"] }
        ]),
        json!([{ "id": "KB-204", "tags": ["refund_policy"] }]),
        json!([{ "id": "KB-204", "score": 0.2, "tags": ["refund_policy"] }]),
        json!([]),
    ])
}

fn orders() -> impl Strategy<Value = Value> {
    (
        prop::option::of((0u32..=20_000, any::<bool>())),
        any::<bool>(),
    )
        .prop_map(|(txn_1, with_txn_2)| {
            let mut orders = Vec::new();
            if let Some((cents, refunded)) = txn_1 {
                orders.push(json!({
                    "txn_id": "txn_1",
                    "amount_usd": f64::from(cents) / 100.0,
                    "status": if refunded { "refunded" } else { "paid" }
                }));
            }
            if with_txn_2 {
                orders.push(json!({ "txn_id": "txn_2", "amount_usd": 29, "status": "paid" }));
            }
            Value::Array(orders)
        })
}

prop_compose! {
    fn request()(
        verified in any::<bool>(),
        tier in prop::sample::select(vec!["pro", "free", "enterprise"]),
        prior in 0u32..4,
        turn in 1u32..7,
        body in prop::sample::select(BODIES),
        kb in kb(),
        orders in orders(),
        intent in prop::sample::select(INTENTS),
        sentiment in prop::sample::select(vec!["positive", "neutral", "negative", "critical"]),
        kind in prop::sample::select(KINDS),
        confidence in 0.0f64..=1.0,
        grounded in prop::bool::weighted(0.85),
        actions in prop::collection::vec(action(), 0..8),
        turns in 0u32..14,
        tool_calls in 0u32..9,
        cost_cents in 0u32..50,
    ) -> Value {
        json!({
            "ticket": {
                "subject": "Help",
                "body": body,
                "turn": turn,
                "customer": {
                    "verified": verified, "tier": tier, "prior_contacts_same_issue": prior
                }
            },
            "context": { "kb": kb, "crm": {}, "orders": orders },
            "decision": {
                "intent": intent,
                "sentiment": sentiment,
                "urgency": "low",
                "confidence": confidence,
                "grounded": grounded,
                "decision": kind,
                "actions": actions,
                "customer_reply": "Hello"
            },
            "trace": {
                "turns": turns,
                "tool_calls": tool_calls,
                "cost_usd": f64::from(cost_cents) / 100.0
            }
        })
    }
}

/// A request that passes every money rule but the sums: a verified customer, a
/// refund-policy document, two paid transactions, and two to five refunds and credits
/// each within the cap and its transaction.
fn split_refunds() -> impl Strategy<Value = Value> {
    let refund = (
        prop::sample::select(MONEY_TOOLS),
        0u32..=2_900,
        prop::sample::select(vec!["txn_1", "txn_2"]),
    )
        .prop_map(|(tool, cents, txn)| {
            json!({ "tool": tool, "args": { "amount_usd": f64::from(cents) / 100.0, "txn_id": txn } })
        });
    (request(), prop::collection::vec(refund, 2..6)).prop_map(|(mut value, refunds)| {
        value["ticket"]["customer"]["verified"] = json!(true);
        value["context"]["kb"] =
            json!([{ "id": "KB-204", "score": 0.88, "tags": ["refund_policy"] }]);
        value["context"]["orders"] = json!([
            { "txn_id": "txn_1", "amount_usd": 29, "status": "paid" },
            { "txn_id": "txn_2", "amount_usd": 29, "status": "paid" }
        ]);
        value["decision"]["actions"] = Value::Array(refunds);
        value
    })
}

/// Any JSON value, as a decision the model might have produced.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        (-2.0f64..2.0).prop_map(Value::from),
        prop::sample::select(vec![
            "AUTO_RESOLVE",
            "DRAFT",
            "ESCALATE_NEEDED: x",
            "refund_issue",
            "{\"intent\":",
            "",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "intent",
                    "confidence",
                    "grounded",
                    "decision",
                    "actions",
                    "customer_reply",
                    "tool",
                    "args",
                    "x",
                ])
                .prop_map(str::to_string),
                inner,
                0..7
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

// ---------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------

/// The contract's never-emit rule, restated: an exact name, or the entry followed by
/// a separator, ignoring case.
fn never_emitted(contract: &Contract, name: &str) -> bool {
    let name = name.to_lowercase();
    contract.never_emits().iter().any(|entry| {
        let entry = entry.to_lowercase();
        name == entry
            || name
                .strip_prefix(&entry)
                .is_some_and(|rest| rest.starts_with(['_', '-', '.', ' ']))
    })
}

fn arg<'a>(args: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    args.get(key)
}

/// What A2 may be asked to do: the tools it lists, and the policy's aliases of them.
fn a2_may(tool: &str, args: &Map<String, Value>) -> bool {
    match tool {
        "read_ticket" | "classify" | "prioritize" | "draft_reply" | "route"
        | "escalate_to_human" => true,
        "send_reply" => arg(args, "mode") == Some(&json!("draft")),
        "ticket_update" => args
            .keys()
            .all(|key| ["tags", "priority", "queue"].contains(&key.as_str())),
        _ => false,
    }
}

fn verify(contracted: &Contracted, value: &Value, verdict: &Verdict) -> Result<(), TestCaseError> {
    let contract = &contracted.contract;
    let request = &value;
    let verified = request["ticket"]["customer"]["verified"] == json!(true);
    let none = Vec::new();
    let orders = request["context"]["orders"].as_array().unwrap_or(&none);
    let documented = request["context"]["kb"]
        .as_array()
        .unwrap_or(&none)
        .iter()
        .any(|doc| {
            doc["tags"]
                .as_array()
                .is_some_and(|tags| tags.contains(&json!("refund_policy")))
                && doc["score"].as_f64().is_none_or(|score| score >= 0.5)
        });

    // Never panics: a caught panic is an INTERNAL_ERROR verdict.
    prop_assert!(
        !verdict.has_violation(Code::InternalError),
        "internal error: {}",
        verdict.to_json()
    );

    // Never upgrades.
    if let Some(proposed) = verdict.proposed {
        prop_assert!(verdict.decision.autonomy() <= proposed.autonomy());
        prop_assert_eq!(
            verdict.downgraded,
            verdict.decision.autonomy() < proposed.autonomy()
        );
    } else {
        prop_assert_eq!(verdict.decision, DecisionKind::Escalate);
    }
    prop_assert_eq!(
        verdict.escalation.needed,
        verdict.decision == DecisionKind::Escalate
    );
    // Any trigger or blocked action escalates.
    if !verdict.escalation.triggers.is_empty() || !verdict.blocked.is_empty() {
        prop_assert_eq!(verdict.decision, DecisionKind::Escalate);
    }
    if contracted.is_a2 {
        prop_assert_ne!(verdict.decision, DecisionKind::AutoResolve);
    }

    // What the allowed refunds and credits move together.
    let mut moved_cents = 0i64;
    let mut refunded_cents: Map<String, Value> = Map::new();
    for allowed in &verdict.allowed {
        let tool = allowed.tool.as_str();
        let args = &allowed.args;
        let context = || format!("{tool} {args:?} in {}", verdict.to_json());

        // Acts wait for AUTO_RESOLVE.
        let runs = serde_json::to_value(allowed.mode).unwrap() == json!("execute");
        if runs && verdict.decision != DecisionKind::AutoResolve {
            match tool {
                "send_reply" => {
                    prop_assert_eq!(
                        arg(args, "mode"),
                        Some(&json!("draft")),
                        "sends {}",
                        context()
                    )
                }
                "ticket_update" => {
                    prop_assert!(arg(args, "status").is_none(), "closes {}", context())
                }
                _ => prop_assert!(
                    !["send_message", "close_ticket"].contains(&tool),
                    "acts {}",
                    context()
                ),
            }
        }
        if MONEY_TOOLS.contains(&tool) {
            let cents = arg(args, "amount_usd")
                .and_then(Value::as_f64)
                .map_or(0, |usd| (usd * 100.0).round() as i64);
            moved_cents += cents;
            prop_assert!(moved_cents <= 5_000, "over the cap together {}", context());
            if let Some(txn) = arg(args, "txn_id").and_then(Value::as_str) {
                let so_far = refunded_cents.get(txn).and_then(Value::as_i64).unwrap_or(0);
                refunded_cents.insert(txn.to_string(), json!(so_far + cents));
                let order = orders.iter().find(|order| order["txn_id"] == json!(txn));
                if let Some(order) = order {
                    let limit = (order["amount_usd"].as_f64().unwrap() * 100.0).round() as i64;
                    prop_assert!(
                        so_far + cents <= limit,
                        "above the txn together {}",
                        context()
                    );
                }
            }
        }

        // Nothing the contract never emits, under its own name or as a send.
        prop_assert!(!never_emitted(contract, tool), "never-emit {}", context());
        if arg(args, "mode") == Some(&json!("send")) && tool == "send_reply" {
            prop_assert!(
                !never_emitted(contract, "send_message"),
                "send allowed {}",
                context()
            );
        }
        if contracted.is_a2 {
            prop_assert!(a2_may(tool, args), "A2 does not list {}", context());
        }

        let is_money = MONEY_TOOLS.contains(&tool);
        let is_account = ACCOUNT_TOOLS.contains(&tool);
        if is_money || is_account {
            prop_assert!(verified, "unverified {}", context());
            prop_assert_eq!(
                serde_json::to_value(allowed.mode).unwrap(),
                json!("requires_approval"),
                "runs without a human: {}",
                context()
            );
        }
        if is_money {
            let amount = arg(args, "amount_usd").and_then(Value::as_f64);
            prop_assert!(
                amount.is_some_and(|a| (0.0..=CAP).contains(&a)),
                "over the cap {}",
                context()
            );
            prop_assert!(documented, "no refund policy {}", context());
            if REFUND_TOOLS.contains(&tool) {
                let txn = arg(args, "txn_id").and_then(Value::as_str);
                let order = orders
                    .iter()
                    .find(|order| Some(order["txn_id"].as_str().unwrap()) == txn);
                prop_assert!(order.is_some(), "unknown txn {}", context());
                let order = order.unwrap();
                prop_assert_ne!(&order["status"], &json!("refunded"), "{}", context());
                prop_assert!(
                    amount.unwrap() <= order["amount_usd"].as_f64().unwrap(),
                    "above the txn {}",
                    context()
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_unsafe_action_is_ever_allowed(value in request(), which in 0usize..6) {
        let contracted = &ENGINES[which];
        let request = Request::from_value(value.clone()).unwrap();
        let verdict = contracted.engine.check(&request);
        verify(contracted, &value, &verdict)?;
        // Deterministic, and the JSON path agrees.
        prop_assert_eq!(&contracted.engine.check(&request), &verdict);
        prop_assert_eq!(&contracted.engine.check_json(&value.to_string()), &verdict);
    }

    #[test]
    fn refunds_split_into_parts_stay_within_the_cap(value in split_refunds(), which in 0usize..6) {
        let contracted = &ENGINES[which];
        let request = Request::from_value(value.clone()).unwrap();
        verify(contracted, &value, &contracted.engine.check(&request))?;
    }

    #[test]
    fn every_engine_agrees_on_safety(value in request()) {
        // The same request under all six engines: each verdict is safe on its own.
        let request = Request::from_value(value.clone()).unwrap();
        for contracted in ENGINES.iter() {
            let verdict = contracted.engine.check(&request);
            verify(contracted, &value, &verdict)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_decision_value_is_checked_without_panicking(
        decision in any_json(),
        which in 0usize..6,
    ) {
        let contracted = &ENGINES[which];
        let value = json!({
            "ticket": { "subject": "s", "body": "b", "customer": { "verified": true } },
            "context": { "kb": [{ "id": "KB-1", "score": 0.9 }] },
            "decision": decision
        });
        let request = Request::from_value(value.clone()).unwrap();
        let verdict = contracted.engine.check(&request);
        prop_assert!(!verdict.has_violation(Code::InternalError), "{}", verdict.to_json());
        if verdict.proposed.is_none() {
            prop_assert_eq!(verdict.decision, DecisionKind::Escalate);
            prop_assert!(verdict.has_violation(Code::DecisionSchema), "{}", verdict.to_json());
        }
        prop_assert_eq!(&contracted.engine.check(&request), &verdict);
        verify(contracted, &value, &verdict)?;
    }

    #[test]
    fn any_text_is_checked_without_panicking(text in "\\PC{0,200}", which in 0usize..6) {
        let verdict = ENGINES[which].engine.check_json(&text);
        prop_assert!(!verdict.has_violation(Code::InternalError));
        prop_assert_eq!(ENGINES[which].engine.check_json(&text), verdict);
    }
}

/// Text built from pieces of personal data and what may run into them.
fn pii_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "4111111111111111",
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "5555.5555.5555.4444",
        "123-45-6789",
        "536 22 5432",
        "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432",
        "bob@example.com",
        "alice@corp.com",
        " password: hunter2hunter2",
        " PIN: 4821",
        "AKIAIOSFODNN7EXAMPLE",
        "sk_live_abcdefghijklmnop1234",
        "ssn",
        "passport ",
        " no. ",
        "C01X00T47",
        "AB 12 34 56 C",
        "NI number is ",
        "1",
        "4111",
        "2026",
        " ",
        "-",
        ".",
        "/",
        "@",
        "x",
        "Card ",
        "\u{2116}",
        "\u{2122}",
        "\u{1F4B3}",
        "\u{2022}",
        "\u{200B}",
        "\u{FF14}",
        "\n",
        "\t\u{A0}",
        ":",
        "!",
        "_",
        "pin",
        " is ",
        "\u{301}",
    ]);
    prop::collection::vec(piece, 1..10).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32768))]

    #[test]
    fn redaction_leaves_nothing_to_redact(text in pii_text()) {
        let engine = &ENGINES[0].engine;
        let once = engine.redact(&text).redacted;
        let twice = engine.redact(&once);
        prop_assert!(twice.spans.is_empty(), "{text:?} -> {once:?}: {:?}", twice.spans);
        prop_assert_eq!(twice.redacted, once);
    }
}
