#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The contract API: the two shipped contracts, schema and syntax errors (code, field,
//! `line:column`, exact text), and the tool-boundary questions the gate asks.

use deskguard::codes::Code;
use deskguard::contract::{is_risky_tool, Band, Contract, Listing, ToolBoundaryShape, TrustLevel};
use deskguard::error::{Error, Location};

const RESOLUTION: &str = include_str!("../policies/resolution-agent.agentaz.json");

/// A valid contract; tests break one thing at a time with `replace`.
const BASE: &str = r#"{
  "agent_id": "test-agent",
  "version": "1.0.0",
  "trust_level": "A3",
  "worst_case_action": "Sends a wrong reply.",
  "authority_boundary": "Replies; refunds need approval.",
  "last_reviewed": "2026-06-24",
  "tool_boundary": {
    "auto_executable_tools": ["read_ticket", "send_reply"],
    "approval_required_tools": ["refund_issue"],
    "execution_tools_absent": false
  },
  "cost_boundary": { "max_usd_per_trace_loop": 0.4, "alert_threshold_usd": 0.3 },
  "loop_boundary": { "max_reasoning_turns": 10 }
}"#;

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from}");
    BASE.replacen(from, to, 1)
}

fn schema_error(text: &str) -> Error {
    let error = Contract::from_json(text).unwrap_err();
    assert_eq!(error.code(), Code::ContractSchema, "{error}");
    // The same document as a value fails the same way, minus the location.
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let from_value = Contract::from_value(value).unwrap_err();
    assert_eq!(from_value.code(), error.code());
    assert_eq!(from_value.field(), error.field());
    assert_eq!(from_value.message(), error.message());
    assert_eq!(from_value.location(), None);
    error
}

fn at(line: usize, column: usize) -> Option<Location> {
    Some(Location { line, column })
}

#[test]
fn base_fixture_is_valid() {
    let contract = Contract::from_json(BASE).unwrap();
    assert_eq!(contract.tier().computed, Band::A3);
}

#[test]
fn embedded_blueprint_contract_is_advisory_and_agrees() {
    let contract = Contract::embedded().unwrap();
    assert_eq!(contract.agent_id(), "support-triage-agent");
    assert_eq!(contract.trust_level(), TrustLevel::A2);
    let tier = contract.tier();
    assert_eq!(tier.declared, TrustLevel::A2);
    assert_eq!(tier.computed, Band::Adv);
    assert!(!tier.computable, "older allowed_tools-only shape");
    assert!(tier.agrees);

    let tools = contract.tools();
    assert_eq!(tools.shape(), ToolBoundaryShape::Legacy);
    assert!(tools.execution_tools_absent);
    assert_eq!(
        tools.auto_pool(),
        [
            "read_ticket",
            "classify",
            "prioritize",
            "draft_reply",
            "route"
        ]
    );
    assert_eq!(tools.listing("draft_reply"), Some(Listing::Auto));
    assert_eq!(tools.listing("send_reply"), None);
    assert_eq!(
        contract.never_emits(),
        ["send_message", "refund", "cancel", "account_change"]
    );
    let cost = contract.cost_boundary().unwrap();
    assert_eq!(cost.max_usd_per_trace_loop, Some(0.22));
    assert_eq!(cost.alert_threshold_usd, Some(0.15));
    assert_eq!(
        contract.loop_boundary().unwrap().max_reasoning_turns,
        Some(8)
    );
    let handoff = contract.human_handoff().unwrap();
    assert_eq!(handoff.destination.as_deref(), Some("support_agent"));
    assert_eq!(handoff.triggers.len(), 3);
    let audit = contract.audit().unwrap();
    assert_eq!(audit.append_only, Some(true));
    assert_eq!(audit.logs, ["classification", "draft", "routing"]);
}

#[test]
fn shipped_resolution_contract_is_a3_in_the_split_shape() {
    let contract = Contract::from_json(RESOLUTION).unwrap();
    assert_eq!(contract.agent_id(), "support-resolution-agent");
    let tier = contract.tier();
    assert_eq!(tier.declared, TrustLevel::A3);
    assert_eq!(tier.computed, Band::A3);
    assert!(tier.computable);
    assert!(tier.agrees);

    let tools = contract.tools();
    assert_eq!(tools.shape(), ToolBoundaryShape::Split);
    assert_eq!(tools.auto_pool().len(), 12);
    assert!(
        !tools.auto_pool().iter().any(|tool| is_risky_tool(tool)),
        "an A3 contract's auto pool must hold no risky tool"
    );
    assert_eq!(tools.listing("send_reply"), Some(Listing::Auto));
    assert_eq!(tools.listing("escalate_to_human"), Some(Listing::Auto));
    assert_eq!(
        tools.listing("refund_issue"),
        Some(Listing::ApprovalRequired)
    );
    assert_eq!(
        tools.listing("credit_issue"),
        Some(Listing::ApprovalRequired)
    );
    assert_eq!(tools.listing("account_delete"), None);
    assert_eq!(tools.listing("Send_Reply"), None, "names compare exactly");
    assert_eq!(
        contract.never_emits(),
        [
            "account_delete",
            "plan_change",
            "password_reset",
            "email_change"
        ]
    );
    let cost = contract.cost_boundary().unwrap();
    assert_eq!(cost.max_usd_per_trace_loop, Some(0.40));
    assert_eq!(cost.alert_threshold_usd, Some(0.30));
    assert_eq!(
        contract.loop_boundary().unwrap().max_reasoning_turns,
        Some(10)
    );
    assert!(contract.human_handoff().is_some());
    assert!(contract.audit().is_some());
}

#[test]
fn approval_wins_when_a_tool_is_listed_twice() {
    let text = with(
        r#""approval_required_tools": ["refund_issue"]"#,
        r#""approval_required_tools": ["refund_issue", "send_reply"]"#,
    );
    let contract = Contract::from_json(&text).unwrap();
    assert_eq!(
        contract.tools().listing("send_reply"),
        Some(Listing::ApprovalRequired)
    );
    assert_eq!(contract.tools().listing("read_ticket"), Some(Listing::Auto));
}

#[test]
fn auto_pool_falls_back_to_allowed_tools() {
    let text = with(
        r#""auto_executable_tools": ["read_ticket", "send_reply"],"#,
        r#""allowed_tools": ["read_ticket"],"#,
    );
    let contract = Contract::from_json(&text).unwrap();
    assert_eq!(contract.tools().auto_pool(), ["read_ticket"]);
    assert_eq!(contract.tools().shape(), ToolBoundaryShape::Split);
    assert_eq!(contract.tools().listing("read_ticket"), Some(Listing::Auto));
}

#[test]
fn missing_required_field_points_at_the_parent_object() {
    let start = BASE.find("  \"tool_boundary\"").unwrap();
    let end = BASE.find("  \"cost_boundary\"").unwrap();
    let text = format!("{}{}", &BASE[..start], &BASE[end..]);
    let error = schema_error(&text).with_origin("contract.json");
    assert_eq!(error.field(), Some("tool_boundary"));
    assert_eq!(error.location(), at(1, 1));
    assert_eq!(
        error.to_string(),
        "contract.json:1:1: field `tool_boundary`: missing required field"
    );
}

#[test]
fn the_first_of_several_missing_fields_is_reported() {
    let error = schema_error(r#"{"tool_boundary": {}}"#);
    // Root failures sort first, then by field name: deterministic across runs.
    assert_eq!(error.field(), Some("agent_id"));
    assert_eq!(error.message(), "missing required field");
}

#[test]
fn bad_trust_level_lists_the_allowed_values() {
    let error = schema_error(&with(r#""A3""#, r#""A9""#)).with_origin("contract.json");
    assert_eq!(error.field(), Some("trust_level"));
    assert_eq!(error.location(), at(4, 18));
    assert_eq!(
        error.to_string(),
        r#"contract.json:4:18: field `trust_level`: `"A9"` is not one of "A0", "A1", "A2", "A3", "A4", "A5""#
    );
}

#[test]
fn wrong_type_inside_tool_boundary_names_the_element() {
    let error = schema_error(&with(
        r#"["read_ticket", "send_reply"]"#,
        r#"["read_ticket", 42]"#,
    ));
    assert_eq!(
        error.field(),
        Some("tool_boundary.auto_executable_tools[1]")
    );
    assert_eq!(error.location(), at(9, 46));
    assert_eq!(error.message(), "expected a string, found `42`");

    let error = schema_error(&with(
        r#""execution_tools_absent": false"#,
        r#""execution_tools_absent": "no""#,
    ));
    assert_eq!(error.field(), Some("tool_boundary.execution_tools_absent"));
    assert_eq!(error.location(), at(11, 31));
    assert_eq!(error.message(), r#"expected a boolean, found `"no"`"#);

    let error = schema_error(
        r#"{"agent_id": "a", "version": "1", "trust_level": "A0", "worst_case_action": "w", "authority_boundary": "b", "last_reviewed": "2026-01-01", "tool_boundary": ["read"]}"#,
    );
    assert_eq!(error.field(), Some("tool_boundary"));
    assert_eq!(error.location(), at(1, 157));
    assert_eq!(error.message(), r#"expected an object, found `["read"]`"#);
}

#[test]
fn last_reviewed_must_be_a_calendar_date() {
    for bad in ["2026-02-30", "24/06/2026", "2026-6-24"] {
        let error = schema_error(&with("2026-06-24", bad));
        assert_eq!(error.field(), Some("last_reviewed"));
        assert_eq!(error.location(), at(7, 20));
        assert_eq!(error.message(), format!("`\"{bad}\"` is not a valid date"));
    }
}

#[test]
fn bounds_have_minimums() {
    let error = schema_error(&with(
        "\"max_reasoning_turns\": 10",
        "\"max_reasoning_turns\": 0",
    ));
    assert_eq!(error.field(), Some("loop_boundary.max_reasoning_turns"));
    assert_eq!(error.location(), at(14, 45));
    assert_eq!(error.message(), "`0` is less than the minimum of 1");

    let error = schema_error(&with(
        "\"max_usd_per_trace_loop\": 0.4",
        "\"max_usd_per_trace_loop\": -1",
    ));
    assert_eq!(error.field(), Some("cost_boundary.max_usd_per_trace_loop"));
    assert_eq!(error.message(), "`-1` is less than the minimum of 0");

    let error = schema_error(&with(
        "\"max_reasoning_turns\": 10",
        "\"max_reasoning_turns\": 2.5",
    ));
    assert_eq!(error.message(), "expected an integer, found `2.5`");
}

#[test]
fn json_syntax_error_has_a_location() {
    let text = with("\"version\": \"1.0.0\",", "\"version\": \"1.0.0\",,");
    let error = Contract::from_json(&text).unwrap_err();
    assert_eq!(error.code(), Code::JsonSyntax);
    assert_eq!(error.location(), at(3, 22));
    assert_eq!(error.field(), None);

    let error = Contract::from_json("").unwrap_err();
    assert_eq!(error.code(), Code::JsonSyntax);
    let error = Contract::from_json("{} {}").unwrap_err();
    assert_eq!(error.code(), Code::JsonSyntax);
}

/// serde_json keeps a repeated key's last value, other readers of the same file its
/// first: a contract that repeats a key is refused rather than read one way.
#[test]
fn a_repeated_key_is_refused_at_its_second_occurrence() {
    let text = with(
        "\"approval_required_tools\": [\"refund_issue\"],",
        "\"approval_required_tools\": [\"refund_issue\"],\n    \"approval_required_tools\": [],",
    );
    let error = Contract::from_json(&text).unwrap_err();
    assert_eq!(error.code(), Code::ContractSchema);
    assert_eq!(error.field(), Some("tool_boundary.approval_required_tools"));
    assert_eq!(error.location(), at(11, 29));
    assert_eq!(error.message(), "duplicate key `approval_required_tools`");
}

#[test]
fn a_contract_that_is_not_an_object_fails_the_schema() {
    let error = schema_error("[1, 2]");
    assert_eq!(error.field(), None);
    assert_eq!(error.location(), at(1, 1));
    assert_eq!(error.message(), "expected an object, found `[1,2]`");
}

#[test]
fn extra_keys_are_allowed_and_kept() {
    let text = with(
        "\"execution_tools_absent\": false",
        "\"execution_tools_absent\": false, \"rollback_required\": true",
    )
    .replacen("{\n", "{\n  \"x-team\": {\"owner\": \"support\"},\n", 1);
    let contract = Contract::from_json(&text).unwrap();
    let source = contract.digest_source();
    assert_eq!(source["x-team"]["owner"], "support");
    assert_eq!(source["tool_boundary"]["rollback_required"], true);
    let round_trip = serde_json::to_value(&contract).unwrap();
    assert_eq!(&round_trip, source);
}

#[test]
fn long_values_are_cut_short_in_messages() {
    let long = "x".repeat(200);
    let error = schema_error(&with(r#""A3""#, &format!("\"{long}\"")));
    assert!(error.message().len() < 150, "{}", error.message());
    assert!(error.message().starts_with("`\"xxxx"));
}

#[test]
fn a_contract_granting_risky_tools_computes_a4_or_a5() {
    let text = with(r#""send_reply""#, r#""refund_issue_auto""#).replacen("\"A3\"", "\"A4\"", 1);
    let contract = Contract::from_json(&text).unwrap();
    // No audit block in BASE, so the risky pool computes A5, not the declared A4.
    let tier = contract.tier();
    assert_eq!(tier.computed, Band::A5);
    assert!(!tier.agrees);

    let text = text.replacen(
        "\"loop_boundary\"",
        "\"audit\": {\"append_only\": true, \"logs\": [\"actions\"]},\n  \"loop_boundary\"",
        1,
    );
    let tier = Contract::from_json(&text).unwrap().tier();
    assert_eq!(tier.computed, Band::A4);
    assert!(tier.agrees);
}

#[test]
fn an_integral_float_turn_count_is_a_whole_number() {
    // Draft-07 counts 10.0 as an integer, and so does the typed model.
    let contract = Contract::from_json(&with(
        "\"max_reasoning_turns\": 10",
        "\"max_reasoning_turns\": 10.0",
    ))
    .unwrap();
    assert_eq!(
        contract.loop_boundary().unwrap().max_reasoning_turns,
        Some(10)
    );
}

#[test]
fn a_turn_count_beyond_32_bits_is_a_schema_error() {
    let error = schema_error(&with(
        "\"max_reasoning_turns\": 10",
        "\"max_reasoning_turns\": 1e10",
    ));
    assert_eq!(error.field(), Some("loop_boundary.max_reasoning_turns"));
    assert_eq!(error.location(), at(14, 45));
    assert_eq!(
        error.message(),
        "`10000000000` is not a whole number from 0 to 4294967295"
    );
}
