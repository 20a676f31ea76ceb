//! The tool gate: what the contract lets each proposed action do.
//!
//! Order of rules for one action, first block wins the `blocked[].code`:
//! never-emit (by exact name or verb prefix) → execution tools absent (a mutating tool)
//! → not listed in the tool boundary → identity gate → money rules. Policy alias rules
//! translate the agent's tool names into the contract's vocabulary first (`send_reply`
//! with `mode: draft` is `draft_reply`). An action whose alias marks an *act* (send,
//! close) is never blocked for being unauthorized when its rule can rewrite it: the act
//! is withheld and the verdict drops to DRAFT (`SEND_NOT_AUTHORIZED`), because a draft
//! is always the safe fallback. What the rules cannot tell apart from an act is an act
//! (see [`CompiledPolicy::resolve_alias`](crate::policy::CompiledPolicy::resolve_alias)).

use serde_json::{Map, Value};

use crate::codes::{Code, Trigger};
use crate::contract::{is_risky_tool, Listing};
use crate::decision::{Action, Decision, DecisionKind};
use crate::policy::{Act, Withhold};
use crate::request::Request;
use crate::verdict::{ActionMode, Violation};

use super::{money, CheckContext, Findings};

/// An act that happens only if the verdict is AUTO_RESOLVE.
#[derive(Debug, Clone)]
pub(crate) struct PendingAct {
    act: Act,
    withhold: Option<Withhold>,
}

/// The gate's answer for one action.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Allowed {
        mode: ActionMode,
        note: Option<String>,
        act: Option<PendingAct>,
    },
    Blocked {
        code: Code,
        message: String,
    },
}

/// One action after the gate.
#[derive(Debug, Clone)]
pub(crate) struct Gated {
    pub tool: String,
    pub args: Map<String, Value>,
    pub outcome: Outcome,
}

/// Gates action `index` of `decision`.
pub(crate) fn gate(
    context: &CheckContext<'_>,
    request: &Request,
    decision: &Decision,
    index: usize,
    action: &Action,
    findings: &mut Findings,
) -> Gated {
    let outcome = evaluate(
        context,
        request,
        decision,
        index,
        &action.tool,
        &action.args,
        findings,
    );
    Gated {
        tool: action.tool.clone(),
        args: action.args.clone(),
        outcome,
    }
}

/// Withholds the act of an allowed action, when it has one: its arguments are rewritten
/// as the alias rule says and the rewritten action is gated again.
pub(crate) fn withhold(
    context: &CheckContext<'_>,
    request: &Request,
    decision: &Decision,
    index: usize,
    entry: &mut Gated,
    findings: &mut Findings,
) {
    let Outcome::Allowed {
        act: Some(pending), ..
    } = &entry.outcome
    else {
        return;
    };
    let pending = pending.clone();
    let what = match pending.act {
        Act::Send => "sending",
        Act::Close => "closing the ticket",
    };
    let Some(rewrite) = &pending.withhold else {
        entry.outcome = Outcome::Allowed {
            mode: ActionMode::RequiresApproval,
            note: Some(format!(
                "withheld: {what} happens only in an AUTO_RESOLVE verdict"
            )),
            act: None,
        };
        return;
    };
    let mut args = entry.args.clone();
    for key in &rewrite.remove {
        args.remove(key);
    }
    for (key, value) in &rewrite.set {
        args.insert(key.clone(), value.clone());
    }
    let mut outcome = evaluate(
        context,
        request,
        decision,
        index,
        &entry.tool,
        &args,
        findings,
    );
    if let Outcome::Allowed { mode, note, act } = &mut outcome {
        // A rewrite that still performs an act would be withheld forever: a human decides.
        if act.take().is_some() {
            *mode = ActionMode::RequiresApproval;
        }
        *note = Some(format!(
            "withheld: {what} happens only in an AUTO_RESOLVE verdict; arguments rewritten"
        ));
    }
    entry.args = args;
    entry.outcome = outcome;
}

/// Whether the contract authorizes sending under some alias rule of the policy that
/// marks the send act. With no such rule the engine cannot tell, and says no.
pub(crate) fn send_authorized(context: &CheckContext<'_>) -> bool {
    context.policy.act_aliases(Act::Send).any(|(tool, names)| {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        contract_gate(context, tool, &names).is_ok()
    })
}

/// Whether the action moves money or changes the account (by its name or alias).
pub(crate) fn is_money_or_account(context: &CheckContext<'_>, action: &Action) -> bool {
    any_name(context, action, |name| {
        context.policy.is_money_tool(name) || context.policy.identity_tools.contains(name)
    })
}

/// Whether `test` holds for a name the action goes by: an alias target, or its own.
fn any_name(context: &CheckContext<'_>, action: &Action, test: impl Fn(&str) -> bool) -> bool {
    names_of(context, &action.tool, &action.args)
        .into_iter()
        .chain(std::iter::once(action.tool.as_str()))
        .any(test)
}

/// The contract names an action is gated as: its alias targets, or its own name.
fn names_of<'a>(
    context: &'a CheckContext<'_>,
    tool: &'a str,
    args: &Map<String, Value>,
) -> Vec<&'a str> {
    match context.policy.resolve_alias(tool, args) {
        Some(alias) => alias.names.iter().map(String::as_str).collect(),
        None => vec![tool],
    }
}

fn evaluate(
    context: &CheckContext<'_>,
    request: &Request,
    decision: &Decision,
    index: usize,
    tool: &str,
    args: &Map<String, Value>,
    findings: &mut Findings,
) -> Outcome {
    let field = format!("decision.actions[{index}]");
    if let Some(message) = context.policy.unreadable_alias_args(tool, args) {
        findings.violate(
            Violation::block(Code::ActionArgsInvalid, message.clone()).in_field(field),
            DecisionKind::Escalate,
        );
        return Outcome::Blocked {
            code: Code::ActionArgsInvalid,
            message,
        };
    }
    let alias = context.policy.resolve_alias(tool, args);
    let names: Vec<&str> = match &alias {
        Some(alias) => alias.names.iter().map(String::as_str).collect(),
        None => vec![tool],
    };
    let every_name = || std::iter::once(tool).chain(names.iter().copied());

    let listing = contract_gate(context, tool, &names);

    // An act the contract does not authorize is withheld when its rule can rewrite the
    // action (the rewrite, a draft, is gated again). Without a rewrite that changes
    // anything (`send_message` called directly, an update with no `status` to
    // remove) it is blocked like any tool the contract does not authorize.
    let rewrite = alias
        .as_ref()
        .and_then(|alias| alias.withhold)
        .filter(|rewrite| rewrite.changes(args));
    let act_alias = alias
        .as_ref()
        .filter(|_| listing.is_ok() || rewrite.is_some());
    if let Some(alias) = act_alias {
        if let Some(act) = alias.act {
            let pending = PendingAct {
                act,
                withhold: rewrite.cloned(),
            };
            if let Err((_, reason)) = &listing {
                let code = match act {
                    Act::Send => Code::SendNotAuthorized,
                    Act::Close => Code::CloseNotAuthorized,
                };
                findings.violate(
                    Violation::block(
                        code,
                        format!("{reason}; the act is withheld and the reply stays a draft"),
                    )
                    .in_field(field),
                    DecisionKind::Draft,
                );
                return Outcome::Allowed {
                    mode: ActionMode::Execute,
                    note: None,
                    act: Some(pending),
                };
            }
            let mode = listing
                .as_ref()
                .map_or(ActionMode::RequiresApproval, |listing| {
                    base_mode(*listing, every_name())
                });
            return Outcome::Allowed {
                mode,
                note: None,
                act: Some(pending),
            };
        }
    }

    let contract_block = listing.as_ref().err().cloned();
    if let Some((code, message)) = &contract_block {
        findings.violate(
            Violation::block(*code, message.clone()).in_field(field.clone()),
            DecisionKind::Escalate,
        );
    }

    let verified = request.ticket.customer.verified;
    let is_money = every_name().any(|name| context.policy.is_money_tool(name));
    let identity_gated = every_name().any(|name| context.policy.identity_tools.contains(name));
    let mut blocks: Vec<(Code, String)> = contract_block.into_iter().collect();

    if identity_gated && !is_money && !verified {
        let message =
            format!("`{tool}` changes the account, but the customer's identity is not verified");
        findings.violate(
            Violation::block(Code::IdentityUnverified, message.clone()).in_field(field.clone()),
            DecisionKind::Escalate,
        );
        findings.fire(Trigger::IdentityUnverified, message.clone(), None);
        blocks.push((Code::IdentityUnverified, message));
    }

    let mut mode = listing
        .as_ref()
        .map_or(ActionMode::RequiresApproval, |listing| {
            base_mode(*listing, every_name())
        });

    if is_money {
        let is_refund = every_name().any(|name| context.policy.is_refund_tool(name));
        let earlier = decision.actions.get(..index).unwrap_or_default();
        let moves_money =
            |action: &Action| any_name(context, action, |name| context.policy.is_money_tool(name));
        for failure in money::check(
            context,
            request,
            is_refund,
            tool,
            args,
            earlier,
            moves_money,
        ) {
            findings.violate(
                Violation::block(failure.code, failure.message.clone()).in_field(field.clone()),
                DecisionKind::Escalate,
            );
            findings.fire(failure.trigger, failure.message.clone(), None);
            blocks.push((failure.code, failure.message));
        }
        // Money never moves without a human, unless the policy auto-approves this
        // intent and the contract lists the tool as auto-executable.
        let auto_approved = context
            .policy
            .auto_approve_intents
            .is_match(&decision.intent)
            && matches!(listing, Ok(Listing::Auto));
        mode = if auto_approved {
            ActionMode::Execute
        } else {
            ActionMode::RequiresApproval
        };
    } else if identity_gated {
        // An account change never auto-resolves (MONEY_OR_ACCOUNT_ACTION), so the
        // verdict is at most a DRAFT, which a human approves: the change waits for
        // that approval even when the contract lists the tool as auto-executable.
        mode = ActionMode::RequiresApproval;
    }

    match blocks.into_iter().next() {
        Some((code, message)) => {
            findings.cap(DecisionKind::Escalate);
            Outcome::Blocked { code, message }
        }
        None => Outcome::Allowed {
            mode,
            note: None,
            act: None,
        },
    }
}

/// Approval-required listings and risky verbs (fail closed) need a human.
fn base_mode<'a>(listing: Listing, mut names: impl Iterator<Item = &'a str>) -> ActionMode {
    if listing == Listing::ApprovalRequired || names.any(is_risky_tool) {
        ActionMode::RequiresApproval
    } else {
        ActionMode::Execute
    }
}

/// The contract's verdict on an action gated as `names`: its listing, or the block.
fn contract_gate(
    context: &CheckContext<'_>,
    tool: &str,
    names: &[&str],
) -> Result<Listing, (Code, String)> {
    let contract = context.contract;
    for name in std::iter::once(tool).chain(names.iter().copied()) {
        if let Some(entry) = contract
            .never_emits()
            .iter()
            .find(|entry| never_emit_matches(entry, name))
        {
            return Err((
                Code::ToolNeverEmit,
                format!("the contract never emits `{entry}`, which covers `{tool}`"),
            ));
        }
    }
    let tools = contract.tools();
    if tools.execution_tools_absent {
        if let Some(name) = names.iter().find(|name| is_mutating(context, name)) {
            return Err((
                Code::ToolExecutionAbsent,
                format!(
                    "`{name}` is a mutating tool and the contract says execution tools are absent"
                ),
            ));
        }
    }
    let own = tools.listing(tool);
    let aliased: Option<Vec<Listing>> = if names == [tool] {
        None
    } else {
        names.iter().map(|name| tools.listing(name)).collect()
    };
    let listings: Vec<Listing> = own
        .into_iter()
        .chain(aliased.into_iter().flatten())
        .collect();
    if listings.is_empty() {
        return Err((
            Code::ToolNotAllowed,
            if names == [tool] {
                format!("`{tool}` is not in the contract's tool boundary")
            } else {
                format!(
                    "`{tool}` (as {}) is not in the contract's tool boundary",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ));
    }
    Ok(if listings.contains(&Listing::ApprovalRequired) {
        Listing::ApprovalRequired
    } else {
        Listing::Auto
    })
}

/// `refund` covers `refund`, `refund_issue` and `Refund-Partial`, not `refunded_check`.
fn never_emit_matches(entry: &str, tool: &str) -> bool {
    // Compared char by char in lowercase: no allocation on the per-action path.
    let mut tool_chars = tool.chars().flat_map(char::to_lowercase);
    for expected in entry.chars().flat_map(char::to_lowercase) {
        if tool_chars.next() != Some(expected) {
            return false;
        }
    }
    tool_chars
        .next()
        .is_none_or(|next| matches!(next, '_' | '-' | '.' | ' '))
}

/// A tool is mutating when any word of its name is a mutating verb or it is risky.
fn is_mutating(context: &CheckContext<'_>, name: &str) -> bool {
    is_risky_tool(name)
        || name.split(|c: char| !c.is_alphanumeric()).any(|word| {
            context
                .policy
                .mutating_verbs
                .iter()
                .any(|verb| verb.eq_ignore_ascii_case(word))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_emit_matches_exact_names_and_verb_prefixes() {
        assert!(never_emit_matches("refund", "refund_issue"));
        assert!(never_emit_matches("refund", "REFUND"));
        assert!(never_emit_matches("send_message", "send_message"));
        assert!(!never_emit_matches("send_message", "send_reply"));
        assert!(!never_emit_matches("refund", "refunded_check"));
        assert!(!never_emit_matches("cancel", "do_cancel"));
        assert!(!never_emit_matches("refund_issue", "refund"));
        assert!(never_emit_matches("\u{c9}METTRE", "\u{e9}mettre.avoir"));
    }
}
