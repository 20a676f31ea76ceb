//! The agent's contract: what it may do, loaded from an AgentAz JSON file.
//!
//! A policy says how a support ticket should be handled; a contract says what the agent
//! is *authorized* to do at all: which tools it may call on its own, which need a human
//! approval, what it must never emit, how much a reasoning loop may cost and how many
//! turns it may take. deskguard reads contracts in the open AgentAz format (v1.0) so
//! that a team can reuse the contract it already publishes instead of restating it.
//!
//! # Loading
//!
//! Loading is strict about types and lenient about keys, because the format is: it
//! allows additional properties everywhere, and real registry files carry extra keys
//! (`read_only`, `rollback_required`, `never_fabricates`, ...). A contract is checked in
//! two steps:
//!
//! 1. against the bundled JSON Schema (`policies/agentaz.schema.json`), compiled once per
//!    process. A failure is `CONTRACT_SCHEMA`, with the field path and, when loading from
//!    text, the `line:column` of the offending value;
//! 2. into the typed model below, which keeps only what the engine uses. Unknown keys
//!    are not lost: [`Contract::digest_source`] keeps the validated JSON as loaded, and
//!    serializing a [`Contract`] writes that JSON back.
//!
//! Validating against the schema first, rather than relying on serde alone, gives one
//! definition of the format that other tools can share, and error messages that name
//! the JSON kinds and values the author wrote.
//!
//! # Tools
//!
//! Two shapes of `tool_boundary` occur: the older `allowed_tools` list (with
//! `execution_tools_absent`), and the newer split into `auto_executable_tools` and
//! `approval_required_tools`. [`ToolBoundary`] reads both and answers the one question
//! the tool gate asks, [`ToolBoundary::listing`]: may this tool run, and with or without
//! a human?
//!
//! # Trust tier
//!
//! The declared `trust_level` is compared at load time with the band the contract's
//! structure implies (see [`TierReport`] and [`is_risky_tool`]), using the AgentAz
//! registry's reference computation, so that a contract that under-declares its
//! authority can be reported.

mod schema;
mod tier;

use std::fmt;

use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::codes::Code;
use crate::error::{Error, Result};
use crate::source::json_pointer;
use crate::source::unique::UniqueKeysValue;

pub use tier::{is_risky_tool, Band, TierReport, TrustLevel};

/// The blueprint's own contract, shipped in `policies/agentaz.json`.
const EMBEDDED: &str = include_str!("../../policies/agentaz.json");

/// A validated AgentAz contract.
///
/// Immutable once loaded, cheap to share between threads. Build it with
/// [`Contract::from_json`], [`Contract::from_value`] or [`Contract::embedded`].
#[derive(Debug, Clone)]
pub struct Contract {
    agent_id: String,
    trust_level: TrustLevel,
    tools: ToolBoundary,
    never_emits: Vec<String>,
    cost_boundary: Option<CostBoundary>,
    loop_boundary: Option<LoopBoundary>,
    human_handoff: Option<HumanHandoff>,
    audit: Option<Audit>,
    tier: TierReport,
    source: Value,
}

/// The part of the contract the typed model reads; serde ignores the rest, which the
/// schema has already checked and [`Contract::digest_source`] keeps.
#[derive(Deserialize)]
struct Spec {
    agent_id: String,
    trust_level: TrustLevel,
    tool_boundary: ToolBoundary,
    output_boundary: Option<OutputBoundary>,
    cost_boundary: Option<CostBoundary>,
    loop_boundary: Option<LoopBoundary>,
    human_handoff: Option<HumanHandoff>,
    audit: Option<Audit>,
}

#[derive(Deserialize)]
struct OutputBoundary {
    #[serde(default)]
    never_emits: Vec<String>,
}

/// The tools an agent may call, in either of the two shapes the format allows.
///
/// Lists that are absent in the contract are empty here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolBoundary {
    /// The older shape's single list of tools.
    pub allowed_tools: Vec<String>,
    /// The newer shape's tools that run without a human.
    pub auto_executable_tools: Vec<String>,
    /// Tools that run only after a human approves.
    pub approval_required_tools: Vec<String>,
    /// The contract says the agent has no tools that change anything.
    pub execution_tools_absent: bool,
}

/// Which of the two `tool_boundary` shapes a contract uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolBoundaryShape {
    /// Only `allowed_tools` (no auto-executable and no approval-required tools).
    Legacy,
    /// `auto_executable_tools` and/or `approval_required_tools`.
    Split,
}

/// How a tool is listed in a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Listing {
    /// The agent may run it without a human.
    Auto,
    /// The agent may run it only after a human approves.
    ApprovalRequired,
}

impl ToolBoundary {
    /// The shape in use: [`ToolBoundaryShape::Split`] as soon as either
    /// `auto_executable_tools` or `approval_required_tools` lists a tool, else
    /// [`ToolBoundaryShape::Legacy`].
    pub fn shape(&self) -> ToolBoundaryShape {
        if self.auto_executable_tools.is_empty() && self.approval_required_tools.is_empty() {
            ToolBoundaryShape::Legacy
        } else {
            ToolBoundaryShape::Split
        }
    }

    /// The tools that run without a human: `auto_executable_tools` if it lists any,
    /// else `allowed_tools`.
    pub fn auto_pool(&self) -> &[String] {
        if self.auto_executable_tools.is_empty() {
            &self.allowed_tools
        } else {
            &self.auto_executable_tools
        }
    }

    /// How `tool` is listed, or `None` if the contract does not list it at all.
    ///
    /// A tool listed both as approval-required and as auto-executable (or allowed) is
    /// [`Listing::ApprovalRequired`]: when a contract contradicts itself, the stricter
    /// reading wins. Names compare exactly (case-sensitive), as tool names are
    /// identifiers.
    pub fn listing(&self, tool: &str) -> Option<Listing> {
        let listed = |list: &[String]| list.iter().any(|name| name == tool);
        if listed(&self.approval_required_tools) {
            Some(Listing::ApprovalRequired)
        } else if listed(&self.auto_executable_tools) || listed(&self.allowed_tools) {
            Some(Listing::Auto)
        } else {
            None
        }
    }
}

/// Cost bounds for one trace loop, in US dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CostBoundary {
    /// The most one trace loop may cost.
    pub max_usd_per_trace_loop: Option<f64>,
    /// The cost at which an alert is raised.
    pub alert_threshold_usd: Option<f64>,
}

/// Bounds on the agent's reasoning loop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoopBoundary {
    /// The most reasoning turns one loop may take (at least 1).
    #[serde(deserialize_with = "whole_number")]
    pub max_reasoning_turns: Option<u32>,
}

/// A JSON Schema `integer` is any number without a fractional part, so `8.0` is one
/// (and JavaScript cannot tell `8.0` from `8` anyway); serde's `u32` would refuse it.
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    // A visitor rather than a check after deserializing: an error a visitor returns is
    // placed by serde_json at the number itself, so it names this field, not the
    // object around it.
    struct WholeNumber;

    impl<'de> Visitor<'de> for WholeNumber {
        type Value = Option<u32>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a whole number from 0 to {}", u32::MAX)
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Option<u32>, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Option<u32>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Option<u32>, D::Error> {
            inner.deserialize_any(WholeNumber)
        }

        fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<Option<u32>, E> {
            u32::try_from(number)
                .map(Some)
                .map_err(|_| out_of_range(number))
        }

        fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<Option<u32>, E> {
            match u64::try_from(number) {
                Ok(number) => self.visit_u64(number),
                Err(_) => Err(out_of_range(number)),
            }
        }

        fn visit_f64<E: serde::de::Error>(self, number: f64) -> Result<Option<u32>, E> {
            if number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&number) {
                // Integral and in range, so the cast is exact.
                Ok(Some(number as u32))
            } else {
                Err(out_of_range(number))
            }
        }
    }

    fn out_of_range<E: serde::de::Error>(number: impl fmt::Display) -> E {
        E::custom(format!(
            "`{number}` is not a whole number from 0 to {}",
            u32::MAX
        ))
    }

    deserializer.deserialize_option(WholeNumber)
}

/// When and to whom the agent hands a case to a human.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HumanHandoff {
    /// The contract's own trigger names (free text, not deskguard's trigger codes).
    pub triggers: Vec<String>,
    /// Who receives the handoff (a queue or role name).
    pub destination: Option<String>,
}

/// What the agent's actions must leave behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Audit {
    /// Whether the log must be append-only.
    pub append_only: Option<bool>,
    /// What must be logged.
    pub logs: Vec<String>,
}

impl Contract {
    /// Parses and validates a contract from JSON text.
    ///
    /// # Errors
    ///
    /// - `JSON_SYNTAX` with `line:column` if `text` is not JSON;
    /// - `CONTRACT_SCHEMA` with the field path (`tool_boundary.allowed_tools[2]`) and the
    ///   `line:column` of the offending value if it does not satisfy the AgentAz schema
    ///   (for a missing field, the location of the object that should hold it), or
    ///   if an object repeats a key (serde_json would keep the last value, other
    ///   tools reading the same contract the first).
    ///
    /// Errors carry no origin; callers add the file name with [`Error::with_origin`].
    pub fn from_json(text: &str) -> Result<Contract> {
        let UniqueKeysValue(value) = crate::source::from_json(text, Code::ContractSchema)?;
        Contract::load(value, Some(text))
    }

    /// Validates a contract that is already a JSON value (for example one passed in as
    /// a JavaScript object).
    ///
    /// # Errors
    ///
    /// `CONTRACT_SCHEMA` as for [`Contract::from_json`], but without a location.
    pub fn from_value(value: Value) -> Result<Contract> {
        Contract::load(value, None)
    }

    /// The contract shipped with deskguard (`policies/agentaz.json`): the support triage
    /// blueprint's A2 contract, which may classify, draft and route but not send.
    ///
    /// # Errors
    ///
    /// None in practice (a test loads it); the `Result` keeps the signature honest.
    pub fn embedded() -> Result<Contract> {
        // Not validated against the schema here: it is a constant, and a test checks
        // it (`the_embedded_contract_satisfies_the_schema`). Validating it again on
        // every engine build was about 2 ms of a Node cold start (compiling and running
        // the schema validator before any user contract needs it).
        crate::source::json_value(EMBEDDED)
            .and_then(|value| Contract::typed(value, Some(EMBEDDED)))
            .map_err(|error| error.with_origin("policies/agentaz.json"))
    }

    fn load(source: Value, text: Option<&str>) -> Result<Contract> {
        schema::validate(&source, text)?;
        Contract::typed(source, text)
    }

    /// The typed model of a contract the schema accepts.
    fn typed(source: Value, text: Option<&str>) -> Result<Contract> {
        // The typed model reads the value the schema validated, through its text (so
        // that a failure names its field; see `source::json_path`).
        let spec: Spec = crate::source::parse_json(&source.to_string())
            .map_err(|failure| typed_error(&failure, &source, text))?;
        let safeguards = ["audit", "cost_boundary", "loop_boundary"]
            .iter()
            .all(|key| is_non_empty_object(source.get(key)));
        let tier = tier::compute(spec.trust_level, &spec.tool_boundary, safeguards);
        Ok(Contract {
            agent_id: spec.agent_id,
            trust_level: spec.trust_level,
            tools: spec.tool_boundary,
            never_emits: spec
                .output_boundary
                .map(|output| output.never_emits)
                .unwrap_or_default(),
            cost_boundary: spec.cost_boundary,
            loop_boundary: spec.loop_boundary,
            human_handoff: spec.human_handoff,
            audit: spec.audit,
            tier,
            source,
        })
    }

    /// The agent's stable identifier (`agent_id`).
    pub fn agent_id(&self) -> &str {
        &self.agent_id
    }

    /// The declared trust level.
    pub fn trust_level(&self) -> TrustLevel {
        self.trust_level
    }

    /// The tool boundary.
    pub fn tools(&self) -> &ToolBoundary {
        &self.tools
    }

    /// Actions the agent must never emit (`output_boundary.never_emits`), or none.
    pub fn never_emits(&self) -> &[String] {
        &self.never_emits
    }

    /// The cost bounds, if the contract has a `cost_boundary`.
    pub fn cost_boundary(&self) -> Option<&CostBoundary> {
        self.cost_boundary.as_ref()
    }

    /// The loop bounds, if the contract has a `loop_boundary`.
    pub fn loop_boundary(&self) -> Option<&LoopBoundary> {
        self.loop_boundary.as_ref()
    }

    /// The human handoff, if the contract has a `human_handoff`.
    pub fn human_handoff(&self) -> Option<&HumanHandoff> {
        self.human_handoff.as_ref()
    }

    /// The audit requirements, if the contract has an `audit`.
    pub fn audit(&self) -> Option<&Audit> {
        self.audit.as_ref()
    }

    /// The declared level next to the band the structure implies, computed at load.
    pub fn tier(&self) -> TierReport {
        self.tier
    }

    /// The validated JSON exactly as loaded, unknown keys included: the input for an
    /// audit digest of the contract in force.
    pub fn digest_source(&self) -> &Value {
        &self.source
    }
}

/// A contract serializes as the JSON it was loaded from, so nothing is lost in a round
/// trip (the typed model drops keys it does not use).
impl Serialize for Contract {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.source.serialize(serializer)
    }
}

fn is_non_empty_object(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_object)
        .is_some_and(|object| !object.is_empty())
}

/// A value the schema accepts but the typed model cannot hold (a turn count beyond
/// 32 bits, say). Reported like a schema failure, since to the author it is one.
fn typed_error(failure: &crate::source::JsonFailure, source: &Value, text: Option<&str>) -> Error {
    let pointer = failure.field.pointer();
    let location = text.and_then(|text| json_pointer::locate(text, &pointer));
    Error::new(Code::ContractSchema, failure.message.clone())
        .at(location)
        .in_field(schema::field_path(source, &pointer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({
            "agent_id": "a",
            "version": "1",
            "trust_level": "A3",
            "worst_case_action": "w",
            "authority_boundary": "b",
            "last_reviewed": "2026-01-31",
            "tool_boundary": {
                "auto_executable_tools": ["read_ticket", "draft_reply"],
                "approval_required_tools": ["refund_issue"]
            }
        })
    }

    #[test]
    fn the_embedded_contract_satisfies_the_schema() {
        let value: Value = serde_json::from_str(EMBEDDED).unwrap();
        assert_eq!(schema::validate(&value, Some(EMBEDDED)), Ok(()));
        // The check can fail: the same contract without its agent is refused.
        let mut broken = value.clone();
        broken.as_object_mut().unwrap().remove("agent_id");
        let error = schema::validate(&broken, None).unwrap_err();
        assert_eq!(error.code(), Code::ContractSchema);
        // And the embedded contract is the one `from_json` loads, validated.
        let embedded = format!("{:?}", Contract::embedded().unwrap());
        let validated = format!("{:?}", Contract::from_json(EMBEDDED).unwrap());
        assert_eq!(embedded, validated);
    }

    #[test]
    fn minimal_contract_loads_with_defaults() {
        let contract = Contract::from_value(minimal()).unwrap();
        assert_eq!(contract.agent_id(), "a");
        assert_eq!(contract.trust_level(), TrustLevel::A3);
        assert!(contract.never_emits().is_empty());
        assert!(contract.cost_boundary().is_none());
        assert!(contract.loop_boundary().is_none());
        assert!(contract.human_handoff().is_none());
        assert!(contract.audit().is_none());
        assert!(!contract.tools().execution_tools_absent);
        assert_eq!(contract.tier().computed, Band::A3);
        assert!(contract.tier().agrees);
    }

    #[test]
    fn empty_safeguard_blocks_do_not_count() {
        let mut value = minimal();
        value["tool_boundary"]["auto_executable_tools"] = json!(["deploy_service"]);
        value["audit"] = json!({"append_only": true});
        value["cost_boundary"] = json!({"max_usd_per_trace_loop": 1});
        value["loop_boundary"] = json!({});
        assert_eq!(
            Contract::from_value(value.clone()).unwrap().tier().computed,
            Band::A5
        );
        value["loop_boundary"] = json!({"note": "extra keys count as content"});
        assert_eq!(
            Contract::from_value(value).unwrap().tier().computed,
            Band::A4
        );
    }

    #[test]
    fn a_turn_count_beyond_32_bits_is_a_schema_error() {
        let mut value = minimal();
        value["loop_boundary"] = json!({"max_reasoning_turns": 5_000_000_000_u64});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let error = Contract::from_json(&text).unwrap_err();
        assert_eq!(error.code(), Code::ContractSchema);
        assert_eq!(error.field(), Some("loop_boundary.max_reasoning_turns"));
        assert_eq!(
            error.message(),
            "`5000000000` is not a whole number from 0 to 4294967295"
        );
        assert!(error.location().is_some());
    }

    #[test]
    fn serializes_as_loaded() {
        let mut value = minimal();
        value["x-extra"] = json!({"kept": [1, 2]});
        let contract = Contract::from_value(value.clone()).unwrap();
        assert_eq!(serde_json::to_value(&contract).unwrap(), value);
        assert_eq!(contract.digest_source(), &value);
    }

    #[test]
    fn contract_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Contract>();
    }
}
