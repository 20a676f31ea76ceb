//! Routing: which queue and what priority, from fired triggers, then the intent.
//!
//! The model's own queue is advice: it is used only for a ROUTE decision, only when
//! no trigger or intent rule picks a queue, and only if the policy lists that queue.

use crate::decision::{Decision, DecisionKind};
use crate::policy::Priority;
use crate::verdict::EscalationOutcome;

use super::{trigger_priority, CheckContext, Findings};

pub(crate) fn route(
    context: &CheckContext<'_>,
    decision: Option<&Decision>,
    final_decision: DecisionKind,
    findings: &Findings,
) -> EscalationOutcome {
    let policy = context.policy;
    let mut triggers: Vec<_> = findings.hits.iter().map(|hit| hit.trigger).collect();
    triggers.sort();
    triggers.dedup();

    let urgency = decision.and_then(|d| d.urgency).unwrap_or(Priority::Low);
    let needs_queue = matches!(final_decision, DecisionKind::Escalate | DecisionKind::Route);
    if !needs_queue {
        return EscalationOutcome {
            needed: false,
            queue: String::new(),
            priority: urgency,
            triggers,
            details: findings.hits.clone(),
        };
    }

    let by_trigger = policy
        .trigger_routes
        .iter()
        .find(|(trigger, queue, _)| queue.is_some() && findings.has_fired(*trigger))
        .and_then(|(_, queue, _)| queue.clone());
    let by_intent = || {
        let intent = decision.map(|d| d.intent.as_str())?;
        policy
            .intent_routes
            .iter()
            .find(|(glob, _)| glob.matches(intent))
            .map(|(_, queue)| queue.clone())
    };
    let by_model = || {
        let suggested = decision?.escalation.as_ref()?.queue.clone();
        (final_decision == DecisionKind::Route && policy.known_queues.contains(&suggested))
            .then_some(suggested)
    };
    let queue = by_trigger
        .or_else(by_intent)
        .or_else(by_model)
        .unwrap_or_else(|| policy.default_queue.clone());

    let priority = triggers
        .iter()
        .map(|trigger| trigger_priority(policy, *trigger))
        .chain(std::iter::once(urgency))
        .max()
        .unwrap_or(Priority::Low);

    EscalationOutcome {
        needed: final_decision == DecisionKind::Escalate,
        queue,
        priority,
        triggers,
        details: findings.hits.clone(),
    }
}
