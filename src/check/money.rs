//! Refunds and credits: the executor's money rules, which no model output overrides.
//!
//! A refund passes only if the customer is verified, the amount is at or below the
//! cap, a documented refund policy is in context, and (for refunds) the transaction is
//! in context and at least the refunded amount. Every failing rule is reported, each
//! with its trigger, so the human sees all the reasons at once.
//!
//! The cap and a transaction's amount bound what the whole decision moves, not each
//! action alone: four refunds of 25 USD are 100 USD against a 50 USD cap, and a second
//! refund of the same 29 USD charge refunds it twice. Sums are kept in whole cents, so
//! 0.1 + 0.2 is exactly 0.3.

use serde_json::{Map, Value};

use crate::codes::{Code, Trigger};
use crate::decision::Action;
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

/// What the decision's earlier money actions move, in cents: in all, and against the
/// transaction the action being checked names.
#[derive(Debug, Clone, Copy, Default)]
struct Earlier {
    total_cents: i64,
    on_txn_cents: i64,
}

impl Earlier {
    /// Adds up the `earlier` actions that `is_money` says move money, for an action
    /// naming transaction `txn` that comes after them.
    fn sum(
        context: &CheckContext<'_>,
        earlier: &[Action],
        txn: Option<&str>,
        is_money: impl Fn(&Action) -> bool,
    ) -> Earlier {
        let mut sum = Earlier::default();
        for action in earlier.iter().filter(|action| is_money(action)) {
            let cents = amount(context, &action.args).map_or(0, cents);
            sum.total_cents = sum.total_cents.saturating_add(cents);
            let names_txn = action
                .args
                .get(&context.policy.txn_arg)
                .and_then(Value::as_str)
                .is_some_and(|other| Some(other) == txn);
            if names_txn {
                sum.on_txn_cents = sum.on_txn_cents.saturating_add(cents);
            }
        }
        sum
    }
}

/// An amount in whole cents (saturating: amounts are finite and non-negative).
fn cents(usd: f64) -> i64 {
    (usd * 100.0).round() as i64
}

fn usd(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Checks a money action that comes after the decision's `earlier` actions, of which
/// `is_money` says which move money too; an empty list means it may be staged.
pub(crate) fn check(
    context: &CheckContext<'_>,
    request: &Request,
    is_refund: bool,
    tool: &str,
    args: &Map<String, Value>,
    earlier: &[Action],
    is_money: impl Fn(&Action) -> bool,
) -> Vec<Failure> {
    let policy = context.policy;
    let txn = args.get(&policy.txn_arg);
    let earlier = Earlier::sum(context, earlier, txn.and_then(Value::as_str), is_money);
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
        } else if earlier.total_cents > 0
            && cents(amount).saturating_add(earlier.total_cents) > cents(policy.refund_cap_usd)
        {
            failures.push(Failure {
                code: Code::RefundOverCap,
                message: format!(
                    "{} of {} USD, with the {} USD the decision's earlier refunds and credits \
                     move, is over the auto-refund cap of {} USD",
                    tool,
                    amount,
                    usd(earlier.total_cents),
                    policy.refund_cap_usd
                ),
                trigger: Trigger::RefundOverCap,
            });
        }
    }
    let retrieval_min = policy.thresholds.retrieval_min;
    let documented = request.context.kb.iter().any(|doc| {
        doc.tags.iter().any(|tag| tag == &policy.refund_policy_tag)
            && doc.is_relevant(retrieval_min)
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
    if is_refund || txn.is_some() {
        if let Some(message) = txn_mismatch(context, request, tool, txn, amount, earlier) {
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
    earlier: Earlier,
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
        Some(amount)
            if earlier.on_txn_cents > 0
                && cents(amount).saturating_add(earlier.on_txn_cents) > cents(order.amount_usd) =>
        {
            Some(format!(
                "{amount} USD, with the {} USD the decision's earlier actions already move \
                 against it, is more than transaction `{txn_id}` of {} USD",
                usd(earlier.on_txn_cents),
                order.amount_usd
            ))
        }
        _ => None,
    }
}
