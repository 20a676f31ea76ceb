#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The rule matrix: a positive and a negative case for every trigger, gate rule, cap,
//! limit and ladder step, plus decision-schema failures, the plain-text escalation
//! form, routing, and fail-closed request parsing.
//!
//! Every test starts from a clean baseline request (a verified Pro customer asking a
//! how-to question, one relevant KB document, a DRAFT decision that drafts a reply) and
//! changes one thing, then asserts the whole outcome: final and proposed decision,
//! `downgraded`, the exact violation codes in order, allowed tools with their modes,
//! blocked tools with their codes, the fired triggers, and where the ticket goes.

use std::sync::LazyLock;

use deskguard::{Code, Contract, Engine, Mode, Request, Span, Verdict, EMBEDDED_POLICY_YAML};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------
// Engines
// ---------------------------------------------------------------------------------

const A3_JSON: &str = include_str!("../policies/resolution-agent.agentaz.json");

fn build(contract: Option<&str>, mode: Mode) -> Engine {
    let mut builder = Engine::builder().mode(mode);
    if let Some(json) = contract {
        builder = builder.contract(Contract::from_json(json).unwrap());
    }
    builder.build().unwrap()
}

/// The blueprint's own contract (A2: drafts only), in suggest mode (the default).
static A2: LazyLock<Engine> = LazyLock::new(|| build(None, Mode::Suggest));
/// The blueprint's contract in auto mode.
static A2_AUTO: LazyLock<Engine> = LazyLock::new(|| build(None, Mode::Auto));
/// The resolution agent (A3: sends, refunds need approval), in suggest mode.
static A3: LazyLock<Engine> = LazyLock::new(|| build(Some(A3_JSON), Mode::Suggest));
/// The resolution agent in auto mode.
static A3_AUTO: LazyLock<Engine> = LazyLock::new(|| build(Some(A3_JSON), Mode::Auto));

/// A split-shape contract for the gate rules the shipped contracts cannot show: an
/// approval-required tool that moves no money, a risky verb listed as auto-executable,
/// and an account-changing tool the contract allows.
const GATE_CONTRACT: &str = r#"{
  "agent_id": "gate-test-agent",
  "version": "1.0.0",
  "trust_level": "A4",
  "worst_case_action": "Purges a cache or changes an address.",
  "authority_boundary": "Test contract.",
  "last_reviewed": "2026-06-24",
  "tool_boundary": {
    "auto_executable_tools": ["read_ticket", "draft_reply", "send_reply", "ticket_update", "kb_search", "purge_cache", "address_change", "classify", "prioritize", "route"],
    "approval_required_tools": ["tag_ticket", "refund_issue"],
    "execution_tools_absent": false
  },
  "output_boundary": { "never_emits": ["account_delete"] },
  "cost_boundary": { "max_usd_per_trace_loop": 1.0, "alert_threshold_usd": 0.5 },
  "loop_boundary": { "max_reasoning_turns": 12 }
}"#;

static GATE: LazyLock<Engine> = LazyLock::new(|| build(Some(GATE_CONTRACT), Mode::Auto));

// ---------------------------------------------------------------------------------
// Request builder
// ---------------------------------------------------------------------------------

/// A request as JSON, changed one thing at a time.
#[derive(Clone)]
struct Req(Value);

impl Req {
    /// A verified Pro customer asks a how-to question that KB-118 answers; the model
    /// proposes a DRAFT that drafts the reply.
    fn draft() -> Req {
        Req(json!({
            "ticket": {
                "id": "T-1",
                "subject": "Where is the 2FA setting?",
                "body": "Hi, how do I turn on two-factor authentication for my account?",
                "turn": 1,
                "customer": {
                    "id": "C-1", "email": "sam@example.com", "verified": true,
                    "plan": "Pro", "tier": "pro", "prior_contacts_same_issue": 0
                }
            },
            "context": {
                "kb": [{
                    "id": "KB-118", "title": "Enabling Two-Factor Authentication",
                    "content": "Go to Settings > Security > Two-Factor Authentication.",
                    "updated_at": "2026-05-02", "score": 0.91, "tags": ["security", "how_to"]
                }],
                "crm": {},
                "orders": []
            },
            "decision": {
                "intent": "how_to_2fa",
                "sentiment": "neutral",
                "urgency": "low",
                "confidence": 0.93,
                "grounded": true,
                "decision": "DRAFT",
                "reason": "Covered by KB-118.",
                "actions": [{ "tool": "send_reply", "args": { "mode": "draft" } }],
                "customer_reply": "Go to Settings > Security > Two-Factor Authentication.",
                "internal_note": "KB-118",
                "tags": ["2fa"],
                "escalation": { "needed": false, "queue": "", "priority": "low", "trigger": "" }
            },
            "trace": { "turns": 2, "tool_calls": 1, "cost_usd": 0.04 },
            "now": "2026-06-24T09:15:00Z"
        }))
    }

    /// The same ticket, but the model proposes AUTO_RESOLVE: send the reply and close.
    fn auto() -> Req {
        Req::draft()
            .set("/decision/decision", json!("AUTO_RESOLVE"))
            .actions(json!([
                { "tool": "send_reply", "args": { "mode": "send" } },
                { "tool": "ticket_update", "args": { "status": "solved", "tags": ["2fa"] } }
            ]))
    }

    /// A verified customer charged twice; a documented refund policy and both
    /// transactions are in context; the model drafts a refund of `amount` for
    /// `txn_8842` (29 USD) for approval.
    fn refund(amount: f64) -> Req {
        Req::draft()
            .set("/ticket/subject", json!("Charged twice this month"))
            .set(
                "/ticket/body",
                json!("I see two charges on the same day. Please refund the duplicate."),
            )
            .set(
                "/context/kb",
                json!([{
                    "id": "KB-204", "title": "Refund policy: duplicate charges",
                    "content": "Refund the duplicate charge in full.",
                    "updated_at": "2026-04-18", "score": 0.88, "tags": ["billing", "refund_policy"]
                }]),
            )
            .set(
                "/context/orders",
                json!([
                    { "txn_id": "txn_8841", "amount_usd": 29, "date": "2026-06-03", "status": "paid" },
                    { "txn_id": "txn_8842", "amount_usd": 29, "date": "2026-06-03", "status": "paid" }
                ]),
            )
            .set("/decision/intent", json!("billing_duplicate_charge"))
            .set(
                "/decision/internal_note",
                json!("Duplicate charge txn_8842 (order_lookup)."),
            )
            .set("/decision/urgency", json!("medium"))
            .set("/decision/confidence", json!(0.88))
            .actions(json!([
                { "tool": "refund_issue", "args": { "amount_usd": amount, "txn_id": "txn_8842" } },
                { "tool": "send_reply", "args": { "mode": "draft" } }
            ]))
    }

    /// Sets the value at a JSON pointer, creating objects along the way.
    fn set(mut self, pointer: &str, value: Value) -> Req {
        let mut node = &mut self.0;
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        let (last, parents) = segments.split_last().unwrap();
        for segment in parents {
            node = match node {
                Value::Array(items) => &mut items[segment.parse::<usize>().unwrap()],
                Value::Object(map) => map.entry(segment.to_string()).or_insert(json!({})),
                other => panic!("cannot descend into {other}"),
            };
        }
        match node {
            Value::Array(items) => items[last.parse::<usize>().unwrap()] = value,
            Value::Object(map) => {
                map.insert((*last).to_string(), value);
            }
            other => panic!("cannot set in {other}"),
        }
        self
    }

    /// Removes the key at a JSON pointer.
    fn remove(mut self, pointer: &str) -> Req {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        self.0
            .pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key)
            .unwrap();
        self
    }

    fn subject(self, text: &str) -> Req {
        self.set("/ticket/subject", json!(text))
    }

    fn body(self, text: &str) -> Req {
        self.set("/ticket/body", json!(text))
    }

    fn intent(self, intent: &str) -> Req {
        self.set("/decision/intent", json!(intent))
    }

    fn kind(self, kind: &str) -> Req {
        self.set("/decision/decision", json!(kind))
    }

    fn confidence(self, confidence: f64) -> Req {
        self.set("/decision/confidence", json!(confidence))
    }

    fn unverified(self) -> Req {
        self.set("/ticket/customer/verified", json!(false))
    }

    fn actions(self, actions: Value) -> Req {
        self.set("/decision/actions", actions)
    }

    /// Checks the request, both parsed from a value and as JSON text (the two paths
    /// must agree), and twice (checks are deterministic).
    fn check(&self, engine: &Engine) -> Verdict {
        let request = Request::from_value(self.0.clone()).unwrap();
        let verdict = engine.check(&request);
        assert_eq!(
            engine.check(&request),
            verdict,
            "check is not deterministic"
        );
        assert_eq!(
            engine.check_json(&self.0.to_string()),
            verdict,
            "check_json disagrees with check"
        );
        verdict
    }
}

// ---------------------------------------------------------------------------------
// Exact outcomes
// ---------------------------------------------------------------------------------

/// The parts of a verdict every test pins down.
#[derive(Debug, PartialEq)]
struct Outcome {
    decision: String,
    proposed: Option<String>,
    downgraded: bool,
    violations: Vec<String>,
    allowed: Vec<(String, String)>,
    blocked: Vec<(String, String)>,
    triggers: Vec<String>,
    needed: bool,
    queue: String,
    priority: String,
}

/// The expected outcome; `Expect::default()` is the baseline's (a DRAFT that stays a
/// DRAFT, nothing else), so a test lists only what its one change changes, but every
/// field is always compared.
#[derive(Clone, Copy)]
struct Expect {
    decision: &'static str,
    proposed: Option<&'static str>,
    violations: &'static [&'static str],
    allowed: &'static [(&'static str, &'static str)],
    blocked: &'static [(&'static str, &'static str)],
    triggers: &'static [&'static str],
    queue: &'static str,
    priority: &'static str,
}

impl Default for Expect {
    fn default() -> Self {
        Expect {
            decision: "DRAFT",
            proposed: Some("DRAFT"),
            violations: &[],
            allowed: DRAFT_REPLY,
            blocked: &[],
            triggers: &[],
            queue: "",
            priority: "low",
        }
    }
}

/// The baseline's one action, as it leaves the gate.
const DRAFT_REPLY: &[(&str, &str)] = &[("send_reply", "execute")];

fn name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value).unwrap() {
        Value::String(text) => text,
        other => panic!("not a string: {other}"),
    }
}

fn autonomy(kind: &str) -> u8 {
    match kind {
        "AUTO_RESOLVE" => 3,
        "DRAFT" => 2,
        "ROUTE" => 1,
        "ESCALATE" => 0,
        other => panic!("unknown decision {other}"),
    }
}

fn outcome(verdict: &Verdict) -> Outcome {
    Outcome {
        decision: verdict.decision.as_str().to_string(),
        proposed: verdict.proposed.map(|p| p.as_str().to_string()),
        downgraded: verdict.downgraded,
        violations: verdict
            .violations
            .iter()
            .map(|v| v.code.as_str().to_string())
            .collect(),
        allowed: verdict
            .allowed
            .iter()
            .map(|a| (a.tool.clone(), name(&a.mode)))
            .collect(),
        blocked: verdict
            .blocked
            .iter()
            .map(|b| (b.tool.clone(), b.code.as_str().to_string()))
            .collect(),
        triggers: verdict
            .escalation
            .triggers
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        needed: verdict.escalation.needed,
        queue: verdict.escalation.queue.clone(),
        priority: name(&verdict.escalation.priority),
    }
}

impl Expect {
    #[track_caller]
    fn assert(self, verdict: &Verdict) {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let pairs = |items: &[(&str, &str)]| {
            items
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        let expected = Outcome {
            decision: self.decision.to_string(),
            proposed: self.proposed.map(str::to_string),
            downgraded: self
                .proposed
                .is_some_and(|p| autonomy(self.decision) < autonomy(p)),
            violations: strings(self.violations),
            allowed: pairs(self.allowed),
            blocked: pairs(self.blocked),
            triggers: strings(self.triggers),
            needed: self.decision == "ESCALATE",
            queue: self.queue.to_string(),
            priority: self.priority.to_string(),
        };
        assert_eq!(
            outcome(verdict),
            expected,
            "\nverdict: {}",
            verdict.to_json()
        );
        // Every fired trigger has its detail, and every detail is a fired trigger.
        let mut detailed: Vec<String> = verdict
            .escalation
            .details
            .iter()
            .map(|d| d.trigger.as_str().to_string())
            .collect();
        detailed.sort_by_key(|t| self.triggers.iter().position(|e| e == t));
        assert_eq!(detailed, expected.triggers, "trigger details");
    }
}

/// An ESCALATE from a DRAFT proposal that keeps the drafted reply.
fn escalated(
    triggers: &'static [&'static str],
    queue: &'static str,
    priority: &'static str,
) -> Expect {
    Expect {
        decision: "ESCALATE",
        triggers,
        queue,
        priority,
        ..Expect::default()
    }
}

/// The detail of one fired trigger: (field, span).
fn detail(verdict: &Verdict, trigger: &str) -> (Option<String>, Option<Span>) {
    let hit = verdict
        .escalation
        .details
        .iter()
        .find(|d| d.trigger.as_str() == trigger)
        .unwrap_or_else(|| panic!("no detail for {trigger}: {}", verdict.to_json()));
    (hit.field.clone(), hit.span)
}

/// Asserts that `trigger` fired on `needle` in `field` of the request, at its exact
/// byte span, and that the span covers that text.
#[track_caller]
fn assert_span(verdict: &Verdict, req: &Req, trigger: &str, field: &str, needle: &str) {
    let pointer = format!("/{}", field.replace('.', "/"));
    let text = req.0.pointer(&pointer).unwrap().as_str().unwrap();
    let start = text.find(needle).unwrap();
    let span = Span::new(start, start + needle.len());
    assert_eq!(
        detail(verdict, trigger),
        (Some(field.to_string()), Some(span))
    );
    assert_eq!(&text[span.start..span.end], needle);
}

/// The field of each violation, in order.
/// The two actions of [`Req::auto`], withheld: the send rewritten to a draft, the
/// close dropped from the ticket update.
fn assert_acts_withheld(verdict: &Verdict, case: &str) {
    assert_eq!(
        verdict.allowed[0].args,
        *json!({"mode": "draft"}).as_object().unwrap(),
        "{case}"
    );
    assert_eq!(
        verdict.allowed[1].args,
        *json!({"tags": ["2fa"]}).as_object().unwrap(),
        "{case}"
    );
}

fn violation_fields(verdict: &Verdict) -> Vec<(String, Option<String>)> {
    verdict
        .violations
        .iter()
        .map(|v| (v.code.as_str().to_string(), v.field.clone()))
        .collect()
}

fn severities(verdict: &Verdict) -> Vec<String> {
    verdict
        .violations
        .iter()
        .map(|v| name(&v.severity))
        .collect()
}

// ---------------------------------------------------------------------------------
// Baselines
// ---------------------------------------------------------------------------------

#[test]
fn baseline_draft_stays_a_draft_under_both_contracts_and_modes() {
    for engine in [&*A2, &*A2_AUTO, &*A3, &*A3_AUTO] {
        Expect::default().assert(&Req::draft().check(engine));
    }
}

#[test]
fn baseline_auto_resolve_passes_only_under_a3_in_auto_mode() {
    let verdict = Req::auto().check(&A3_AUTO);
    Expect {
        decision: "AUTO_RESOLVE",
        proposed: Some("AUTO_RESOLVE"),
        allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.allowed[0].args,
        *json!({"mode": "send"}).as_object().unwrap()
    );
    assert_eq!(verdict.allowed[0].note, None);
}

#[test]
fn baseline_refund_is_staged_for_approval_under_a3() {
    for engine in [&*A3, &*A3_AUTO] {
        Expect {
            allowed: &[
                ("refund_issue", "requires_approval"),
                ("send_reply", "execute"),
            ],
            priority: "medium",
            ..Expect::default()
        }
        .assert(&Req::refund(29.0).check(engine));
    }
}

// ---------------------------------------------------------------------------------
// Triggers
// ---------------------------------------------------------------------------------

#[test]
fn enterprise_account_by_tier_case_insensitive() {
    let verdict = Req::draft()
        .set("/ticket/customer/tier", json!("Enterprise"))
        .check(&A2);
    escalated(&["enterprise_account"], "tier2_enterprise", "high").assert(&verdict);
    assert_eq!(detail(&verdict, "enterprise_account"), (None, None));
    assert_eq!(
        verdict.escalation.details[0].message,
        "customer tier `enterprise` is an enterprise tier"
    );
}

/// The blueprint's customer line names the plan ("verified, Enterprise, $240k ARR"): a
/// plan named like an enterprise tier counts when the tier does not say.
#[test]
fn enterprise_account_by_plan() {
    let req = Req::draft().set("/ticket/customer/plan", json!(" Enterprise "));
    let verdict = req.clone().remove("/ticket/customer/tier").check(&A2);
    escalated(&["enterprise_account"], "tier2_enterprise", "high").assert(&verdict);
    assert_eq!(
        verdict.escalation.details[0].message,
        "customer plan `enterprise` is an enterprise tier"
    );
    // Also next to a tier that is not one (the baseline's `pro`).
    escalated(&["enterprise_account"], "tier2_enterprise", "high").assert(&req.check(&A2));
    // The baseline's plan (`Pro`) is not.
    Expect::default().assert(&Req::draft().check(&A2));
}

#[test]
fn enterprise_account_by_arr_at_the_threshold() {
    let verdict = Req::draft()
        .set("/ticket/customer/arr_usd", json!(100000))
        .check(&A3);
    escalated(&["enterprise_account"], "tier2_enterprise", "high").assert(&verdict);
}

#[test]
fn enterprise_account_negative_below_the_threshold_and_other_tier() {
    let req = Req::draft()
        .set("/ticket/customer/arr_usd", json!(99999.99))
        .set("/ticket/customer/tier", json!("business"));
    Expect::default().assert(&req.check(&A2));
    Expect::default().assert(&req.check(&A3));
}

#[test]
fn churn_threat_positive_with_span() {
    let req = Req::draft().body("Fix this or we are cancelling and moving to a competitor.");
    let verdict = req.check(&A2);
    escalated(&["churn_threat"], "retention", "high").assert(&verdict);
    assert_span(&verdict, &req, "churn_threat", "ticket.body", "cancelling");
}

/// A threat to cancel or to leave for a named competitor, in the words customers use.
#[test]
fn churn_threat_positive_explicit_threats_and_competitor_switches() {
    for (body, phrase) in [
        ("Fix this or we will cancel.", "will cancel"),
        (
            "Honestly I\u{2019}ll cancel if this happens again.",
            "I\u{2019}ll cancel",
        ),
        (
            "We are going to cancel unless someone helps.",
            "going to cancel",
        ),
        (
            "We're switching to Zendesk next month.",
            "switching to Zendesk",
        ),
        (
            "Our team is moving to Help  Scout.",
            "moving to Help  Scout",
        ),
    ] {
        let req = Req::draft().body(body);
        let verdict = req.check(&A2);
        escalated(&["churn_threat"], "retention", "high").assert(&verdict);
        assert_span(&verdict, &req, "churn_threat", "ticket.body", phrase);
    }
}

#[test]
fn churn_threat_negative_cancel_without_a_threat() {
    for body in [
        "Can I cancel a scheduled report email?",
        "How do I cancel an invite I sent by mistake?",
        "We are moving to the new dashboard, where is the export button?",
    ] {
        let verdict = Req::draft().body(body).check(&A2);
        Expect::default().assert(&verdict);
    }
}

#[test]
fn legal_language_positive_with_span_in_subject_and_multibyte_text() {
    let req = Req::draft()
        .subject("Café owner here — my lawyer will call")
        .body("Please call my attorney.");
    let verdict = req.check(&A2);
    escalated(&["legal_language"], "legal", "high").assert(&verdict);
    // The subject is searched first; the span is in UTF-8 bytes, past the é and em dash.
    assert_span(&verdict, &req, "legal_language", "ticket.subject", "lawyer");
    assert_eq!(
        detail(&verdict, "legal_language").1,
        Some(Span::new(24, 30))
    );
}

#[test]
fn legal_language_negative_sue_inside_other_words() {
    let verdict = Req::draft()
        .body("There is an issue with my invoice; I will pursue it with finance.")
        .check(&A2);
    Expect::default().assert(&verdict);
}

#[test]
fn security_language_positive_with_span() {
    let req = Req::draft().body("I think my account was hacked last night.");
    let verdict = req.check(&A3);
    escalated(&["security_language"], "trust_and_safety", "high").assert(&verdict);
    assert_span(&verdict, &req, "security_language", "ticket.body", "hacked");
}

#[test]
fn security_language_negative_hackathon() {
    let verdict = Req::draft()
        .body("Can we use the API at our hackathon?")
        .check(&A3);
    Expect::default().assert(&verdict);
}

#[test]
fn privacy_language_positive_with_span() {
    let req = Req::draft().body("Under the GDPR, please tell me what you store.");
    let verdict = req.check(&A2);
    escalated(&["privacy_language"], "legal", "high").assert(&verdict);
    assert_span(&verdict, &req, "privacy_language", "ticket.body", "GDPR");
}

/// The runbook: a data leak goes to legal, engineering and the IC at once.
#[test]
fn a_data_leak_goes_to_legal() {
    let req =
        Req::draft().body("Your agent sent our data to the wrong customer. Is this a data leak?");
    let verdict = req.check(&A2);
    escalated(&["privacy_language"], "legal", "high").assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "privacy_language",
        "ticket.body",
        "sent our data to",
    );
}

#[test]
fn privacy_language_negative() {
    let verdict = Req::draft()
        .body("How do I export my reports as PDF?")
        .check(&A2);
    Expect::default().assert(&verdict);
}

#[test]
fn compliance_language_positive_with_span() {
    let req = Req::draft()
        .subject("HIPAA question")
        .body("Is 2FA required?");
    let verdict = req.check(&A2);
    escalated(&["compliance_language"], "legal", "high").assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "compliance_language",
        "ticket.subject",
        "HIPAA",
    );
}

#[test]
fn compliance_language_negative_compliant() {
    let verdict = Req::draft()
        .body("Is the new theme compliant with dark mode?")
        .check(&A2);
    Expect::default().assert(&verdict);
}

#[test]
fn data_loss_claim_positive_by_phrase_and_by_pattern() {
    let req = Req::draft().body("Since this morning the dashboard is down.");
    let verdict = req.check(&A2);
    escalated(&["data_loss_claim"], "engineering_triage", "high").assert(&verdict);
    assert_span(&verdict, &req, "data_loss_claim", "ticket.body", "is down");

    let req = Req::draft().subject("Our data has been wiped");
    let verdict = req.check(&A2);
    escalated(&["data_loss_claim"], "engineering_triage", "high").assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "data_loss_claim",
        "ticket.subject",
        "data has been wiped",
    );
}

#[test]
fn data_loss_claim_negative_download() {
    let verdict = Req::draft()
        .body("How do I download my data as CSV?")
        .check(&A2);
    Expect::default().assert(&verdict);
}

#[test]
fn self_harm_or_violence_positive_with_span() {
    let req = Req::draft().body("Honestly I want to hurt myself over this.");
    let verdict = req.check(&A3_AUTO);
    escalated(&["self_harm_or_violence"], "trust_and_safety", "high").assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "self_harm_or_violence",
        "ticket.body",
        "hurt myself",
    );
}

#[test]
fn self_harm_or_violence_negative_troubleshoot() {
    let verdict = Req::draft()
        .body("Help me troubleshoot the login page.")
        .check(&A3_AUTO);
    Expect::default().assert(&verdict);
}

/// The runbook: customer loss explicitly attributed to agent behavior goes to
/// engineering and legal (legal liability).
#[test]
fn agent_caused_loss_positive_with_span() {
    let req = Req::draft()
        .body("Your agent emailed the wrong invoice and it cost us the contract with Acme.");
    let verdict = req.check(&A3);
    escalated(&["agent_caused_loss"], "legal", "high").assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "agent_caused_loss",
        "ticket.body",
        "cost us the contract",
    );
    let req = Req::draft().subject("We LOST a client because of your bot");
    escalated(&["agent_caused_loss"], "legal", "high").assert(&req.check(&A3));
}

#[test]
fn agent_caused_loss_negative_lost_access() {
    let verdict = Req::draft()
        .body("We lost the client portal link, how do I find it again?")
        .check(&A3);
    Expect::default().assert(&verdict);
}

/// The blueprint: urgency signals trigger escalation. The default policy escalates the
/// model's `high`; `medium` and `low` pass.
#[test]
fn urgent_ticket_by_the_models_urgency() {
    let verdict = Req::draft()
        .set("/decision/urgency", json!("high"))
        .check(&A2);
    escalated(&["urgent_ticket"], "general_support", "high").assert(&verdict);
    assert_eq!(
        detail(&verdict, "urgent_ticket"),
        (None, None),
        "the trigger has no text span"
    );
    assert_eq!(verdict.escalation.details[0].message, "urgency is `high`");
    Expect {
        priority: "medium",
        ..Expect::default()
    }
    .assert(
        &Req::draft()
            .set("/decision/urgency", json!("medium"))
            .check(&A2),
    );
}

#[test]
fn negative_sentiment_critical_fires() {
    let verdict = Req::draft()
        .set("/decision/sentiment", json!("critical"))
        .check(&A2);
    escalated(&["negative_sentiment"], "general_support", "high").assert(&verdict);
}

#[test]
fn negative_sentiment_negative_fires_from_turn_3() {
    let req = Req::draft().set("/decision/sentiment", json!("negative"));
    Expect::default().assert(&req.clone().set("/ticket/turn", json!(2)).check(&A2));
    escalated(&["negative_sentiment"], "general_support", "high")
        .assert(&req.set("/ticket/turn", json!(3)).check(&A2));
}

#[test]
fn repeated_contact_from_two_prior_contacts() {
    let req = Req::draft();
    Expect::default().assert(
        &req.clone()
            .set("/ticket/customer/prior_contacts_same_issue", json!(1))
            .check(&A2),
    );
    escalated(&["repeated_contact"], "general_support", "medium").assert(
        &req.set("/ticket/customer/prior_contacts_same_issue", json!(2))
            .check(&A2),
    );
}

/// Regression (found by fuzzing the npm package): the first message's AI disclosure was
/// added only for `turn: 1`, so a request with no turn or a turn of 0 sent a first
/// reply without it. Such a turn may be the first: the disclosure is added.
#[test]
fn the_ai_disclosure_is_added_unless_the_turn_is_known_to_be_later() {
    let added = |req: Req| {
        req.check(&A3)
            .reply
            .map(|reply| reply.disclosures_added)
            .unwrap_or_default()
    };
    let ai = vec!["ai_disclosure".to_string()];
    assert_eq!(added(Req::draft()), ai);
    assert_eq!(added(Req::draft().set("/ticket/turn", json!(0))), ai);
    assert_eq!(added(Req::draft().remove("/ticket/turn")), ai);
    assert!(added(Req::draft().set("/ticket/turn", json!(2))).is_empty());
}

/// The playbook's data-collection notice is due when account data is requested: the
/// decision proposes one of the policy's `identity.account_data_tools`.
#[test]
fn the_data_collection_notice_is_added_when_the_decision_reads_account_data() {
    let later = Req::draft().set("/ticket/turn", json!(2));
    let looked_up = later.clone().actions(json!([
        { "tool": "order_lookup", "args": { "order_id": "A-1" } },
        { "tool": "send_reply", "args": { "mode": "draft" } }
    ]));
    let reply = looked_up.check(&A3).reply.unwrap();
    assert_eq!(reply.disclosures_added, ["data_collection_notice"]);
    assert_eq!(
        reply.text,
        "Go to Settings > Security > Two-Factor Authentication.\n\n\
         I'll need to access your account information to help with this."
    );
    // Another tool, or none, requests no account data.
    assert!(later.check(&A3).reply.is_none());
    let other = later.actions(json!([
        { "tool": "kb_search", "args": { "query": "2fa" } },
        { "tool": "send_reply", "args": { "mode": "draft" } }
    ]));
    assert!(other.check(&A3).reply.is_none());
}

#[test]
fn immediate_intent_positive_and_near_miss() {
    // account_deletion routes by intent (the trigger route names no queue).
    escalated(&["immediate_intent"], "retention", "high")
        .assert(&Req::draft().intent("account_deletion").check(&A3));
    escalated(&["immediate_intent"], "trust_and_safety", "high")
        .assert(&Req::draft().intent("abuse_report").check(&A3));
    // Globs match whole labels.
    Expect::default().assert(&Req::draft().intent("account_deletion_howto").check(&A3));
    // Regression (found by fuzzing the npm package): a label disguised with an
    // invisible or full-width character fired no trigger. Labels match canonically.
    escalated(&["immediate_intent"], "retention", "high")
        .assert(&Req::draft().intent("\u{200b}account_deletion").check(&A3));
    escalated(&["immediate_intent"], "trust_and_safety", "high").assert(
        &Req::draft()
            .intent("\u{ff41}buse_report\u{200d}")
            .check(&A3),
    );
}

#[test]
fn payment_dispute_over_threshold_by_phrase_with_span() {
    let req = Req::draft().body("I dispute the $620 charge on my card.");
    let verdict = req.check(&A2);
    escalated(&["payment_dispute_over_threshold"], "billing", "high").assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "payment_dispute_over_threshold",
        "ticket.body",
        "dispute",
    );
}

#[test]
fn payment_dispute_by_intent_uses_the_named_order_amount() {
    let req = Req::draft()
        .intent("payment_dispute")
        .body("Why was txn_9001 charged?")
        .set(
            "/context/orders",
            json!([{ "txn_id": "txn_9001", "amount_usd": 750, "status": "paid" }]),
        );
    let verdict = req.check(&A2);
    escalated(&["payment_dispute_over_threshold"], "billing", "high").assert(&verdict);
    // Found by intent, so there is no text span.
    assert_eq!(
        detail(&verdict, "payment_dispute_over_threshold"),
        (None, None)
    );
}

/// Fail closed: a dispute whose amount neither the ticket, the actions nor the orders
/// state cannot be shown to be under the threshold.
#[test]
fn payment_dispute_of_an_unstated_amount_escalates() {
    let req = Req::draft().body("I am disputing the charge from last week.");
    let verdict = req.check(&A2);
    escalated(&["payment_dispute_over_threshold"], "billing", "high").assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "payment_dispute_over_threshold",
        "ticket.body",
        "disputing",
    );
    assert_eq!(
        verdict.escalation.details[0].message,
        "a payment dispute of an amount that neither the ticket, the actions nor the orders \
         state, so it may be over the threshold of 500 USD"
    );
    // An order the ticket names states it.
    let named = req.body("I am disputing txn_9001.").set(
        "/context/orders",
        json!([{ "txn_id": "txn_9001", "amount_usd": 40, "status": "paid" }]),
    );
    Expect::default().assert(&named.check(&A2));
}

#[test]
fn payment_dispute_negative_at_or_below_the_threshold_or_no_dispute() {
    // At the threshold does not fire (strictly over).
    let verdict = Req::draft()
        .body("I dispute the $500 charge on my card.")
        .check(&A2);
    Expect::default().assert(&verdict);
    // A large amount without a dispute does not fire.
    let verdict = Req::draft()
        .body("We paid $2,400 for the annual plan; how do I turn on 2FA?")
        .check(&A2);
    Expect::default().assert(&verdict);
}

#[test]
fn refund_over_cap_trigger_and_negative() {
    let req = Req::refund(50.01).set("/context/orders/1/amount_usd", json!(80));
    Expect {
        decision: "ESCALATE",
        violations: &["REFUND_OVER_CAP"],
        allowed: DRAFT_REPLY,
        blocked: &[("refund_issue", "REFUND_OVER_CAP")],
        triggers: &["refund_over_cap"],
        queue: "billing",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&req.check(&A3));
    Expect {
        allowed: &[
            ("refund_issue", "requires_approval"),
            ("send_reply", "execute"),
        ],
        priority: "medium",
        ..Expect::default()
    }
    .assert(
        &Req::refund(50.0)
            .set("/context/orders/1/amount_usd", json!(80))
            .check(&A3),
    );
}

#[test]
fn refund_outside_policy_trigger_and_negative() {
    let verdict = Req::refund(29.0).set("/context/kb", json!([])).check(&A3);
    Expect {
        decision: "ESCALATE",
        violations: &["RETRIEVAL_BELOW_MIN", "REFUND_NO_POLICY"],
        blocked: &[("refund_issue", "REFUND_NO_POLICY")],
        triggers: &["refund_outside_policy", "ungrounded"],
        queue: "billing",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&verdict);
    // The same request with the policy document passes (baseline_refund_...).
}

#[test]
fn identity_unverified_by_sensitive_intent() {
    let verdict = Req::draft()
        .unverified()
        .intent("billing_invoice_question")
        .check(&A2);
    // identity_unverified routes to general_support; billing_* would be billing.
    escalated(&["identity_unverified"], "general_support", "medium").assert(&verdict);
    // A how-to question needs no verified identity.
    Expect::default().assert(&Req::draft().unverified().check(&A2));
    // An order's status is the customer's own data: promoted to auto-resolve, but only
    // for a verified customer.
    let verdict = Req::auto()
        .unverified()
        .intent("order_status")
        .check(&A3_AUTO);
    Expect {
        proposed: Some("AUTO_RESOLVE"),
        allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
        ..escalated(&["identity_unverified"], "general_support", "medium")
    }
    .assert(&verdict);
    assert_acts_withheld(&verdict, "order_status");
}

#[test]
fn ungrounded_when_the_model_says_so() {
    let verdict = Req::draft()
        .set("/decision/grounded", json!(false))
        .check(&A2);
    Expect {
        violations: &["NOT_GROUNDED"],
        ..escalated(&["ungrounded"], "general_support", "medium")
    }
    .assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![("NOT_GROUNDED".into(), Some("decision.grounded".into()))]
    );
}

#[test]
fn ungrounded_when_retrieval_is_below_the_minimum() {
    let req = Req::draft().set("/context/kb/0/score", json!(0.49));
    let verdict = req.check(&A3);
    Expect {
        violations: &["RETRIEVAL_BELOW_MIN"],
        ..escalated(&["ungrounded"], "general_support", "medium")
    }
    .assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![("RETRIEVAL_BELOW_MIN".into(), Some("context.kb".into()))]
    );
    // At the minimum it grounds; so does CRM context next to a weak document.
    Expect::default().assert(
        &Req::draft()
            .set("/context/kb/0/score", json!(0.5))
            .check(&A3),
    );
    Expect::default().assert(
        &req.clone()
            .set("/context/crm", json!({"plan": "Pro"}))
            .check(&A3),
    );
    // No context at all does not ground a DRAFT either; the response validator also
    // finds that the note cites a KB-118 that is not in context.
    Expect {
        violations: &[
            "RETRIEVAL_BELOW_MIN",
            "CITATION_UNKNOWN",
            "CITATION_MISSING",
        ],
        ..escalated(&["ungrounded"], "general_support", "medium")
    }
    .assert(&req.set("/context/kb", json!([])).check(&A3));
}

/// The playbook: low retrieval confidence on a billing or legal topic escalates. For
/// the policy's `kb_required_intents` the account's CRM and order records do not stand
/// in for a KB document: they say what the account holds, not what the policy is.
#[test]
fn a_billing_answer_needs_the_knowledge_base_whatever_the_crm_holds() {
    let weak = Req::draft()
        .intent("billing_invoice_question")
        .set("/context/kb/0/score", json!(0.49))
        .set("/context/crm", json!({"plan": "Pro"}));
    let verdict = weak.check(&A3);
    Expect {
        violations: &["RETRIEVAL_BELOW_MIN"],
        ..escalated(&["ungrounded"], "billing", "medium")
    }
    .assert(&verdict);
    assert_eq!(
        verdict.violations[0].message,
        "intent `billing_invoice_question` needs a KB document scoring at least 0.5; CRM \
         and order context do not ground it"
    );
    assert_eq!(
        violation_fields(&verdict),
        vec![("RETRIEVAL_BELOW_MIN".into(), Some("context.kb".into()))]
    );
    // A relevant document grounds it; another intent is grounded by the CRM.
    Expect::default().assert(
        &weak
            .clone()
            .set("/context/kb/0/score", json!(0.5))
            .check(&A3),
    );
    Expect::default().assert(&weak.intent("how_to_invoices").check(&A3));
}

#[test]
fn max_turns_by_conversation_turn() {
    let req = Req::draft();
    Expect::default().assert(&req.clone().set("/ticket/turn", json!(4)).check(&A2));
    escalated(&["max_turns"], "general_support", "medium")
        .assert(&req.set("/ticket/turn", json!(5)).check(&A2));
}

#[test]
fn max_turns_by_trace_over_the_contract_loop_boundary() {
    // A2 allows 8 reasoning turns, A3 allows 10.
    let req = Req::draft();
    Expect::default().assert(&req.clone().set("/trace/turns", json!(8)).check(&A2));
    let expect = Expect {
        violations: &["LOOP_LIMIT_EXCEEDED"],
        ..escalated(&["max_turns"], "general_support", "medium")
    };
    let verdict = req.clone().set("/trace/turns", json!(9)).check(&A2);
    expect.assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![("LOOP_LIMIT_EXCEEDED".into(), Some("trace.turns".into()))]
    );
    Expect::default().assert(&req.clone().set("/trace/turns", json!(10)).check(&A3));
    expect.assert(&req.set("/trace/turns", json!(11)).check(&A3));
}

#[test]
fn triggers_fire_whatever_the_confidence_and_are_listed_in_registry_order() {
    let req = Req::draft()
        .subject("We're done: my lawyer says the account was hacked")
        .set("/ticket/customer/tier", json!("enterprise"))
        .confidence(0.99);
    let verdict = req.check(&A3_AUTO);
    // Queue: the first route in the policy's order whose trigger fired (security
    // before legal before enterprise before churn).
    escalated(
        &[
            "enterprise_account",
            "churn_threat",
            "legal_language",
            "security_language",
        ],
        "trust_and_safety",
        "high",
    )
    .assert(&verdict);
    assert_span(
        &verdict,
        &req,
        "churn_threat",
        "ticket.subject",
        "We're done",
    );
}

// ---------------------------------------------------------------------------------
// Tool gate
// ---------------------------------------------------------------------------------

fn one_action(tool: &str, args: Value) -> Value {
    json!([{ "tool": tool, "args": args }])
}

#[test]
fn never_emit_exact_name() {
    let verdict = Req::draft()
        .actions(one_action("send_message", json!({})))
        .check(&A2);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_NEVER_EMIT"],
        allowed: &[],
        blocked: &[("send_message", "TOOL_NEVER_EMIT")],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "the contract never emits `send_message`, which covers `send_message`"
    );
    assert_eq!(
        violation_fields(&verdict),
        vec![("TOOL_NEVER_EMIT".into(), Some("decision.actions[0]".into()))]
    );
}

#[test]
fn never_emit_by_verb_prefix() {
    for tool in [
        "refund_issue",
        "Refund-Partial",
        "cancel_subscription",
        "account_change_email",
    ] {
        let verdict = Req::draft().actions(one_action(tool, json!({}))).check(&A2);
        assert_eq!(verdict.blocked.len(), 1, "{tool}");
        assert_eq!(verdict.blocked[0].code, Code::ToolNeverEmit, "{tool}");
        assert_eq!(verdict.violations[0].code, Code::ToolNeverEmit, "{tool}");
        assert_eq!(verdict.decision.as_str(), "ESCALATE", "{tool}");
    }
    // A3 never emits account_delete, plan_change, password_reset, email_change.
    let verdict = Req::draft()
        .actions(one_action("account_delete_now", json!({})))
        .check(&A3);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_NEVER_EMIT"],
        allowed: &[],
        blocked: &[("account_delete_now", "TOOL_NEVER_EMIT")],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
}

#[test]
fn never_emit_negative_a_prefix_that_is_not_a_whole_verb() {
    // `account_deletion_request` is not `account_delete` + separator: not never-emit,
    // but not listed either.
    let verdict = Req::draft()
        .actions(one_action("account_deletion_request", json!({})))
        .check(&A3);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_NOT_ALLOWED"],
        allowed: &[],
        blocked: &[("account_deletion_request", "TOOL_NOT_ALLOWED")],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
}

#[test]
fn tool_not_allowed_and_its_negative() {
    let verdict = Req::draft()
        .actions(one_action("search_web", json!({"q": "2fa"})))
        .check(&A3);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_NOT_ALLOWED"],
        allowed: &[],
        blocked: &[("search_web", "TOOL_NOT_ALLOWED")],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "`search_web` is not in the contract's tool boundary"
    );
    Expect {
        allowed: &[("kb_search", "execute")],
        ..Expect::default()
    }
    .assert(
        &Req::draft()
            .actions(one_action("kb_search", json!({"q": "2fa"})))
            .check(&A3),
    );
    // A2 lists read_ticket.
    Expect {
        allowed: &[("read_ticket", "execute")],
        ..Expect::default()
    }
    .assert(
        &Req::draft()
            .actions(one_action("read_ticket", json!({})))
            .check(&A2),
    );
}

#[test]
fn tool_execution_absent_for_a_mutating_tool_under_a2() {
    // No alias rule matches (`assignee` is outside the tag-only rule), so the update
    // might close the ticket: it is gated as `close_ticket`, which is mutating, and A2
    // has no execution tools. With no `status` to remove, the close cannot be withheld.
    let verdict = Req::draft()
        .actions(one_action("ticket_update", json!({"assignee": "bob"})))
        .check(&A2);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_EXECUTION_ABSENT"],
        allowed: &[],
        blocked: &[("ticket_update", "TOOL_EXECUTION_ABSENT")],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "`close_ticket` is a mutating tool and the contract says execution tools are absent"
    );
    // A3 has execution tools and lists ticket_update: in a DRAFT the update waits for
    // the human who approves the draft.
    let verdict = Req::draft()
        .actions(one_action("ticket_update", json!({"assignee": "bob"})))
        .check(&A3);
    Expect {
        allowed: &[("ticket_update", "requires_approval")],
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.allowed[0].note.as_deref(),
        Some("withheld: closing the ticket happens only in an AUTO_RESOLVE verdict")
    );
    // A read-only tool is fine under A2.
    Expect {
        allowed: &[("classify", "execute")],
        ..Expect::default()
    }
    .assert(
        &Req::draft()
            .actions(one_action("classify", json!({"label": "2fa"})))
            .check(&A2),
    );
}

#[test]
fn approval_required_listing_needs_a_human() {
    let verdict = Req::draft()
        .actions(one_action("tag_ticket", json!({"tags": ["2fa"]})))
        .check(&GATE);
    Expect {
        allowed: &[("tag_ticket", "requires_approval")],
        ..Expect::default()
    }
    .assert(&verdict);
    Expect {
        allowed: &[("read_ticket", "execute")],
        ..Expect::default()
    }
    .assert(
        &Req::draft()
            .actions(one_action("read_ticket", json!({})))
            .check(&GATE),
    );
}

#[test]
fn risky_verb_needs_a_human_even_when_auto_executable() {
    Expect {
        allowed: &[("purge_cache", "requires_approval")],
        ..Expect::default()
    }
    .assert(
        &Req::draft()
            .actions(one_action("purge_cache", json!({})))
            .check(&GATE),
    );
    Expect {
        allowed: &[("kb_search", "execute")],
        ..Expect::default()
    }
    .assert(
        &Req::draft()
            .actions(one_action("kb_search", json!({})))
            .check(&GATE),
    );
}

#[test]
fn send_not_authorized_downgrades_to_draft_not_escalate() {
    let verdict = Req::auto().check(&A2_AUTO);
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["SEND_NOT_AUTHORIZED", "CLOSE_NOT_AUTHORIZED"],
        allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
        ..Expect::default()
    }
    .assert(&verdict);
    // The send is withheld: the reply is rewritten to a draft, the close is dropped.
    assert_acts_withheld(&verdict, "");
    assert_eq!(
        verdict.allowed[0].note.as_deref(),
        Some("withheld: sending happens only in an AUTO_RESOLVE verdict; arguments rewritten")
    );
    assert_eq!(
        violation_fields(&verdict),
        vec![
            (
                "SEND_NOT_AUTHORIZED".into(),
                Some("decision.actions[0]".into())
            ),
            (
                "CLOSE_NOT_AUTHORIZED".into(),
                Some("decision.actions[1]".into())
            ),
        ]
    );
    // Suggest mode adds its own reason first (the ladder runs before the gate).
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &[
            "MODE_SUGGEST",
            "SEND_NOT_AUTHORIZED",
            "CLOSE_NOT_AUTHORIZED",
        ],
        allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
        ..Expect::default()
    }
    .assert(&Req::auto().check(&A2));
}

#[test]
fn send_only_unauthorized_act() {
    let verdict = Req::auto()
        .actions(one_action("send_reply", json!({"mode": "send"})))
        .check(&A2_AUTO);
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["SEND_NOT_AUTHORIZED"],
        ..Expect::default()
    }
    .assert(&verdict);
    // Negative: A3 authorizes sending.
    Expect {
        decision: "AUTO_RESOLVE",
        proposed: Some("AUTO_RESOLVE"),
        ..Expect::default()
    }
    .assert(
        &Req::auto()
            .actions(one_action("send_reply", json!({"mode": "send"})))
            .check(&A3_AUTO),
    );
}

/// Regression: an AUTO_RESOLVE verdict sends the reply even when the model lists no
/// send action, so under a contract that cannot send it used to pass as AUTO_RESOLVE.
#[test]
fn auto_resolve_without_a_send_action_still_needs_send_authority() {
    let verdict = Req::auto().actions(json!([])).check(&A2_AUTO);
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["SEND_NOT_AUTHORIZED"],
        allowed: &[],
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![(
            "SEND_NOT_AUTHORIZED".into(),
            Some("decision.decision".into())
        )]
    );
    // Read-only actions do not change that.
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["SEND_NOT_AUTHORIZED"],
        allowed: &[("classify", "execute")],
        ..Expect::default()
    }
    .assert(
        &Req::auto()
            .actions(one_action("classify", json!({})))
            .check(&A2_AUTO),
    );
    // A3 authorizes sending.
    Expect {
        decision: "AUTO_RESOLVE",
        proposed: Some("AUTO_RESOLVE"),
        allowed: &[],
        ..Expect::default()
    }
    .assert(&Req::auto().actions(json!([])).check(&A3_AUTO));
}

#[test]
fn close_not_authorized_alone() {
    let verdict = Req::auto()
        .actions(json!([
            { "tool": "send_reply", "args": { "mode": "draft" } },
            { "tool": "ticket_update", "args": { "status": "closed" } }
        ]))
        .check(&A2_AUTO);
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["CLOSE_NOT_AUTHORIZED"],
        allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(verdict.allowed[1].args, serde_json::Map::new());
}

#[test]
fn acts_are_withheld_in_a_draft_even_when_authorized() {
    // A DRAFT proposal under A3: sending is authorized but happens only in an
    // AUTO_RESOLVE verdict, so the send becomes a draft; nothing is a violation.
    let verdict = Req::auto().kind("DRAFT").check(&A3_AUTO);
    Expect {
        allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
        ..Expect::default()
    }
    .assert(&verdict);
    assert_acts_withheld(&verdict, "");
}

/// Regression (found by fuzzing the npm package): an act's argument spelled in
/// another case, with a trailing space or an invisible character, matched no alias
/// rule, so the action was gated under its own name, which A3 authorizes: a DRAFT
/// verdict let the reply be sent and the ticket closed.
#[test]
fn a_disguised_act_is_still_withheld() {
    for (mode, status) in [
        ("Send", "SOLVED"),
        ("send ", "solved\u{200b}"),
        ("\u{ff53}\u{ff45}\u{ff4e}\u{ff44}", " Closed"),
    ] {
        let verdict = Req::auto()
            .kind("DRAFT")
            .actions(json!([
                { "tool": "send_reply", "args": { "mode": mode } },
                { "tool": "ticket_update", "args": { "status": status, "tags": ["2fa"] } }
            ]))
            .check(&A3_AUTO);
        Expect {
            allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
            ..Expect::default()
        }
        .assert(&verdict);
        assert_acts_withheld(&verdict, &format!("{mode:?} {status:?}"));
    }
}

/// The arguments an alias rule reads must be readable: not text, or under a disguised
/// name, the action is refused rather than gated under the tool's own name.
#[test]
fn an_act_argument_the_rules_cannot_read_blocks_the_action() {
    for (args, message) in [
        (
            json!({"mode": ["send"]}),
            "argument `mode` of `send_reply` must be text, which the policy's alias rules read",
        ),
        (
            json!({"Mode": "send"}),
            "argument `Mode` of `send_reply` is a disguised spelling of `mode`",
        ),
        (
            json!({"mode\u{200b}": "send"}),
            "argument `mode\\u{200b}` of `send_reply` is a disguised spelling of `mode`",
        ),
    ] {
        let verdict = Req::auto()
            .kind("DRAFT")
            .actions(one_action("send_reply", args.clone()))
            .check(&A3_AUTO);
        Expect {
            decision: "ESCALATE",
            proposed: Some("DRAFT"),
            violations: &["ACTION_ARGS_INVALID"],
            allowed: &[],
            blocked: &[("send_reply", "ACTION_ARGS_INVALID")],
            queue: "general_support",
            ..Expect::default()
        }
        .assert(&verdict);
        assert_eq!(verdict.blocked[0].message, message, "{args}");
    }
}

#[test]
fn alias_rules_map_tools_onto_the_contract_vocabulary() {
    // send_reply(draft) is draft_reply; ticket_update with only tags/priority/queue is
    // classify + prioritize + route; escalate_to_human is route: all allowed under A2.
    let verdict = Req::draft()
        .actions(json!([
            { "tool": "send_reply", "args": { "mode": "draft" } },
            { "tool": "ticket_update", "args": { "tags": ["x"], "priority": "urgent", "queue": "billing" } },
            { "tool": "escalate_to_human", "args": {} }
        ]))
        .check(&A2);
    Expect {
        allowed: &[
            ("send_reply", "execute"),
            ("ticket_update", "execute"),
            ("escalate_to_human", "execute"),
        ],
        ..Expect::default()
    }
    .assert(&verdict);
    // A send_reply in no known mode matches no rule, so it might send: it is read as
    // the send rule, which A2 does not authorize, and withheld as a draft.
    let verdict = Req::draft()
        .actions(one_action("send_reply", json!({"mode": "broadcast"})))
        .check(&A2);
    Expect {
        violations: &["SEND_NOT_AUTHORIZED"],
        allowed: &[("send_reply", "execute")],
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.allowed[0].args,
        *json!({"mode": "draft"}).as_object().unwrap()
    );
}

/// Regression (found by differential fuzzing): a send or close that no alias rule
/// recognizes ran in a DRAFT or ESCALATE verdict, gated under its own name.
#[test]
fn a_send_or_close_the_rules_do_not_recognize_still_waits_for_auto_resolve() {
    // send_reply without a mode, or in a mode the rules do not know, might send: it is
    // read as the send rule and, in a DRAFT, rewritten to a draft.
    for args in [json!({}), json!({"mode": "now"}), json!({"body": "hi"})] {
        let verdict = Req::draft()
            .actions(one_action("send_reply", args.clone()))
            .check(&A3);
        Expect {
            allowed: &[("send_reply", "execute")],
            ..Expect::default()
        }
        .assert(&verdict);
        let mut drafted = args.as_object().unwrap().clone();
        drafted.insert("mode".into(), json!("draft"));
        assert_eq!(verdict.allowed[0].args, drafted, "{args}");
        assert_eq!(
            verdict.allowed[0].note.as_deref(),
            Some("withheld: sending happens only in an AUTO_RESOLVE verdict; arguments rewritten"),
            "{args}"
        );
    }
    // `resolved` closes a ticket as `solved` and `closed` do; an unknown status might.
    for status in ["resolved", "archived"] {
        let verdict = Req::draft()
            .actions(one_action(
                "ticket_update",
                json!({"status": status, "tags": ["x"]}),
            ))
            .check(&A3);
        Expect {
            allowed: &[("ticket_update", "execute")],
            ..Expect::default()
        }
        .assert(&verdict);
        assert_eq!(
            verdict.allowed[0].args,
            *json!({"tags": ["x"]}).as_object().unwrap(),
            "{status}"
        );
    }
    // In an AUTO_RESOLVE the act goes ahead as proposed.
    let verdict = Req::auto()
        .actions(one_action("send_reply", json!({})))
        .check(&A3_AUTO);
    Expect {
        decision: "AUTO_RESOLVE",
        proposed: Some("AUTO_RESOLVE"),
        allowed: &[("send_reply", "execute")],
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(verdict.allowed[0].note, None);
}

/// Regression (found by differential fuzzing): the contract names that alias rules
/// gate a send or close as, called directly, ran outside AUTO_RESOLVE.
#[test]
fn a_send_or_close_called_by_its_contract_name_waits_for_auto_resolve() {
    let mut contract: Value = serde_json::from_str(A3_JSON).unwrap();
    let tools = contract["tool_boundary"]["auto_executable_tools"]
        .as_array_mut()
        .unwrap();
    tools.extend([json!("send_message"), json!("close_ticket")]);
    let engine = build(Some(&contract.to_string()), Mode::Auto);
    let actions = json!([
        { "tool": "send_message", "args": { "body": "hi" } },
        { "tool": "close_ticket", "args": {} }
    ]);
    let verdict = Req::draft().actions(actions.clone()).check(&engine);
    Expect {
        allowed: &[
            ("send_message", "requires_approval"),
            ("close_ticket", "requires_approval"),
        ],
        ..Expect::default()
    }
    .assert(&verdict);
    let notes: Vec<Option<&str>> = verdict.allowed.iter().map(|a| a.note.as_deref()).collect();
    assert_eq!(
        notes,
        [
            Some("withheld: sending happens only in an AUTO_RESOLVE verdict"),
            Some("withheld: closing the ticket happens only in an AUTO_RESOLVE verdict"),
        ]
    );
    Expect {
        decision: "AUTO_RESOLVE",
        proposed: Some("AUTO_RESOLVE"),
        allowed: &[("send_message", "execute"), ("close_ticket", "execute")],
        ..Expect::default()
    }
    .assert(&Req::auto().actions(actions).check(&engine));
    // A2 never emits send_message: called directly, it is blocked, not withheld.
    let verdict = Req::draft()
        .actions(one_action("send_message", json!({"body": "hi"})))
        .check(&A2);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_NEVER_EMIT"],
        allowed: &[],
        blocked: &[("send_message", "TOOL_NEVER_EMIT")],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
}

#[test]
fn gate_order_never_emit_wins_over_identity() {
    // A2 never emits `account_change`; the customer is also unverified: both are
    // violations, the first (never-emit) is the blocked code.
    let verdict = Req::draft()
        .unverified()
        .actions(one_action("account_change", json!({"field": "email"})))
        .check(&A2);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_NEVER_EMIT", "IDENTITY_UNVERIFIED"],
        allowed: &[],
        blocked: &[("account_change", "TOOL_NEVER_EMIT")],
        triggers: &["identity_unverified"],
        queue: "general_support",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&verdict);
}

// ---------------------------------------------------------------------------------
// Caps and limits
// ---------------------------------------------------------------------------------

/// An ESCALATE whose refund is blocked and whose drafted reply stays allowed.
fn refund_blocked(
    violations: &'static [&'static str],
    blocked: &'static [(&'static str, &'static str)],
    triggers: &'static [&'static str],
) -> Expect {
    Expect {
        decision: "ESCALATE",
        violations,
        blocked,
        triggers,
        queue: if triggers.contains(&"refund_over_cap")
            || triggers.contains(&"refund_outside_policy")
        {
            "billing"
        } else {
            "general_support"
        },
        priority: "medium",
        ..Expect::default()
    }
}

#[test]
fn refund_at_the_cap_passes_and_a_cent_over_is_blocked() {
    let at_cap = Req::refund(50.0).set("/context/orders/1/amount_usd", json!(100));
    Expect {
        allowed: &[
            ("refund_issue", "requires_approval"),
            ("send_reply", "execute"),
        ],
        priority: "medium",
        ..Expect::default()
    }
    .assert(&at_cap.check(&A3));
    let over = at_cap.set("/decision/actions/0/args/amount_usd", json!(50.01));
    let verdict = over.check(&A3);
    refund_blocked(
        &["REFUND_OVER_CAP"],
        &[("refund_issue", "REFUND_OVER_CAP")],
        &["refund_over_cap"],
    )
    .assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "refund_issue of 50.01 USD is over the auto-refund cap of 50 USD"
    );
    // Under A2 the refund is never emitted, and the money rules still report the cap.
    refund_blocked(
        &["TOOL_NEVER_EMIT", "REFUND_OVER_CAP"],
        &[("refund_issue", "TOOL_NEVER_EMIT")],
        &["refund_over_cap"],
    )
    .assert(&over.check(&A2));
}

#[test]
fn credit_over_the_cap_is_blocked_without_a_transaction() {
    // Credits are capped and policy-bound but tied to no transaction.
    let req = Req::refund(0.0).actions(one_action("credit_issue", json!({"amount_usd": 20})));
    Expect {
        allowed: &[("credit_issue", "requires_approval")],
        priority: "medium",
        ..Expect::default()
    }
    .assert(&req.check(&A3));
    let verdict = req
        .set("/decision/actions/0/args/amount_usd", json!(75))
        .check(&A3);
    Expect {
        decision: "ESCALATE",
        violations: &["REFUND_OVER_CAP"],
        allowed: &[],
        blocked: &[("credit_issue", "REFUND_OVER_CAP")],
        triggers: &["refund_over_cap"],
        queue: "billing",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&verdict);
}

#[test]
fn refund_without_a_documented_policy() {
    // A billing intent without a relevant KB document is ungrounded as well
    // (`kb_required_intents`).
    refund_blocked(
        &["RETRIEVAL_BELOW_MIN", "REFUND_NO_POLICY"],
        &[("refund_issue", "REFUND_NO_POLICY")],
        &["refund_outside_policy", "ungrounded"],
    )
    .assert(&Req::refund(29.0).set("/context/kb", json!([])).check(&A3));
    // A refund-policy document that scores below the retrieval minimum does not count.
    refund_blocked(
        &["RETRIEVAL_BELOW_MIN", "REFUND_NO_POLICY"],
        &[("refund_issue", "REFUND_NO_POLICY")],
        &["refund_outside_policy", "ungrounded"],
    )
    .assert(
        &Req::refund(29.0)
            .set("/context/kb/0/score", json!(0.3))
            .set("/context/crm", json!({"plan": "Pro"}))
            .check(&A3),
    );
    // A document with the tag and no score (host-filtered) does count.
    Expect {
        allowed: &[
            ("refund_issue", "requires_approval"),
            ("send_reply", "execute"),
        ],
        priority: "medium",
        ..Expect::default()
    }
    .assert(&Req::refund(29.0).remove("/context/kb/0/score").check(&A3));
}

#[test]
fn refund_txn_mismatch_unknown_above_and_already_refunded() {
    let expect = refund_blocked(
        &["REFUND_TXN_MISMATCH"],
        &[("refund_issue", "REFUND_TXN_MISMATCH")],
        &["refund_outside_policy"],
    );
    let verdict = Req::refund(29.0)
        .set("/decision/actions/0/args/txn_id", json!("txn_0000"))
        .check(&A3);
    expect.assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "transaction `txn_0000` is not in context.orders"
    );

    let verdict = Req::refund(29.5).check(&A3);
    expect.assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "29.5 USD is more than transaction `txn_8842` of 29 USD"
    );

    let verdict = Req::refund(29.0)
        .set("/context/orders/1/status", json!("Refunded"))
        .check(&A3);
    expect.assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "transaction `txn_8842` is already refunded"
    );

    let verdict = Req::refund(29.0)
        .remove("/decision/actions/0/args/txn_id")
        .check(&A3);
    expect.assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "`refund_issue` names no transaction in `txn_id`"
    );
}

/// Regression (found by differential fuzzing): the cap and a transaction's amount were
/// checked per action, so six refunds of one 29 USD charge all passed.
#[test]
fn the_cap_and_a_transaction_bound_what_the_whole_decision_moves() {
    let refunds = |refunds: Value| {
        let mut actions = refunds.as_array().unwrap().clone();
        actions.push(json!({ "tool": "send_reply", "args": { "mode": "draft" } }));
        Req::refund(0.0).actions(Value::Array(actions)).check(&A3)
    };
    let refund = |amount: f64, txn: &str| json!({ "tool": "refund_issue", "args": { "amount_usd": amount, "txn_id": txn } });
    // The same charge refunded twice: the second is more than the charge, and the two
    // are over the cap together.
    let verdict = refunds(json!([refund(29.0, "txn_8842"), refund(29.0, "txn_8842")]));
    Expect {
        allowed: &[
            ("refund_issue", "requires_approval"),
            ("send_reply", "execute"),
        ],
        ..refund_blocked(
            &["REFUND_OVER_CAP", "REFUND_TXN_MISMATCH"],
            &[("refund_issue", "REFUND_OVER_CAP")],
            &["refund_over_cap", "refund_outside_policy"],
        )
    }
    .assert(&verdict);
    let messages: Vec<&str> = verdict
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "refund_issue of 29 USD, with the 29.00 USD the decision's earlier refunds and \
             credits move, is over the auto-refund cap of 50 USD",
            "29 USD, with the 29.00 USD the decision's earlier actions already move against \
             it, is more than transaction `txn_8842` of 29 USD",
        ]
    );
    assert_eq!(
        violation_fields(&verdict),
        vec![
            ("REFUND_OVER_CAP".into(), Some("decision.actions[1]".into())),
            (
                "REFUND_TXN_MISMATCH".into(),
                Some("decision.actions[1]".into())
            ),
        ]
    );
    // Two charges, each refunded once: over the cap together only.
    let verdict = refunds(json!([refund(29.0, "txn_8841"), refund(29.0, "txn_8842")]));
    Expect {
        allowed: &[
            ("refund_issue", "requires_approval"),
            ("send_reply", "execute"),
        ],
        ..refund_blocked(
            &["REFUND_OVER_CAP"],
            &[("refund_issue", "REFUND_OVER_CAP")],
            &["refund_over_cap"],
        )
    }
    .assert(&verdict);
    // Up to the cap, in whole cents (25.1 + 24.9 is 50 exactly), both pass.
    let verdict = refunds(json!([refund(25.1, "txn_8841"), refund(24.9, "txn_8842")]));
    Expect {
        allowed: &[
            ("refund_issue", "requires_approval"),
            ("refund_issue", "requires_approval"),
            ("send_reply", "execute"),
        ],
        priority: "medium",
        ..Expect::default()
    }
    .assert(&verdict);
    // A cent over the cap together is over it.
    let verdict = refunds(json!([refund(25.1, "txn_8841"), refund(24.91, "txn_8842")]));
    assert_eq!(
        verdict.blocked.iter().map(|b| b.code).collect::<Vec<_>>(),
        [Code::RefundOverCap]
    );
}

#[test]
fn identity_unverified_blocks_money() {
    let verdict = Req::refund(29.0).unverified().check(&A3);
    // The intent (billing_*) is sensitive too; the trigger is listed once.
    refund_blocked(
        &["IDENTITY_UNVERIFIED"],
        &[("refund_issue", "IDENTITY_UNVERIFIED")],
        &["identity_unverified"],
    )
    .assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![(
            "IDENTITY_UNVERIFIED".into(),
            Some("decision.actions[0]".into())
        )]
    );
}

#[test]
fn every_failing_money_rule_is_reported() {
    let verdict = Req::refund(60.0)
        .unverified()
        .set("/context/kb", json!([]))
        .set("/context/crm", json!({"plan": "Pro"}))
        .check(&A3);
    refund_blocked(
        &[
            "RETRIEVAL_BELOW_MIN",
            "IDENTITY_UNVERIFIED",
            "REFUND_OVER_CAP",
            "REFUND_NO_POLICY",
            "REFUND_TXN_MISMATCH",
        ],
        &[("refund_issue", "IDENTITY_UNVERIFIED")],
        &[
            "refund_over_cap",
            "refund_outside_policy",
            "identity_unverified",
            "ungrounded",
        ],
    )
    .assert(&verdict);
}

#[test]
fn identity_unverified_blocks_account_tools() {
    // Verified: allowed, but an account change always waits for a human, even when
    // the contract lists the tool as auto-executable (regression: it used to be
    // `execute` in a DRAFT verdict).
    let req = Req::draft().actions(one_action("address_change", json!({"city": "Lyon"})));
    Expect {
        allowed: &[("address_change", "requires_approval")],
        ..Expect::default()
    }
    .assert(&req.check(&GATE));
    let verdict = req.unverified().check(&GATE);
    Expect {
        decision: "ESCALATE",
        violations: &["IDENTITY_UNVERIFIED"],
        allowed: &[],
        blocked: &[("address_change", "IDENTITY_UNVERIFIED")],
        triggers: &["identity_unverified"],
        queue: "general_support",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.blocked[0].message,
        "`address_change` changes the account, but the customer's identity is not verified"
    );
}

#[test]
fn action_args_invalid_for_a_refund_without_a_usable_amount() {
    let expect = refund_blocked(
        &["ACTION_ARGS_INVALID"],
        &[("refund_issue", "ACTION_ARGS_INVALID")],
        &["refund_outside_policy"],
    );
    for amount in [json!("29"), json!(-1), json!(null)] {
        let verdict = Req::refund(0.0)
            .set("/decision/actions/0/args/amount_usd", amount.clone())
            .check(&A3);
        expect.assert(&verdict);
        assert_eq!(
            verdict.blocked[0].message,
            "`refund_issue` needs a non-negative number in `amount_usd`",
            "{amount}"
        );
    }
    expect.assert(
        &Req::refund(0.0)
            .remove("/decision/actions/0/args/amount_usd")
            .check(&A3),
    );
}

/// The limit is per ticket: the calls the trace already made count with the actions
/// the decision proposes ("if you would exceed it, escalate").
#[test]
fn tool_calls_exceeded_by_actions() {
    let classify = json!({ "tool": "classify", "args": {} });
    // The baseline's trace made 1 call: 5 more reach the limit of 6.
    let five = Req::draft().actions(json!(vec![classify.clone(); 5]));
    let verdict = five.check(&A2);
    assert_eq!(verdict.decision.as_str(), "DRAFT");
    assert!(verdict.violations.is_empty());
    let six = five.actions(json!(vec![classify.clone(); 6]));
    let verdict = six.check(&A2);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_CALLS_EXCEEDED"],
        allowed: &[("classify", "execute"); 6],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![(
            "TOOL_CALLS_EXCEEDED".into(),
            Some("decision.actions".into())
        )]
    );
    assert_eq!(
        verdict.violations[0].message,
        "the ticket would use 7 tool calls (1 made, 6 proposed), over the limit of 6 per ticket"
    );
    // Without a trace, the actions alone count.
    let untraced = six.remove("/trace/tool_calls");
    assert!(untraced.check(&A2).violations.is_empty());
    let verdict = untraced.actions(json!(vec![classify; 7])).check(&A2);
    assert_eq!(
        verdict.violations[0].message,
        "the decision proposes 7 actions, over the limit of 6 per ticket"
    );
    assert_eq!(verdict.decision.as_str(), "ESCALATE");
}

#[test]
fn tool_calls_exceeded_by_trace() {
    // With the baseline's one action, 5 calls made reach the limit of 6.
    Expect::default().assert(&Req::draft().set("/trace/tool_calls", json!(5)).check(&A2));
    // A trace over the limit on its own is reported there, once.
    let verdict = Req::draft().set("/trace/tool_calls", json!(7)).check(&A2);
    Expect {
        decision: "ESCALATE",
        violations: &["TOOL_CALLS_EXCEEDED"],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![(
            "TOOL_CALLS_EXCEEDED".into(),
            Some("trace.tool_calls".into())
        )]
    );
}

#[test]
fn cost_limit_and_alert() {
    // A2: cap 0.22, alert over 0.15.
    let req = Req::draft();
    let verdict = req.clone().set("/trace/cost_usd", json!(0.15)).check(&A2);
    Expect::default().assert(&verdict);
    assert!(!verdict.cost.alert);
    assert_eq!(verdict.cost.limit_usd, Some(0.22));

    let verdict = req.clone().set("/trace/cost_usd", json!(0.22)).check(&A2);
    Expect {
        violations: &["COST_ALERT"],
        ..Expect::default()
    }
    .assert(&verdict);
    assert!(verdict.cost.alert);
    assert_eq!(severities(&verdict), ["warn"]);

    let verdict = req.clone().set("/trace/cost_usd", json!(0.23)).check(&A2);
    Expect {
        decision: "ESCALATE",
        violations: &["COST_LIMIT_EXCEEDED", "COST_ALERT"],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(severities(&verdict), ["block", "warn"]);
    assert_eq!(verdict.cost.usd, 0.23);

    // A3: cap 0.40, alert over 0.30.
    let verdict = req.clone().set("/trace/cost_usd", json!(0.23)).check(&A3);
    Expect::default().assert(&verdict);
    let verdict = req.set("/trace/cost_usd", json!(0.41)).check(&A3);
    Expect {
        decision: "ESCALATE",
        violations: &["COST_LIMIT_EXCEEDED", "COST_ALERT"],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
}

// ---------------------------------------------------------------------------------
// The auto-resolve ladder
// ---------------------------------------------------------------------------------

const WITHHELD: &[(&str, &str)] = &[("send_reply", "execute"), ("ticket_update", "execute")];

fn auto_downgraded(violations: &'static [&'static str]) -> Expect {
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations,
        allowed: WITHHELD,
        ..Expect::default()
    }
}

#[test]
fn confidence_below_auto() {
    auto_downgraded(&["CONFIDENCE_BELOW_AUTO"])
        .assert(&Req::auto().confidence(0.84).check(&A3_AUTO));
    Expect {
        decision: "AUTO_RESOLVE",
        proposed: Some("AUTO_RESOLVE"),
        allowed: WITHHELD,
        ..Expect::default()
    }
    .assert(&Req::auto().confidence(0.85).check(&A3_AUTO));
}

#[test]
fn confidence_below_draft() {
    let verdict = Req::draft().confidence(0.59).check(&A3);
    Expect {
        decision: "ESCALATE",
        violations: &["CONFIDENCE_BELOW_DRAFT"],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    Expect::default().assert(&Req::draft().confidence(0.60).check(&A3));
    // An AUTO_RESOLVE proposal below both thresholds reports both, draft first.
    Expect {
        decision: "ESCALATE",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["CONFIDENCE_BELOW_DRAFT", "CONFIDENCE_BELOW_AUTO"],
        allowed: WITHHELD,
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&Req::auto().confidence(0.2).check(&A3_AUTO));
}

#[test]
fn mode_suggest() {
    auto_downgraded(&["MODE_SUGGEST"]).assert(&Req::auto().check(&A3));
}

#[test]
fn intent_not_promoted() {
    let verdict = Req::auto().intent("feature_question").check(&A3_AUTO);
    auto_downgraded(&["INTENT_NOT_PROMOTED"]).assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![("INTENT_NOT_PROMOTED".into(), Some("decision.intent".into()))]
    );
    // Exact promoted names and globs pass.
    for intent in ["order_status", "password_reset_howto", "How_To_Export"] {
        assert_eq!(
            Req::auto().intent(intent).check(&A3_AUTO).decision.as_str(),
            "AUTO_RESOLVE",
            "{intent}"
        );
    }
}

#[test]
fn money_or_account_action_never_auto_resolves() {
    let verdict = Req::refund(29.0)
        .intent("order_status")
        .kind("AUTO_RESOLVE")
        .check(&A3_AUTO);
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["MONEY_OR_ACCOUNT_ACTION"],
        allowed: &[
            ("refund_issue", "requires_approval"),
            ("send_reply", "execute"),
        ],
        priority: "medium",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        violation_fields(&verdict),
        vec![(
            "MONEY_OR_ACCOUNT_ACTION".into(),
            Some("decision.actions[0]".into())
        )]
    );
    // An account tool too; it waits for the human who approves the draft.
    Expect {
        decision: "DRAFT",
        proposed: Some("AUTO_RESOLVE"),
        violations: &["MONEY_OR_ACCOUNT_ACTION"],
        allowed: &[
            ("address_change", "requires_approval"),
            ("send_reply", "execute"),
        ],
        ..Expect::default()
    }
    .assert(
        &Req::auto()
            .actions(json!([
                { "tool": "address_change", "args": { "city": "Lyon" } },
                { "tool": "send_reply", "args": { "mode": "send" } }
            ]))
            .check(&GATE),
    );
}

#[test]
fn never_upgrade_a_draft_stays_a_draft() {
    // Every AUTO_RESOLVE condition holds (A3, auto, promoted, confident, grounded).
    let verdict = Req::auto().kind("DRAFT").check(&A3_AUTO);
    Expect {
        allowed: WITHHELD,
        ..Expect::default()
    }
    .assert(&verdict);
    // ROUTE and ESCALATE stay what they are too.
    let verdict = Req::draft()
        .kind("ROUTE")
        .set("/decision/escalation/queue", json!("billing"))
        .check(&A3_AUTO);
    Expect {
        decision: "ROUTE",
        proposed: Some("ROUTE"),
        queue: "billing",
        ..Expect::default()
    }
    .assert(&verdict);
    Expect {
        decision: "ESCALATE",
        proposed: Some("ESCALATE"),
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&Req::draft().kind("ESCALATE").check(&A3_AUTO));
}

// ---------------------------------------------------------------------------------
// Decision schema and the plain-text form
// ---------------------------------------------------------------------------------

fn schema_failure(verdict: &Verdict, field: &str, message: &str) {
    Expect {
        decision: "ESCALATE",
        proposed: None,
        violations: &["DECISION_SCHEMA"],
        allowed: &[],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(verdict);
    assert_eq!(
        violation_fields(verdict),
        vec![("DECISION_SCHEMA".into(), Some(field.into()))]
    );
    assert_eq!(verdict.violations[0].message, message);
    assert!(!verdict.downgraded);
    assert_eq!(verdict.intent, None);
}

#[test]
fn decision_schema_missing_field() {
    schema_failure(
        &Req::draft().remove("/decision/grounded").check(&A2),
        "decision",
        "\"grounded\" is a required property",
    );
}

#[test]
fn decision_schema_wrong_type() {
    schema_failure(
        &Req::draft()
            .set("/decision/confidence", json!("high"))
            .check(&A2),
        "decision.confidence",
        "\"high\" is not of type \"number\"",
    );
    schema_failure(
        &Req::draft()
            .set("/decision/actions/0/tool", json!(7))
            .check(&A3),
        "decision.actions[0].tool",
        "7 is not of type \"string\"",
    );
}

#[test]
fn decision_schema_out_of_range() {
    schema_failure(
        &Req::draft().confidence(1.5).check(&A2),
        "decision.confidence",
        "1.5 is greater than the maximum of 1",
    );
    schema_failure(
        &Req::draft().kind("MAYBE").check(&A2),
        "decision.decision",
        "\"MAYBE\" is not one of \"AUTO_RESOLVE\", \"DRAFT\" or 2 other candidates",
    );
}

#[test]
fn decision_schema_unreadable_text_and_absent_decision() {
    schema_failure(
        &Req::draft()
            .set("/decision", json!("Sure, I refunded you!"))
            .check(&A2),
        "decision",
        "the decision is text that is neither a JSON object nor `ESCALATE_NEEDED: reason`",
    );
    schema_failure(
        &Req::draft().remove("/decision").check(&A2),
        "decision",
        "the request has no decision",
    );
}

#[test]
fn decision_as_json_text_is_read_like_an_object() {
    let object = Req::draft().0["decision"].to_string();
    Expect::default().assert(&Req::draft().set("/decision", json!(object)).check(&A2));
}

/// JSON leaves a repeated key undefined and parsers disagree on which value counts,
/// so a decision that repeats one is refused, however it arrives.
#[test]
fn a_decision_that_repeats_a_key_fails_closed() {
    let repeated = r#"{"decision": "ESCALATE", "confidence": 0.9, "decision": "AUTO_RESOLVE"}"#;
    schema_failure(
        &Req::draft().set("/decision", json!(repeated)).check(&A2),
        "decision",
        "the decision text is ambiguous: duplicate key `decision`",
    );
    let request = format!("{{\"ticket\": {{\"subject\": \"2FA\"}},\n \"decision\": {repeated}}}");
    fails_closed(
        &A2.check_json(&request),
        "REQUEST_INVALID",
        Some("decision.decision"),
        "2:67: field `decision.decision`: duplicate key `decision`",
    );
}

#[test]
fn escalate_needed_plain_text() {
    let verdict = Req::draft()
        .set(
            "/decision",
            json!("ESCALATE_NEEDED: refund policy not in KB"),
        )
        .check(&A3_AUTO);
    Expect {
        decision: "ESCALATE",
        proposed: Some("ESCALATE"),
        violations: &["MODEL_ESCALATED"],
        allowed: &[],
        queue: "general_support",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(severities(&verdict), ["warn"]);
    assert_eq!(
        verdict.violations[0].message,
        "the model asked for escalation: refund policy not in KB"
    );
    assert_eq!(verdict.violations[0].field.as_deref(), Some("decision"));
    // Ticket triggers still fire and route.
    let verdict = Req::draft()
        .body("My lawyer is reading this.")
        .set("/decision", json!("ESCALATE_NEEDED"))
        .check(&A2);
    Expect {
        decision: "ESCALATE",
        proposed: Some("ESCALATE"),
        violations: &["MODEL_ESCALATED"],
        allowed: &[],
        triggers: &["legal_language"],
        queue: "legal",
        priority: "high",
        ..Expect::default()
    }
    .assert(&verdict);
    assert_eq!(
        verdict.violations[0].message,
        "the model asked for escalation"
    );
}

/// The blueprint's decision carries the model's own escalation block. A decision that
/// does not escalate while that block says `needed: true` contradicts itself, and the
/// verdict takes the safer reading; `needed: false` changes nothing (the baselines).
#[test]
fn escalation_needed_in_the_decision_escalates_whatever_it_decided() {
    for kind in ["AUTO_RESOLVE", "DRAFT", "ROUTE"] {
        let verdict = Req::auto()
            .kind(kind)
            .set("/decision/escalation/needed", json!(true))
            .set("/decision/escalation/queue", json!("billing"))
            .check(&A3_AUTO);
        // The model's queue counts only for a ROUTE (see Routing).
        Expect {
            decision: "ESCALATE",
            proposed: Some(kind),
            violations: &["MODEL_ESCALATED"],
            allowed: &[("send_reply", "execute"), ("ticket_update", "execute")],
            queue: "general_support",
            ..Expect::default()
        }
        .assert(&verdict);
        assert_acts_withheld(&verdict, kind);
        assert_eq!(severities(&verdict), ["block"], "{kind}");
        assert_eq!(
            verdict.violations[0].message,
            format!("the model decided {kind} but marked escalation as needed")
        );
        assert_eq!(
            verdict.violations[0].field.as_deref(),
            Some("decision.escalation.needed")
        );
    }
    let verdict = Req::draft()
        .kind("ESCALATE")
        .set("/decision/escalation/needed", json!(true))
        .check(&A2);
    assert_eq!(name(&verdict.decision), "ESCALATE");
    assert!(verdict.violations.is_empty(), "{:?}", verdict.violations);
}

// ---------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------

#[test]
fn routing_queue_from_the_first_trigger_route() {
    // Legal is listed before churn in the routing table.
    let verdict = Req::draft()
        .body("We are cancelling and our attorney will be in touch.")
        .check(&A2);
    escalated(&["churn_threat", "legal_language"], "legal", "high").assert(&verdict);
    // A trigger whose route names no queue falls through to the next fired one.
    let verdict = Req::draft()
        .set("/decision/sentiment", json!("critical"))
        .set("/ticket/customer/prior_contacts_same_issue", json!(3))
        .intent("billing_question")
        .check(&A2);
    escalated(
        &["negative_sentiment", "repeated_contact"],
        "billing",
        "high",
    )
    .assert(&verdict);
}

#[test]
fn routing_queue_from_intent_globs() {
    for (intent, queue) in [
        ("bug_export_fails", "engineering_triage"),
        ("refund_request", "billing"),
        ("cancel_plan_question", "retention"),
        ("security_question", "trust_and_safety"),
        ("general_chat", "general_support"),
    ] {
        let verdict = Req::draft().kind("ESCALATE").intent(intent).check(&A3);
        Expect {
            decision: "ESCALATE",
            proposed: Some("ESCALATE"),
            queue,
            ..Expect::default()
        }
        .assert(&verdict);
    }
}

#[test]
fn routing_model_queue_only_for_route_and_only_if_known() {
    let route = Req::draft()
        .kind("ROUTE")
        .intent("sales_inquiry")
        .set("/decision/urgency", json!("medium"));
    let known = route
        .clone()
        .set("/decision/escalation/queue", json!("retention"));
    Expect {
        decision: "ROUTE",
        proposed: Some("ROUTE"),
        queue: "retention",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&known.check(&A2));
    // The blueprint routes to billing, abuse, security and sales.
    Expect {
        decision: "ROUTE",
        proposed: Some("ROUTE"),
        queue: "sales",
        priority: "medium",
        ..Expect::default()
    }
    .assert(
        &route
            .clone()
            .set("/decision/escalation/queue", json!("sales"))
            .check(&A2),
    );
    let unknown = route
        .clone()
        .set("/decision/escalation/queue", json!("partnerships"));
    Expect {
        decision: "ROUTE",
        proposed: Some("ROUTE"),
        queue: "general_support",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&unknown.check(&A2));
    // An intent route beats the model's suggestion.
    let verdict = known.clone().intent("bug_report").check(&A2);
    Expect {
        decision: "ROUTE",
        proposed: Some("ROUTE"),
        queue: "engineering_triage",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&verdict);
    // The suggestion is ignored for an ESCALATE.
    Expect {
        decision: "ESCALATE",
        proposed: Some("ESCALATE"),
        queue: "general_support",
        priority: "medium",
        ..Expect::default()
    }
    .assert(&known.kind("ESCALATE").check(&A2));
}

#[test]
fn routing_priority_is_the_max_of_triggers_and_urgency() {
    // A policy whose urgencies escalate nothing, so that urgency only sets the priority.
    let urgency_rule = "  urgency:\n    escalate_on: [high]\n";
    assert!(EMBEDDED_POLICY_YAML.contains(urgency_rule));
    let calm = Engine::builder()
        .policy_yaml(EMBEDDED_POLICY_YAML.replace(urgency_rule, ""))
        .build()
        .unwrap();
    let req = Req::draft().set("/ticket/customer/prior_contacts_same_issue", json!(2));
    escalated(&["repeated_contact"], "general_support", "medium").assert(&req.check(&calm));
    escalated(&["repeated_contact"], "general_support", "high")
        .assert(&req.set("/decision/urgency", json!("high")).check(&calm));
}

// ---------------------------------------------------------------------------------
// Fail closed on malformed requests
// ---------------------------------------------------------------------------------

fn fails_closed(verdict: &Verdict, code: &str, field: Option<&str>, message: &str) {
    assert_eq!(
        outcome(verdict),
        Outcome {
            decision: "ESCALATE".into(),
            proposed: None,
            downgraded: false,
            violations: vec![code.into()],
            allowed: vec![],
            blocked: vec![],
            triggers: vec![],
            needed: true,
            // An unreadable request still goes to a human: the policy's default queue.
            queue: "general_support".into(),
            priority: "medium".into(),
        }
    );
    assert_eq!(verdict.violations[0].field.as_deref(), field);
    assert_eq!(verdict.violations[0].message, message);
}

#[test]
fn request_invalid_fails_closed_via_check_json() {
    fails_closed(
        &A2.check_json("{\n  \"ticket\": {\"customer\": {\"verified\": \"yes\"}}\n}"),
        "REQUEST_INVALID",
        Some("ticket.customer.verified"),
        "2:43: field `ticket.customer.verified`: invalid type: string \"yes\", expected a boolean",
    );
    fails_closed(
        &A3.check_json(r#"{"context": {"orders": [{"txn_id": "t", "amount_usd": -5}]}}"#),
        "REQUEST_INVALID",
        Some("context.orders[0].amount_usd"),
        "1:55: field `context.orders[0].amount_usd`: `-5` is not a non-negative amount",
    );
    fails_closed(
        &A3.check_json(
            r#"{"context": {"kb": [{"id": "KB-1", "score": 0.9}, {"id": "KB-2", "score": 12.5}]}}"#,
        ),
        "REQUEST_INVALID",
        Some("context.kb[1].score"),
        "1:75: field `context.kb[1].score`: `12.5` is not a retrieval score from 0 to 1",
    );
    fails_closed(
        &A3.check_json(r#"{"now": "tomorrow"}"#),
        "REQUEST_INVALID",
        Some("now"),
        "1:9: field `now`: `tomorrow` is not an RFC 3339 time such as `2026-06-03T10:00:00Z`",
    );
    fails_closed(
        &A2.check_json("{\"ticket\": "),
        "JSON_SYNTAX",
        None,
        "1:11: EOF while parsing a value",
    );
}

/// serde's derive reads a struct from a JSON array too (its items as the fields in
/// order), so `[]` once read as a reply context or a monitor configuration of defaults.
/// Every JSON document read as a struct is an object, or refused with its type.
#[test]
fn every_json_document_read_as_a_struct_must_be_an_object() {
    type Read = fn(&str) -> Option<deskguard::Error>;
    let refusals: [(&str, Read); 7] = [
        ("request", |text| Request::from_json(text).err()),
        ("reply context", |text| {
            deskguard::ReplyContext::from_json(text).err()
        }),
        ("monitor config", |text| {
            deskguard::incident::MonitorConfig::from_json(text).err()
        }),
        ("monitor state", |text| {
            deskguard::incident::IncidentMonitor::from_json(text).err()
        }),
        ("incident event", |text| {
            deskguard::incident::IncidentEvent::from_json(text).err()
        }),
        ("eval ticket", |text| {
            deskguard::eval::TicketRecord::from_json(text).err()
        }),
        ("runbook ticket", |text| {
            deskguard::runbook::parse_ticket_json(text).err()
        }),
    ];
    for (what, read) in refusals {
        for (text, expected) in [
            ("[]", "1:1: invalid type: sequence, expected a mapping"),
            ("[{}, 1]", "1:1: invalid type: sequence, expected a mapping"),
            ("7", "1:1: invalid type: integer `7`, expected a mapping"),
        ] {
            let error = read(text).unwrap_or_else(|| panic!("{what}: {text} was read"));
            // A configuration is an option; everything else is input.
            let code = if what == "monitor config" {
                Code::OptionInvalid
            } else {
                Code::RequestInvalid
            };
            assert_eq!(
                (error.code(), error.to_string().as_str()),
                (code, expected),
                "{what}: {text}"
            );
        }
    }
    // A request given as a value (the JS bindings' path) has no text to point into.
    let error = Request::from_value(json!([{}, 1])).unwrap_err();
    assert_eq!(
        (error.code(), error.to_string().as_str()),
        (
            Code::RequestInvalid,
            "invalid type: sequence, expected a mapping"
        )
    );
    // So is a reply context's own context, as a request's parts are.
    let error = deskguard::ReplyContext::from_json(r#"{"context": []}"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "1:12: field `context`: invalid type: sequence, expected a mapping"
    );
}

#[test]
fn embedded_policy_text_builds_the_same_engine() {
    let from_text = Engine::builder()
        .policy_yaml(EMBEDDED_POLICY_YAML)
        .build()
        .unwrap();
    for req in [Req::draft(), Req::auto(), Req::refund(29.0)] {
        assert_eq!(req.check(&from_text), req.check(&A2));
    }
}

/// The blueprint's knowledge-gap signal: low confidence (below the draft threshold)
/// and no KB document at or above `retrieval_min`. Either alone is no gap.
#[test]
fn low_confidence_with_no_source_is_a_knowledge_gap() {
    let low = Req::draft().set("/decision/confidence", json!(0.4));
    let gap = low
        .clone()
        .set("/context/kb/0/score", json!(0.3))
        .set("/decision/grounded", json!(false));
    let verdict = gap.check(&A3);
    assert!(verdict.knowledge_gap);
    assert_eq!(verdict.decision, deskguard::DecisionKind::Escalate);
    assert!(
        verdict.to_json().ends_with(r#","knowledge_gap":true}"#),
        "{}",
        verdict.to_json()
    );
    // No KB at all is no source either.
    assert!(
        gap.clone()
            .set("/context/kb", json!([]))
            .check(&A3)
            .knowledge_gap
    );
    // A source at the minimum, or one without a score, is a source.
    assert!(
        !low.clone()
            .set("/context/kb/0/score", json!(0.5))
            .check(&A3)
            .knowledge_gap
    );
    assert!(
        !low.clone()
            .remove("/context/kb/0/score")
            .check(&A3)
            .knowledge_gap
    );
    // Confidence at the draft threshold is not low.
    let confident = gap.set("/decision/confidence", json!(0.6)).check(&A3);
    assert!(!confident.knowledge_gap);
    assert!(!confident.to_json().contains("knowledge_gap"));
}
