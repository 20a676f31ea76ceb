//! Budget limits: tool calls per ticket (policy), reasoning turns and cost per loop
//! (contract). An agent over budget escalates instead of trying once more.

use crate::codes::{Code, Trigger};
use crate::decision::{Decision, DecisionKind};
use crate::request::Request;
use crate::verdict::{Cost, Violation};

use super::{CheckContext, Findings};

/// Cost against the contract's cap and alert threshold.
pub(crate) fn cost(context: &CheckContext<'_>, request: &Request, findings: &mut Findings) -> Cost {
    let usd = request.trace.cost_usd.unwrap_or(0.0);
    let boundary = context.contract.cost_boundary();
    let limit_usd = boundary.and_then(|b| b.max_usd_per_trace_loop);
    let alert_usd = boundary.and_then(|b| b.alert_threshold_usd);
    if let Some(limit) = limit_usd {
        if usd > limit {
            findings.violate(
                Violation::block(
                    Code::CostLimitExceeded,
                    format!(
                        "the trace cost {usd} USD, over the contract's cap of {limit} USD per loop"
                    ),
                )
                .in_field("trace.cost_usd"),
                DecisionKind::Escalate,
            );
        }
    }
    let alert = alert_usd.is_some_and(|threshold| usd > threshold);
    if alert {
        findings.violate(
            Violation::warn(
                Code::CostAlert,
                format!(
                    "the trace cost {usd} USD, over the alert threshold of {} USD",
                    alert_usd.unwrap_or_default()
                ),
            )
            .in_field("trace.cost_usd"),
            DecisionKind::AutoResolve,
        );
    }
    Cost {
        usd,
        limit_usd,
        alert,
    }
}

/// Reasoning turns and tool calls already spent, from the trace.
pub(crate) fn trace(context: &CheckContext<'_>, request: &Request, findings: &mut Findings) {
    let max_turns = context
        .contract
        .loop_boundary()
        .and_then(|b| b.max_reasoning_turns);
    if let (Some(turns), Some(max)) = (request.trace.turns, max_turns) {
        if turns > max {
            let message =
                format!("the trace used {turns} reasoning turns, over the contract's {max}");
            findings.violate(
                Violation::block(Code::LoopLimitExceeded, message.clone()).in_field("trace.turns"),
                DecisionKind::Escalate,
            );
            findings.fire(Trigger::MaxTurns, message, None);
        }
    }
    let max_calls = context.policy.max_tool_calls;
    if let Some(calls) = request.trace.tool_calls {
        if calls > max_calls {
            findings.violate(
                Violation::block(
                    Code::ToolCallsExceeded,
                    format!("the trace made {calls} tool calls, over the limit of {max_calls} per ticket"),
                )
                .in_field("trace.tool_calls"),
                DecisionKind::Escalate,
            );
        }
    }
}

/// Actions proposed in one decision, counted with the calls the trace already made:
/// the limit is per ticket, and the blueprint escalates when the agent *would* exceed
/// it.
pub(crate) fn actions(
    context: &CheckContext<'_>,
    request: &Request,
    decision: &Decision,
    findings: &mut Findings,
) {
    let max_calls = u64::from(context.policy.max_tool_calls);
    let made = u64::from(request.trace.tool_calls.unwrap_or(0));
    let proposed = decision.actions.len() as u64;
    // A trace already over the limit is reported at `trace.tool_calls` (see `trace`).
    if made > max_calls || made + proposed <= max_calls {
        return;
    }
    let message = if made == 0 {
        format!(
            "the decision proposes {proposed} actions, over the limit of {max_calls} per ticket"
        )
    } else {
        format!(
            "the ticket would use {} tool calls ({made} made, {proposed} proposed), over the limit of {max_calls} per ticket",
            made + proposed
        )
    };
    findings.violate(
        Violation::block(Code::ToolCallsExceeded, message).in_field("decision.actions"),
        DecisionKind::Escalate,
    );
}
