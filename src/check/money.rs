//! Refunds and credits: the executor's money rules, which no model output overrides.
//!
//! A refund passes only if the customer is verified, the amount is at or below the
//! cap, a documented refund policy is in context, and (for refunds) the transaction is
//! in context and at least the refunded amount. Every failing rule is reported, each
//! with its trigger, so the human sees all the reasons at once.

use serde_json::{Map, Value};

use crate::codes::{Code, Trigger};
use crate::request::Request;

use super::CheckContext;

/// One failed money rule.
pub(crate) struct Failure {
    pub code: Code,
    pub message: String,
    pub trigger: Trigger,
}

/// The amount an action moves, when it names one.
pub(crate) fn amount(context: &CheckContext<'_>, args: &Map<String, Value>) -> Option<f64> {
    args.get(&context.policy.amount_arg)
        .and_then(Value::as_f64)
        .filter(|amount| amount.is_finite() && *amount >= 0.0)
}

/// Checks a money action; an empty list means it may be staged.
pub(crate) fn check(
    context: &CheckContext<'_>,
    request: &Request,
    is_refund: bool,
    tool: &str,
    args: &Map<String, Value>,
) -> Vec<Failure> {
    let policy = context.policy;
    let mut failures = Vec::new();
    let amount = amount(context, args);
    if amount.is_none() {
        failures.push(Failure {
            code: Code::ActionArgsInvalid,
            message: format!(
                "`{tool}` needs a non-negative number in `{}`",
                policy.amount_arg
            ),
            trigger: Trigger::RefundOutsidePolicy,
        });
    }
    if !request.ticket.customer.verified {
        failures.push(Failure {
            code: Code::IdentityUnverified,
            message: format!("`{tool}` moves money, but the customer's identity is not verified"),
            trigger: Trigger::IdentityUnverified,
        });
    }
    if let Some(amount) = amount {
        if amount > policy.refund_cap_usd {
            failures.push(Failure {
                code: Code::RefundOverCap,
                message: format!(
                    "{} of {} USD is over the auto-refund cap of {} USD",
                    tool, amount, policy.refund_cap_usd
                ),
                trigger: Trigger::RefundOverCap,
            });
        }
    }
    let retrieval_min = policy.thresholds.retrieval_min;
    let documented = request.context.kb.iter().any(|doc| {
        doc.tags.iter().any(|tag| tag == &policy.refund_policy_tag)
            && doc.score.is_none_or(|score| score >= retrieval_min)
    });
    if !documented {
        failures.push(Failure {
            code: Code::RefundNoPolicy,
            message: format!(
                "no KB document tagged `{}` is in context, so `{tool}` matches no documented policy",
                policy.refund_policy_tag
            ),
            trigger: Trigger::RefundOutsidePolicy,
        });
    }
    let txn = args.get(&policy.txn_arg);
    if is_refund || txn.is_some() {
        if let Some(message) = txn_mismatch(context, request, tool, txn, amount) {
            failures.push(Failure {
                code: Code::RefundTxnMismatch,
                message,
                trigger: Trigger::RefundOutsidePolicy,
            });
        }
    }
    failures
}

fn txn_mismatch(
    context: &CheckContext<'_>,
    request: &Request,
    tool: &str,
    txn: Option<&Value>,
    amount: Option<f64>,
) -> Option<String> {
    let txn_arg = &context.policy.txn_arg;
    let Some(txn_id) = txn.and_then(Value::as_str) else {
        return Some(format!("`{tool}` names no transaction in `{txn_arg}`"));
    };
    let Some(order) = request.context.orders.iter().find(|o| o.txn_id == txn_id) else {
        return Some(format!("transaction `{txn_id}` is not in context.orders"));
    };
    if order
        .status
        .as_deref()
        .is_some_and(|status| status.eq_ignore_ascii_case("refunded"))
    {
        return Some(format!("transaction `{txn_id}` is already refunded"));
    }
    match amount {
        Some(amount) if amount > order.amount_usd => Some(format!(
            "{amount} USD is more than transaction `{txn_id}` of {} USD",
            order.amount_usd
        )),
        _ => None,
    }
}
