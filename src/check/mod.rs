//! The check: one request in, one verdict out.
//!
//! The pipeline is a fixed sequence of rules, each of which may record violations,
//! fire triggers and lower a *ceiling* on the decision. The final decision is the
//! proposed one capped by that ceiling, so a verdict can only ever be less autonomous
//! than what the model proposed (AUTO_RESOLVE > DRAFT > ROUTE > ESCALATE):
//!
//! 1. read the decision (schema-validated; unreadable → ESCALATE);
//! 2. triggers from the ticket, the customer and the decision ([`triggers`]);
//! 3. the tool gate from the contract, with money and identity rules ([`gate`], [`money`]);
//! 4. limits: tool calls, reasoning turns, cost ([`limits`]);
//! 5. the auto-resolve ladder (confidence, mode, promoted intent, no money action);
//! 6. withholding acts (send, close) unless the final decision is AUTO_RESOLVE;
//! 7. routing: queue and priority ([`routing`]).
//!
//! Nothing here parses policy text or reads a clock: everything comes compiled from
//! the engine or as input.

mod gate;
mod limits;
mod money;
mod routing;
pub(crate) mod triggers;

use crate::codes::{Code, Trigger};
use crate::contract::Contract;
use crate::decision::{self, Decision, DecisionKind, ReadDecision};
use crate::policy::{CompiledPolicy, Mode, Priority};
use crate::request::Request;
use crate::text::Span;
use crate::verdict::{AllowedAction, BlockedAction, Cost, TriggerHit, Verdict, Violation};

/// What a check needs from the engine.
pub(crate) struct CheckContext<'a> {
    pub policy: &'a CompiledPolicy,
    pub contract: &'a Contract,
    pub mode: Mode,
}

/// What the rules have found so far.
#[derive(Debug)]
pub(crate) struct Findings {
    pub violations: Vec<Violation>,
    pub hits: Vec<TriggerHit>,
    ceiling: DecisionKind,
    /// The reply as the verdict hands it on (see [`crate::validator`]).
    reply: Option<crate::validator::VerdictReply>,
}

impl Findings {
    fn new() -> Findings {
        Findings {
            violations: Vec::new(),
            hits: Vec::new(),
            ceiling: DecisionKind::AutoResolve,
            reply: None,
        }
    }

    /// The decision may be at most `kind`.
    pub fn cap(&mut self, kind: DecisionKind) {
        self.ceiling = self.ceiling.at_most(kind);
    }

    /// Records a violation; a `block` one lowers the ceiling to `cap`.
    pub fn violate(&mut self, violation: Violation, cap: DecisionKind) {
        if violation.severity == crate::verdict::Severity::Block {
            self.cap(cap);
        }
        self.violations.push(violation);
    }

    /// Fires a trigger (the first hit of each trigger is kept); triggers escalate.
    pub fn fire(&mut self, trigger: Trigger, message: String, at: Option<(&str, Span)>) {
        self.cap(DecisionKind::Escalate);
        if self.hits.iter().any(|hit| hit.trigger == trigger) {
            return;
        }
        self.hits.push(TriggerHit {
            trigger,
            message,
            field: at.map(|(field, _)| field.to_string()),
            span: at.map(|(_, span)| span),
        });
    }

    fn has_fired(&self, trigger: Trigger) -> bool {
        self.hits.iter().any(|hit| hit.trigger == trigger)
    }
}

/// Runs every rule over `request`.
pub(crate) fn check(context: &CheckContext<'_>, request: &Request) -> Verdict {
    let mut findings = Findings::new();
    let ticket_text = triggers::TicketText::new(&request.ticket);
    let ticket_matches = ticket_text.first_matches(&context.policy.ticket_phrases);
    triggers::from_ticket(context, request, &ticket_matches, &mut findings);
    let cost = limits::cost(context, request, &mut findings);
    limits::trace(context, request, &mut findings);

    let read = decision::read(&request.decision);
    let decision = match read {
        ReadDecision::Structured(decision) => decision,
        ReadDecision::EscalateNeeded(reason) => {
            findings.violate(
                Violation::warn(
                    Code::ModelEscalated,
                    if reason.is_empty() {
                        "the model asked for escalation".to_string()
                    } else {
                        format!("the model asked for escalation: {reason}")
                    },
                )
                .in_field("decision"),
                DecisionKind::Escalate,
            );
            return finish(
                context,
                None,
                Some(DecisionKind::Escalate),
                Vec::new(),
                Vec::new(),
                findings,
                cost,
            );
        }
        ReadDecision::Invalid { field, message } => {
            let field = if field.is_empty() {
                "decision".to_string()
            } else {
                format!("decision.{field}")
            };
            findings.violate(
                Violation::block(Code::DecisionSchema, message).in_field(field),
                DecisionKind::Escalate,
            );
            return finish(context, None, None, Vec::new(), Vec::new(), findings, cost);
        }
    };

    // A decision whose own escalation block says `needed: true` contradicts itself
    // unless it escalates; the verdict takes the safer of the two readings.
    if decision.decision != DecisionKind::Escalate
        && decision
            .escalation
            .as_ref()
            .is_some_and(|escalation| escalation.needed)
    {
        findings.violate(
            Violation::block(
                Code::ModelEscalated,
                format!(
                    "the model decided {} but marked escalation as needed",
                    decision.decision
                ),
            )
            .in_field("decision.escalation.needed"),
            DecisionKind::Escalate,
        );
    }
    triggers::from_decision(
        context,
        request,
        &ticket_text,
        &ticket_matches,
        &decision,
        &mut findings,
    );
    limits::actions(context, request, &decision, &mut findings);
    auto_resolve_ladder(context, &decision, &mut findings);
    // The response validator on the reply (all rules) and the note (PII, citations):
    // a blocking finding keeps the verdict at DRAFT at most, so an ungrounded claim or
    // leaked card is never auto-sent; the masked reply goes out in `verdict.reply`.
    let account_data_requested = decision
        .actions
        .iter()
        .any(|action| context.policy.account_data_tools.contains(&action.tool));
    let (reply_violations, reply) = crate::validator::check_decision(
        &context.policy.validator,
        request,
        &decision,
        ticket_text.views(),
        account_data_requested,
    );
    for violation in reply_violations {
        findings.violate(violation, DecisionKind::Draft);
    }
    findings.reply = reply;

    let mut gated: Vec<gate::Gated> = decision
        .actions
        .iter()
        .enumerate()
        .map(|(index, action)| {
            gate::gate(context, request, &decision, index, action, &mut findings)
        })
        .collect();

    // An AUTO_RESOLVE verdict sends the reply, whether or not the model listed a send
    // action: a contract that cannot send keeps it a draft.
    if decision.decision.at_most(findings.ceiling) == DecisionKind::AutoResolve
        && !gate::send_authorized(context)
    {
        findings.violate(
            Violation::block(
                Code::SendNotAuthorized,
                "the contract does not authorize sending, so the reply stays a draft",
            )
            .in_field("decision.decision"),
            DecisionKind::Draft,
        );
    }

    // Acts (send, close) happen only in an AUTO_RESOLVE verdict. Withholding one may
    // rewrite an action into something the contract blocks, which lowers the ceiling
    // again; the loop settles because a withheld action has no act left to withhold.
    if decision.decision.at_most(findings.ceiling) != DecisionKind::AutoResolve {
        for (index, entry) in gated.iter_mut().enumerate() {
            gate::withhold(context, request, &decision, index, entry, &mut findings);
        }
    }

    let mut allowed = Vec::new();
    let mut blocked = Vec::new();
    for entry in gated {
        match entry.outcome {
            gate::Outcome::Allowed { mode, note, .. } => allowed.push(AllowedAction {
                tool: entry.tool,
                args: entry.args,
                mode,
                note,
            }),
            gate::Outcome::Blocked { code, message } => blocked.push(BlockedAction {
                tool: entry.tool,
                args: entry.args,
                code,
                message,
            }),
        }
    }
    let proposed = decision.decision;
    let mut verdict = finish(
        context,
        Some(&decision),
        Some(proposed),
        allowed,
        blocked,
        findings,
        cost,
    );
    verdict.knowledge_gap = knowledge_gap(context, request, &decision);
    verdict
}

/// Low confidence and no source: the blueprint routes such tickets to a knowledge-gap
/// log. A KB document without a score counts as a source, as it does for grounding.
fn knowledge_gap(context: &CheckContext<'_>, request: &Request, decision: &Decision) -> bool {
    let thresholds = &context.policy.thresholds;
    decision.confidence < thresholds.draft
        && !request
            .context
            .kb
            .iter()
            .any(|doc| doc.is_relevant(thresholds.retrieval_min))
}

fn finish(
    context: &CheckContext<'_>,
    decision: Option<&Decision>,
    proposed: Option<DecisionKind>,
    allowed: Vec<AllowedAction>,
    blocked: Vec<BlockedAction>,
    findings: Findings,
    cost: Cost,
) -> Verdict {
    let final_decision = proposed
        .unwrap_or(DecisionKind::Escalate)
        .at_most(findings.ceiling);
    let escalation = routing::route(context, decision, final_decision, &findings);
    Verdict {
        decision: final_decision,
        proposed,
        downgraded: proposed.is_some_and(|p| final_decision.autonomy() < p.autonomy()),
        intent: decision.map(|d| d.intent.clone()),
        allowed,
        blocked,
        violations: findings.violations,
        escalation,
        cost,
        reply: findings.reply,
        knowledge_gap: false,
    }
}

/// AUTO_RESOLVE needs high confidence, auto mode, a promoted intent and no money or
/// account action; each failing condition is its own violation and caps at DRAFT.
/// Below the draft threshold every decision escalates.
fn auto_resolve_ladder(context: &CheckContext<'_>, decision: &Decision, findings: &mut Findings) {
    let thresholds = &context.policy.thresholds;
    if decision.confidence < thresholds.draft {
        findings.violate(
            Violation::block(
                Code::ConfidenceBelowDraft,
                format!(
                    "confidence {} is below the draft threshold {}",
                    decision.confidence, thresholds.draft
                ),
            )
            .in_field("decision.confidence"),
            DecisionKind::Escalate,
        );
    }
    if decision.decision != DecisionKind::AutoResolve {
        return;
    }
    if decision.confidence < thresholds.auto_resolve {
        findings.violate(
            Violation::block(
                Code::ConfidenceBelowAuto,
                format!(
                    "confidence {} is below the auto-resolve threshold {}",
                    decision.confidence, thresholds.auto_resolve
                ),
            )
            .in_field("decision.confidence"),
            DecisionKind::Draft,
        );
    }
    if context.mode == Mode::Suggest {
        findings.violate(
            Violation::block(
                Code::ModeSuggest,
                "the policy runs in suggest mode: replies are drafts for a human",
            ),
            DecisionKind::Draft,
        );
    }
    if !context.policy.promoted_intents.is_match(&decision.intent) {
        findings.violate(
            Violation::block(
                Code::IntentNotPromoted,
                format!(
                    "intent `{}` is not promoted to auto-resolve",
                    decision.intent
                ),
            )
            .in_field("decision.intent"),
            DecisionKind::Draft,
        );
    }
    for (index, action) in decision.actions.iter().enumerate() {
        if gate::is_money_or_account(context, action) {
            findings.violate(
                Violation::block(
                    Code::MoneyOrAccountAction,
                    format!(
                        "`{}` moves money or changes the account, which never auto-resolves",
                        action.tool
                    ),
                )
                .in_field(format!("decision.actions[{index}]")),
                DecisionKind::Draft,
            );
        }
    }
}

/// The priority a fired trigger asks for, from the routing table (medium if unlisted).
pub(crate) fn trigger_priority(policy: &CompiledPolicy, trigger: Trigger) -> Priority {
    policy
        .trigger_routes
        .iter()
        .find(|(t, _, _)| *t == trigger)
        .map_or(Priority::Medium, |(_, _, priority)| *priority)
}
