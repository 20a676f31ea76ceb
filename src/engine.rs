//! The engine: a policy and a contract, compiled once, checked many times.
//!
//! Build an [`Engine`] at start-up (per process, per worker isolate) and reuse it: it
//! is immutable, `Send + Sync`, and cheap to clone (an `Arc`). [`Engine::check`] parses
//! no policy, compiles no regex and reads no clock.

use std::sync::{Arc, OnceLock};

use crate::audit::AuditRecord;
use crate::codes::Code;
use crate::contract::Contract;
use crate::decision::DecisionKind;
use crate::error::{Error, Result};
use crate::policy::{CompiledPolicy, Mode, Policy, Priority, EMBEDDED_POLICY_YAML};
use crate::request::Request;
use crate::verdict::{Cost, EscalationOutcome, Verdict, Violation};

/// A compiled policy and contract, ready to check requests.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    policy: Policy,
    compiled: CompiledPolicy,
    contract: Contract,
    mode: Mode,
    /// Computed on first use (audit records): serializing and hashing the policy
    /// is about 7% of a build, and most engines never write an audit record.
    policy_digest: OnceLock<String>,
    contract_digest: OnceLock<String>,
    runbook: crate::runbook::Runbook,
}

/// Where a policy or contract comes from.
#[derive(Debug, Clone)]
enum Source<T> {
    Embedded,
    Text(String),
    Parsed(T),
}

/// Configures and builds an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    policy: Source<Policy>,
    contract: Source<Contract>,
    mode: Option<Mode>,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            policy: Source::Embedded,
            contract: Source::Embedded,
            mode: None,
        }
    }
}

impl EngineBuilder {
    /// Uses this policy YAML instead of the embedded default.
    pub fn policy_yaml(mut self, yaml: impl Into<String>) -> Self {
        self.policy = Source::Text(yaml.into());
        self
    }

    /// Uses an already parsed policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Source::Parsed(policy);
        self
    }

    /// Uses this AgentAz contract JSON instead of the embedded blueprint contract.
    pub fn contract_json(mut self, json: impl Into<String>) -> Self {
        self.contract = Source::Text(json.into());
        self
    }

    /// Uses an already loaded contract.
    pub fn contract(mut self, contract: Contract) -> Self {
        self.contract = Source::Parsed(contract);
        self
    }

    /// Overrides the policy's mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Loads, validates and compiles everything.
    ///
    /// # Errors
    /// The first problem in the policy (`YAML_SYNTAX`, `POLICY_INVALID`,
    /// `POLICY_PATTERN_INVALID`) or the contract (`JSON_SYNTAX`, `CONTRACT_SCHEMA`), with
    /// origin `policy` or `contract`, line:column and field.
    pub fn build(self) -> Result<Engine> {
        let (policy, compiled, runbook) = match self.policy {
            Source::Embedded => {
                let policy = Policy::embedded().map_err(|e| e.with_origin("policy"))?;
                compile_parsed(policy, Some(EMBEDDED_POLICY_YAML))?
            }
            Source::Text(text) => compile_yaml(&text)?,
            Source::Parsed(policy) => compile_parsed(policy, None)?,
        };
        let contract = match self.contract {
            Source::Embedded => Contract::embedded(),
            Source::Text(text) => Contract::from_json(&text),
            Source::Parsed(contract) => Ok(contract),
        }
        .map_err(|e| e.with_origin("contract"))?;
        crate::decision::prepare_schema()?;
        let mode = self.mode.unwrap_or(policy.mode);
        Ok(Engine {
            inner: Arc::new(Inner {
                policy,
                compiled,
                contract,
                mode,
                policy_digest: OnceLock::new(),
                contract_digest: OnceLock::new(),
                runbook,
            }),
        })
    }
}

fn compile_yaml(text: &str) -> Result<(Policy, CompiledPolicy, crate::runbook::Runbook)> {
    let policy: Policy =
        crate::source::from_yaml(text, Code::PolicyInvalid).map_err(|e| e.with_origin("policy"))?;
    compile_parsed(policy, Some(text))
}

/// Compiles a parsed policy; `source`, its text when it has one, locates errors.
fn compile_parsed(
    policy: Policy,
    source: Option<&str>,
) -> Result<(Policy, CompiledPolicy, crate::runbook::Runbook)> {
    let compiled = CompiledPolicy::compile(&policy, source).map_err(|e| e.with_origin("policy"))?;
    let runbook =
        crate::runbook::Runbook::compile(&policy, source).map_err(|e| e.with_origin("policy"))?;
    Ok((policy, compiled, runbook))
}

impl Engine {
    /// A builder starting from the embedded policy and contract.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The engine for the embedded default policy and the blueprint's contract.
    ///
    /// # Errors
    /// Never in a released build: tests build the embedded defaults.
    pub fn with_defaults() -> Result<Engine> {
        EngineBuilder::default().build()
    }

    /// The policy as loaded.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The contract as loaded.
    pub fn contract(&self) -> &Contract {
        &self.inner.contract
    }

    /// The mode in force (the policy's, unless the builder overrode it).
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// Checks one request. Never fails: anything wrong with the request, and any
    /// internal failure, comes back as an ESCALATE verdict whose violations say why.
    pub fn check(&self, request: &Request) -> Verdict {
        let context = crate::check::CheckContext {
            policy: &self.inner.compiled,
            contract: &self.inner.contract,
            mode: self.inner.mode,
        };
        self.guarded(|| crate::check::check(&context, request))
    }

    /// `check()`, or the fail-closed verdict for an internal error if it panicked.
    fn guarded(&self, check: impl FnOnce() -> Verdict) -> Verdict {
        guarded(check).unwrap_or_else(|| {
            self.fail_closed(&Error::new(
                Code::InternalError,
                "an internal error stopped the check; escalating",
            ))
        })
    }

    /// The verdict for a request this engine could not check: ESCALATE to the policy's
    /// default queue (where a human picks it up), with `error` as its one violation.
    /// What [`Engine::check_json`] returns for a request that does not parse.
    pub fn fail_closed(&self, error: &Error) -> Verdict {
        let mut verdict = fail_closed(error);
        verdict.escalation.queue = self.inner.compiled.default_queue.clone();
        verdict
    }

    /// The audit record for `verdict` (the result of checking `request`), linked after
    /// `previous`: see [`crate::audit`].
    pub fn audit_record(
        &self,
        request: &Request,
        verdict: &Verdict,
        previous: Option<&AuditRecord>,
    ) -> AuditRecord {
        AuditRecord::new(
            request,
            verdict,
            previous,
            self.policy_digest(),
            self.contract_digest(),
        )
    }

    /// Screens a ticket before any model call: its runbook category, handling tier,
    /// SLA and business-hours due time, and the hard triggers its text and customer
    /// already fire (see [`crate::runbook`]). `now` is when the ticket was received:
    /// the engine reads no clock.
    pub fn screen_ticket(
        &self,
        ticket: &crate::request::Ticket,
        now: jiff::Timestamp,
    ) -> crate::runbook::Screening {
        crate::runbook::screen(&self.inner.compiled, &self.inner.runbook, ticket, now)
    }

    /// [`Engine::screen_ticket`] with `now` as RFC 3339 text (the JS bindings' path).
    ///
    /// # Errors
    /// `REQUEST_INVALID` (field `now`) when `now` is not an RFC 3339 time.
    pub fn screen_ticket_at(
        &self,
        ticket: &crate::request::Ticket,
        now: &str,
    ) -> Result<crate::runbook::Screening> {
        let now = crate::runbook::parse_now(now)?;
        Ok(self.screen_ticket(ticket, now))
    }

    /// The compiled runbook: categories, SLAs and the business calendar.
    pub fn runbook(&self) -> &crate::runbook::Runbook {
        &self.inner.runbook
    }

    /// SHA-256 of the canonical JSON of the policy in force (mode included).
    pub fn policy_digest(&self) -> &str {
        self.inner.policy_digest.get_or_init(|| {
            // Digests identify the rules in force in every audit record; the mode is
            // part of them because it changes outcomes.
            let mut policy = serde_json::to_value(&self.inner.policy).unwrap_or_default();
            if let Some(object) = policy.as_object_mut() {
                object.insert(
                    "mode".into(),
                    serde_json::Value::from(self.inner.mode.as_str()),
                );
            }
            crate::audit::digest(&policy)
        })
    }

    /// SHA-256 of the canonical JSON of the contract in force.
    pub fn contract_digest(&self) -> &str {
        self.inner
            .contract_digest
            .get_or_init(|| crate::audit::digest(self.inner.contract.digest_source()))
    }

    /// Validates a customer reply before it is sent: personal data, grounding of every
    /// specific, citations, stale sources, commitments, prohibited topics and phrases,
    /// disclosures and length (see [`crate::validator`]). Never fails: a violation is
    /// data. The report carries the reply with its personal data masked.
    pub fn validate_reply(
        &self,
        text: &str,
        context: &crate::validator::ReplyContext,
    ) -> crate::validator::Report {
        self.inner.compiled.validator.validate(
            text,
            &context.input(&self.inner.compiled.account_data_tools),
            "customer_reply",
            "internal_note",
        )
    }

    /// Prepares `context` once for validating many drafts against it: its KB
    /// documents normalized and indexed, its known addresses gathered and its
    /// internal note checked. A sidebar that validates the draft on every keystroke
    /// pause prepares the ticket's context when it opens the ticket.
    ///
    /// ```
    /// use deskguard::{Engine, Code};
    /// use deskguard::validator::ReplyContext;
    ///
    /// let engine = Engine::with_defaults()?;
    /// let context = ReplyContext::from_json(r#"{"kb": [{"id": "KB-1", "title": "Pro plan",
    ///     "content": "The Pro plan costs $29 a month."}]}"#)?;
    /// let prepared = engine.prepare_reply_context(context);
    /// assert!(prepared.validate_reply("Pro is $29 a month.").violations.is_empty());
    /// let report = prepared.validate_reply("Pro is $19 a month.");
    /// assert!(report.has(Code::UngroundedClaim));
    /// # Ok::<(), deskguard::Error>(())
    /// ```
    pub fn prepare_reply_context(
        &self,
        context: crate::validator::ReplyContext,
    ) -> PreparedReplyContext {
        let prepared = self.inner.compiled.validator.prepare_for_many_replies(
            &context.input(&self.inner.compiled.account_data_tools),
            "internal_note",
        );
        PreparedReplyContext {
            engine: self.clone(),
            context,
            prepared,
        }
    }

    /// Masks the personal data in `text` (cards, SSNs, IBANs, secrets, and every email
    /// address, since no customer is known) to its last four characters, keeping every
    /// other byte.
    pub fn redact(&self, text: &str) -> crate::validator::Redaction {
        self.inner.compiled.validator.redact(text)
    }

    /// Checks a request given as JSON text. A request that does not parse gives an
    /// ESCALATE verdict with a `REQUEST_INVALID` or `JSON_SYNTAX` violation naming the
    /// field and line:column.
    pub fn check_json(&self, json: &str) -> Verdict {
        match Request::from_json(json) {
            Ok(request) => self.check(&request),
            Err(error) => self.fail_closed(&error),
        }
    }
}

/// A [`ReplyContext`](crate::validator::ReplyContext) prepared by
/// [`Engine::prepare_reply_context`]: validating a draft against it does only the
/// draft's work. It keeps the engine that prepared it, so it never meets another
/// policy.
#[derive(Debug)]
pub struct PreparedReplyContext {
    engine: Engine,
    context: crate::validator::ReplyContext,
    prepared: crate::validator::Prepared,
}

impl PreparedReplyContext {
    /// The same report as [`Engine::validate_reply`] with the prepared context.
    pub fn validate_reply(&self, text: &str) -> crate::validator::Report {
        self.engine.inner.compiled.validator.validate_against(
            text,
            &self
                .context
                .input(&self.engine.inner.compiled.account_data_tools),
            &self.prepared,
            "customer_reply",
        )
    }

    /// The context this was prepared from.
    pub fn context(&self) -> &crate::validator::ReplyContext {
        &self.context
    }
}

/// The verdict for a request that could not be checked: ESCALATE, and why. Without an
/// engine there is no policy to name a queue, so the queue is empty; with one, use
/// [`Engine::fail_closed`].
pub fn fail_closed(error: &Error) -> Verdict {
    let mut violation = Violation::block(error.code(), error.to_string());
    violation.field = error.field().map(str::to_string);
    Verdict {
        decision: DecisionKind::Escalate,
        proposed: None,
        downgraded: false,
        intent: None,
        allowed: Vec::new(),
        blocked: Vec::new(),
        violations: vec![violation],
        escalation: EscalationOutcome {
            needed: true,
            queue: String::new(),
            priority: Priority::Medium,
            triggers: Vec::new(),
            details: Vec::new(),
        },
        cost: Cost {
            usd: 0.0,
            limit_usd: None,
            alert: false,
        },
        reply: None,
        knowledge_gap: false,
    }
}

/// Natively, a bug that panics inside a check stops there (`None`, which the caller
/// turns into an ESCALATE verdict) instead of unwinding into the host. (On wasm32
/// panics abort; the bindings' hook reports them.)
#[cfg(not(target_arch = "wasm32"))]
fn guarded(check: impl FnOnce() -> Verdict) -> Option<Verdict> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).ok()
}

#[cfg(target_arch = "wasm32")]
fn guarded(check: impl FnOnce() -> Verdict) -> Option<Verdict> {
    Some(check())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Engine>();
    }

    #[test]
    fn a_panic_inside_a_check_fails_closed() {
        let engine = Engine::with_defaults().unwrap();
        let verdict = engine.guarded(|| panic!("a bug in a rule"));
        assert_eq!(verdict.decision, DecisionKind::Escalate);
        assert_eq!(verdict.escalation.queue, "general_support");
        assert!(verdict.escalation.needed);
        assert_eq!(verdict.violations.len(), 1);
        assert_eq!(verdict.violations[0].code, Code::InternalError);
        assert_eq!(
            verdict.violations[0].message,
            "an internal error stopped the check; escalating"
        );
    }

    #[test]
    fn unparsable_request_fails_closed_with_location() {
        let engine = Engine::with_defaults().unwrap();
        let verdict = engine.check_json("{\"ticket\": {\"turn\": \"two\"}}");
        assert_eq!(verdict.decision, DecisionKind::Escalate);
        assert_eq!(verdict.violations.len(), 1);
        assert_eq!(verdict.escalation.queue, "general_support");
        let violation = &verdict.violations[0];
        assert_eq!(violation.code, Code::RequestInvalid);
        assert_eq!(violation.field.as_deref(), Some("ticket.turn"));
        assert_eq!(
            violation.message,
            "1:25: field `ticket.turn`: invalid type: string \"two\", expected a whole number"
        );
    }
}
