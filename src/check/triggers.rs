//! Hard escalation triggers. Any one fired escalates, whatever the model's confidence:
//! these are the cases where a confident model is exactly the danger.

use crate::codes::{Code, Trigger};
use crate::decision::{Decision, DecisionKind};
use crate::policy::{CompiledPolicy, Sentiment};
use crate::request::{Request, Ticket};
use crate::text::normalize::Normalized;
use crate::text::phrases::{PhraseIndex, SetId};
use crate::text::Span;
use crate::verdict::Violation;

use super::{money, CheckContext, Findings};

/// Where a rule reports a fired trigger: the trigger, why, and the field and span of
/// the text that fired it.
pub(crate) type TriggerSink<'a> = dyn FnMut(Trigger, String, Option<(&str, Span)>) + 'a;

/// The ticket's subject and body, normalized once for every phrase set matched on them.
pub(crate) struct TicketText<'a> {
    fields: [(&'static str, &'a str, Normalized); 2],
}

/// Where a phrase set first matched the ticket: the field, the span in that field's
/// original text, and the original text of the match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldMatch<'a> {
    pub field: &'static str,
    pub span: Span,
    pub matched: &'a str,
}

impl<'a> TicketText<'a> {
    pub fn new(ticket: &'a Ticket) -> TicketText<'a> {
        TicketText {
            fields: [
                (
                    "ticket.subject",
                    &ticket.subject,
                    Normalized::new(&ticket.subject),
                ),
                ("ticket.body", &ticket.body, Normalized::new(&ticket.body)),
            ],
        }
    }

    /// The subject and body normalized, for the response validator to reuse.
    pub fn views(&self) -> [&str; 2] {
        let [(_, _, subject), (_, _, body)] = &self.fields;
        [subject.text.as_str(), body.text.as_str()]
    }

    /// For each set of `index`, its first match: in the subject if there is one there,
    /// else in the body.
    pub fn first_matches(&self, index: &PhraseIndex) -> Vec<Option<FieldMatch<'a>>> {
        let mut found: Vec<Option<FieldMatch<'a>>> = vec![None; index.sets()];
        for (field, original, view) in &self.fields {
            if index.is_empty() || original.is_empty() {
                continue;
            }
            for (slot, hit) in found.iter_mut().zip(index.first_per_set(&view.text)) {
                if let (None, Some(hit)) = (&slot, hit) {
                    let span = view.original_span(hit.start, hit.end);
                    *slot = Some(FieldMatch {
                        field,
                        span,
                        matched: original.get(span.start..span.end).unwrap_or_default(),
                    });
                }
            }
        }
        found
    }
}

/// The first matches of the policy's ticket phrase sets (see [`TicketText`]).
pub(crate) type TicketMatches<'a> = [Option<FieldMatch<'a>>];

fn matched<'m, 'a>(matches: &'m TicketMatches<'a>, set: SetId) -> Option<&'m FieldMatch<'a>> {
    matches.get(set).and_then(Option::as_ref)
}

/// Triggers that depend only on the ticket and the customer, for `check`.
pub(crate) fn from_ticket(
    context: &CheckContext<'_>,
    request: &Request,
    matches: &TicketMatches<'_>,
    findings: &mut Findings,
) {
    ticket_triggers(
        context.policy,
        &request.ticket,
        matches,
        &mut |trigger, message, at| {
            findings.fire(trigger, message, at);
        },
    );
}

/// The hard triggers visible in the ticket alone: the phrase sets over subject and body,
/// enterprise account, repeated contact, turn limit. Shared by `check` and by
/// screening, so that both say the same about the same ticket.
pub(crate) fn ticket_triggers(
    policy: &CompiledPolicy,
    ticket: &Ticket,
    matches: &TicketMatches<'_>,
    fire: &mut TriggerSink<'_>,
) {
    for (trigger, set) in &policy.textual_triggers {
        if let Some(hit) = matched(matches, *set) {
            fire(
                *trigger,
                format!("{} says `{}`", hit.field, hit.matched),
                Some((hit.field, hit.span)),
            );
        }
    }

    let customer = &ticket.customer;
    // The blueprint's customer line names the plan ("verified, Enterprise, $240k ARR"):
    // the plan counts as the tier does.
    let enterprise_by = [("tier", &customer.tier), ("plan", &customer.plan)]
        .into_iter()
        .find_map(|(field, name)| {
            let name = name.as_deref()?.trim().to_lowercase();
            policy
                .enterprise_tiers
                .contains(&name)
                .then_some((field, name))
        });
    if let Some((field, name)) = enterprise_by {
        fire(
            Trigger::EnterpriseAccount,
            format!("customer {field} `{name}` is an enterprise tier"),
            None,
        );
    } else if let Some(arr) = customer
        .arr_usd
        .filter(|arr| *arr >= policy.enterprise_min_arr_usd)
    {
        fire(
            Trigger::EnterpriseAccount,
            format!(
                "customer ARR of {arr} USD is at or above the enterprise threshold of {} USD",
                policy.enterprise_min_arr_usd
            ),
            None,
        );
    }

    if let Some(prior) = customer
        .prior_contacts_same_issue
        .filter(|prior| *prior >= policy.min_prior_contacts)
    {
        fire(
            Trigger::RepeatedContact,
            format!("the customer contacted support {prior} times before about this issue"),
            None,
        );
    }

    if let Some(turn) = ticket
        .turn
        .filter(|turn| *turn > policy.max_conversation_turns)
    {
        fire(
            Trigger::MaxTurns,
            format!(
                "conversation turn {turn} is past the agent's limit of {}",
                policy.max_conversation_turns
            ),
            None,
        );
    }
}

/// Triggers that depend on the model's decision.
pub(crate) fn from_decision(
    context: &CheckContext<'_>,
    request: &Request,
    ticket: &TicketText<'_>,
    matches: &TicketMatches<'_>,
    decision: &Decision,
    findings: &mut Findings,
) {
    let policy = context.policy;
    let turn = request.ticket.turn.unwrap_or(1);

    match decision.sentiment {
        Some(sentiment) if policy.escalate_sentiments.contains(&sentiment) => findings.fire(
            Trigger::NegativeSentiment,
            format!("sentiment is `{}`", sentiment_name(sentiment)),
            None,
        ),
        Some(Sentiment::Negative) if policy.negative_from_turn.is_some_and(|from| turn >= from) => {
            findings.fire(
                Trigger::NegativeSentiment,
                format!("sentiment is still `negative` at turn {turn}"),
                None,
            )
        }
        _ => {}
    }
    if let Some(urgency) = decision
        .urgency
        .filter(|urgency| policy.escalate_urgencies.contains(urgency))
    {
        findings.fire(
            Trigger::UrgentTicket,
            format!("urgency is `{}`", urgency.as_str()),
            None,
        );
    }

    if let Some(glob) = policy.immediate_intents.first_match(&decision.intent) {
        findings.fire(
            Trigger::ImmediateIntent,
            format!(
                "intent `{}` always escalates (`{}`)",
                decision.intent,
                glob.as_str()
            ),
            None,
        );
    }

    if !request.ticket.customer.verified && policy.identity_intents.is_match(&decision.intent) {
        findings.fire(
            Trigger::IdentityUnverified,
            format!(
                "intent `{}` is a sensitive request and the customer's identity is not verified",
                decision.intent
            ),
            None,
        );
    }

    grounding(context, request, decision, findings);
    payment_dispute(
        context,
        request,
        ticket.views(),
        matches,
        decision,
        findings,
    );
}

/// "Ground or escalate": an ungrounded answer, or one claimed grounded with nothing
/// relevant in context, escalates. For the policy's `kb_required_intents` (billing,
/// legal) only a relevant KB document counts: CRM and order context say what the
/// account holds, not what the policy is.
fn grounding(
    context: &CheckContext<'_>,
    request: &Request,
    decision: &Decision,
    findings: &mut Findings,
) {
    if !decision.grounded {
        let message = "the model says the answer is not grounded in context".to_string();
        findings.violate(
            Violation::block(Code::NotGrounded, message.clone()).in_field("decision.grounded"),
            DecisionKind::Escalate,
        );
        findings.fire(Trigger::Ungrounded, message, None);
        return;
    }
    if !matches!(
        decision.decision,
        DecisionKind::AutoResolve | DecisionKind::Draft
    ) {
        return;
    }
    let min = context.policy.thresholds.retrieval_min;
    let sources = &request.context;
    let relevant_kb = sources.kb.iter().any(|doc| doc.is_relevant(min));
    if relevant_kb {
        return;
    }
    let message = if context
        .policy
        .kb_required_intents
        .is_match(&decision.intent)
    {
        format!(
            "intent `{}` needs a KB document scoring at least {min}; CRM and order context do not ground it",
            decision.intent
        )
    } else if sources.crm.is_empty() && sources.orders.is_empty() {
        format!(
            "the decision claims grounding, but no KB document scores at least {min} and there is no CRM or order context"
        )
    } else {
        return;
    };
    findings.violate(
        Violation::block(Code::RetrievalBelowMin, message.clone()).in_field("context.kb"),
        DecisionKind::Escalate,
    );
    findings.fire(Trigger::Ungrounded, message, None);
}

/// A dispute (by intent or phrase) over the threshold, or of an amount nothing states.
/// The disputed amount is the largest of: amounts the actions move, orders the ticket
/// or actions name, and USD amounts written in the ticket (read as grounding reads money,
/// on the views the phrase sets matched: no pattern is compiled during a check).
fn payment_dispute(
    context: &CheckContext<'_>,
    request: &Request,
    ticket_views: [&str; 2],
    matches: &TicketMatches<'_>,
    decision: &Decision,
    findings: &mut Findings,
) {
    let policy = context.policy;
    let ticket = &request.ticket;
    let by_intent = policy.dispute_intents.is_match(&decision.intent);
    let by_text = matched(matches, policy.dispute_set).map(|hit| (hit.field, hit.span));
    if !by_intent && by_text.is_none() {
        return;
    }
    let named_txns: Vec<&str> = decision
        .actions
        .iter()
        .filter_map(|action| action.args.get(&policy.txn_arg).and_then(|v| v.as_str()))
        .collect();
    let amounts = decision
        .actions
        .iter()
        .filter_map(|action| money::amount(context, &action.args))
        .chain(
            request
                .context
                .orders
                .iter()
                .filter(|order| {
                    named_txns.contains(&order.txn_id.as_str())
                        || ticket.subject.contains(&order.txn_id)
                        || ticket.body.contains(&order.txn_id)
                })
                .map(|order| order.amount_usd),
        )
        .chain(
            ticket_views
                .into_iter()
                .flat_map(crate::validator::usd_amounts),
        );
    let largest = amounts.fold(None, |max: Option<f64>, amount| {
        Some(max.map_or(amount, |max| max.max(amount)))
    });
    let threshold = policy.dispute_threshold_usd;
    // A dispute whose amount nothing states cannot be shown to be under the threshold.
    let message = match largest {
        Some(amount) if amount > threshold => {
            format!("a payment dispute of {amount} USD is over the threshold of {threshold} USD")
        }
        Some(_) => return,
        None => format!(
            "a payment dispute of an amount that neither the ticket, the actions nor the orders state, so it may be over the threshold of {threshold} USD"
        ),
    };
    findings.fire(
        Trigger::PaymentDisputeOverThreshold,
        message,
        by_text.map(|(field, span): (&str, Span)| (field, span)),
    );
}

fn sentiment_name(sentiment: Sentiment) -> &'static str {
    match sentiment {
        Sentiment::Positive => "positive",
        Sentiment::Neutral => "neutral",
        Sentiment::Negative => "negative",
        Sentiment::Critical => "critical",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_usd_amounts_in_several_spellings() {
        let ticket = "Charged $1,200.50 then 30 USD, usd 7, 2k dollars and €40; not 12";
        let view = Normalized::new(ticket).text;
        let found: Vec<f64> = crate::validator::usd_amounts(&view).collect();
        assert_eq!(found, vec![1200.5, 30.0, 7.0, 2000.0]);
    }
}
