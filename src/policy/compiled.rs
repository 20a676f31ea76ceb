//! The policy compiled for checking: globs, the phrase index, alias rules and lookup
//! sets built once, so that a check only matches and looks up.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::codes::{Code, Trigger};
use crate::error::{Error, Result};
use crate::policy::{
    Act, AliasRule, ArgCondition, Policy, Priority, Sentiment, Thresholds, Withhold,
};
use crate::source::yaml_path;
use crate::text::glob::{Glob, GlobSet};
use crate::text::normalize::canonical;
use crate::text::phrases::{PatternCase, PatternError, PhraseIndex, PhraseIndexBuilder, SetId};

/// Errors in a policy, located in its YAML text when there is one. Shared by every
/// part of the policy that compiles (here, the validator), so that all of them say
/// where the same way.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PolicyErrors<'a> {
    source: Option<&'a str>,
}

impl<'a> PolicyErrors<'a> {
    pub fn new(source: Option<&'a str>) -> PolicyErrors<'a> {
        PolicyErrors { source }
    }

    /// `POLICY_INVALID` at the key `path`.
    pub fn invalid(&self, path: &[&str], message: String) -> Error {
        let location = self.source.and_then(|text| yaml_path::locate(text, path));
        Error::new(Code::PolicyInvalid, message)
            .at(location)
            .in_field(path.join("."))
    }

    /// `POLICY_PATTERN_INVALID` at the bad pattern under `path` (or at `path`).
    pub fn bad_pattern(&self, path: &[&str], error: PatternError) -> Error {
        let location = self
            .source
            .and_then(|text| yaml_path::locate_scalar(text, path, &error.pattern));
        Error::new(
            Code::PolicyPatternInvalid,
            format!("invalid pattern `{}`: {}", error.pattern, error.reason),
        )
        .at(location)
        .in_field(path.join("."))
    }
}

/// One alias rule, ready to apply.
#[derive(Debug, Clone)]
struct CompiledAlias {
    /// Each argument the rule reads, with its accepted values in [`canonical`] form.
    when: Vec<(String, Vec<String>)>,
    only_args: Option<HashSet<String>>,
    as_tools: Vec<String>,
    act: Option<Act>,
    withhold: Option<Withhold>,
}

/// What an alias rule says about one action.
#[derive(Debug, Clone)]
pub(crate) struct AliasResolution<'a> {
    /// The contract names to gate the action as.
    pub names: &'a [String],
    /// The act, if the rule marks one.
    pub act: Option<Act>,
    /// How to rewrite the action's arguments when the act is withheld.
    pub withhold: Option<&'a Withhold>,
}

/// The compiled policy.
#[derive(Debug, Clone)]
pub(crate) struct CompiledPolicy {
    pub thresholds: Thresholds,
    pub max_tool_calls: u32,
    pub max_conversation_turns: u32,
    pub promoted_intents: GlobSet,
    pub immediate_intents: GlobSet,
    pub identity_tools: HashSet<String>,
    pub identity_intents: GlobSet,
    pub account_data_tools: HashSet<String>,
    pub kb_required_intents: GlobSet,
    pub refund_tools: HashSet<String>,
    pub credit_tools: HashSet<String>,
    pub refund_cap_usd: f64,
    pub dispute_threshold_usd: f64,
    pub refund_policy_tag: String,
    pub amount_arg: String,
    pub txn_arg: String,
    pub auto_approve_intents: GlobSet,
    pub dispute_intents: GlobSet,
    /// The phrase set of payment disputes in [`Self::ticket_phrases`].
    pub dispute_set: SetId,
    pub enterprise_tiers: Vec<String>,
    pub enterprise_min_arr_usd: f64,
    pub min_prior_contacts: u32,
    pub escalate_sentiments: Vec<Sentiment>,
    pub escalate_urgencies: Vec<Priority>,
    pub negative_from_turn: Option<u32>,
    /// Each textual trigger and its phrase set in [`Self::ticket_phrases`].
    pub textual_triggers: Vec<(Trigger, SetId)>,
    /// Every phrase set matched against the ticket's text, in one index.
    pub ticket_phrases: PhraseIndex,
    pub default_queue: String,
    pub known_queues: HashSet<String>,
    pub trigger_routes: Vec<(Trigger, Option<String>, Priority)>,
    pub intent_routes: Vec<(Glob, String)>,
    pub mutating_verbs: Vec<String>,
    /// The response validator's rules.
    pub validator: crate::validator::CompiledValidator,
    aliases: HashMap<String, Vec<CompiledAlias>>,
    /// The contract names that alias rules with an act gate as (`send_message`,
    /// `close_ticket`), each as a rule of its own: called by that name directly, the
    /// action performs the act just as the aliased call does.
    act_targets: HashMap<String, CompiledAlias>,
}

impl CompiledPolicy {
    /// Compiles `policy`. `source` is the YAML it came from, used only to give errors a
    /// line and column.
    pub fn compile(policy: &Policy, source: Option<&str>) -> Result<CompiledPolicy> {
        let errors = PolicyErrors::new(source);
        let invalid = |path: &[&str], message: String| errors.invalid(path, message);
        let bad_pattern = |path: &[&str], error: PatternError| errors.bad_pattern(path, error);

        if policy.version != 1 {
            return Err(invalid(
                &["version"],
                format!(
                    "unsupported policy version `{}`, expected `1`",
                    policy.version
                ),
            ));
        }
        let t = &policy.thresholds;
        for (name, value) in [
            ("auto_resolve", t.auto_resolve),
            ("draft", t.draft),
            ("retrieval_min", t.retrieval_min),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(
                    &["thresholds", name],
                    format!("`{value}` is outside 0.0..=1.0"),
                ));
            }
        }
        if t.draft > t.auto_resolve {
            return Err(invalid(
                &["thresholds", "draft"],
                format!(
                    "the draft threshold `{}` is above the auto_resolve threshold `{}`",
                    t.draft, t.auto_resolve
                ),
            ));
        }
        let financial = &policy.financial;
        for (name, value) in [
            ("auto_refund_cap_usd", financial.auto_refund_cap_usd),
            (
                "payment_dispute_threshold_usd",
                financial.payment_dispute_threshold_usd,
            ),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(invalid(
                    &["financial", name],
                    format!("`{value}` is not a non-negative amount"),
                ));
            }
        }

        let dispute = &financial.dispute;
        let mut ticket_phrases = PhraseIndexBuilder::new();
        let dispute_set = ticket_phrases
            .add_set(
                &dispute.phrases,
                &dispute.patterns,
                PatternCase::Insensitive,
            )
            .map_err(|e| bad_pattern(&["financial", "dispute", "patterns"], e))?;

        let mut textual_triggers = Vec::new();
        for (trigger, set) in &policy.escalation.phrases {
            let key = trigger.as_str();
            if !Trigger::TEXTUAL.contains(trigger) {
                return Err(invalid(
                    &["escalation", "phrases", key],
                    format!(
                        "`{key}` is not a textual trigger; phrase sets exist for {}",
                        Trigger::TEXTUAL
                            .iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            let id = ticket_phrases
                .add_set(&set.phrases, &set.patterns, PatternCase::Insensitive)
                .map_err(|e| bad_pattern(&["escalation", "phrases", key, "patterns"], e))?;
            textual_triggers.push((*trigger, id));
        }
        let ticket_phrases = ticket_phrases
            .build()
            .map_err(|e| bad_pattern(&["escalation", "phrases"], e))?;

        let routing = &policy.routing;
        let known_queues: HashSet<String> = routing.queues.iter().cloned().collect();
        let check_queue = |path: &[&str], queue: &str| {
            if known_queues.is_empty() || known_queues.contains(queue) {
                Ok(())
            } else {
                Err(invalid(
                    path,
                    format!("queue `{queue}` is not listed in `routing.queues`"),
                ))
            }
        };
        check_queue(&["routing", "default_queue"], &routing.default_queue)?;
        for route in &routing.triggers {
            if let Some(queue) = &route.queue {
                check_queue(&["routing", "triggers"], queue)?;
            }
        }
        for route in &routing.intents {
            check_queue(&["routing", "intents"], &route.queue)?;
        }

        let mut aliases = HashMap::new();
        for (tool, rules) in &policy.tool_aliases {
            let mut compiled = Vec::with_capacity(rules.len());
            for rule in rules {
                if rule.as_tools.is_empty() {
                    return Err(invalid(
                        &["tool_aliases", tool],
                        format!("an alias rule of `{tool}` names no tool in `as`"),
                    ));
                }
                compiled.push(compile_alias(rule));
            }
            aliases.insert(tool.clone(), compiled);
        }
        let mut act_targets = HashMap::new();
        for rules in policy.tool_aliases.values() {
            for rule in rules {
                let Some(act) = rule.act else { continue };
                for target in &rule.as_tools {
                    act_targets
                        .entry(target.clone())
                        .or_insert_with(|| CompiledAlias {
                            when: Vec::new(),
                            only_args: None,
                            as_tools: vec![target.clone()],
                            act: Some(act),
                            withhold: None,
                        });
                }
            }
        }

        let validator = crate::validator::CompiledValidator::compile(policy, source)?;

        Ok(CompiledPolicy {
            validator,
            thresholds: policy.thresholds.clone(),
            max_tool_calls: policy.limits.max_tool_calls_per_ticket,
            max_conversation_turns: policy.limits.max_conversation_turns,
            promoted_intents: GlobSet::new(&policy.auto_resolve.promoted_intents),
            immediate_intents: GlobSet::new(&policy.escalation.immediate_intents),
            identity_tools: policy.identity.gated_tools.iter().cloned().collect(),
            identity_intents: GlobSet::new(&policy.identity.gated_intents),
            account_data_tools: policy.identity.account_data_tools.iter().cloned().collect(),
            kb_required_intents: GlobSet::new(&policy.thresholds.kb_required_intents),
            refund_tools: financial.refund_tools.iter().cloned().collect(),
            credit_tools: financial.credit_tools.iter().cloned().collect(),
            refund_cap_usd: financial.auto_refund_cap_usd,
            dispute_threshold_usd: financial.payment_dispute_threshold_usd,
            refund_policy_tag: financial.refund_policy_kb_tag.clone(),
            amount_arg: financial.amount_arg.clone(),
            txn_arg: financial.txn_arg.clone(),
            auto_approve_intents: GlobSet::new(&financial.auto_approve_intents),
            dispute_intents: GlobSet::new(&dispute.intents),
            dispute_set,
            enterprise_tiers: policy
                .escalation
                .enterprise
                .tiers
                .iter()
                .map(|tier| tier.to_lowercase())
                .collect(),
            enterprise_min_arr_usd: policy.escalation.enterprise.min_arr_usd,
            min_prior_contacts: policy.escalation.repeated_contact.min_prior_contacts,
            escalate_sentiments: policy.escalation.sentiment.escalate_on.clone(),
            escalate_urgencies: policy.escalation.urgency.escalate_on.clone(),
            negative_from_turn: policy.escalation.sentiment.negative_from_turn,
            textual_triggers,
            ticket_phrases,
            default_queue: routing.default_queue.clone(),
            known_queues,
            trigger_routes: routing
                .triggers
                .iter()
                .map(|route| (route.trigger, route.queue.clone(), route.priority))
                .collect(),
            intent_routes: routing
                .intents
                .iter()
                .map(|route| (Glob::new(&route.intent), route.queue.clone()))
                .collect(),
            mutating_verbs: policy
                .mutating_verbs
                .iter()
                .map(|verb| verb.to_lowercase())
                .collect(),
            aliases,
            act_targets,
        })
    }

    /// Why the alias rules cannot read `args` of `tool`, if they cannot: an argument a
    /// rule reads (`mode`, `status`) is there but is not text, or is there under a
    /// disguised spelling of its name (`Status`, `mode` with a zero-width space). An
    /// executor may well read either as the act itself, so such an action is refused
    /// rather than gated under the tool's own name.
    pub fn unreadable_alias_args(
        &self,
        tool: &str,
        args: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<String> {
        let rules = self.aliases.get(tool)?;
        let read_by_rules = || {
            rules
                .iter()
                .flat_map(|rule| rule.when.iter().map(|(arg, _)| arg))
        };
        for (key, value) in args {
            if let Some(arg) = read_by_rules().find(|arg| *arg == key) {
                if !value.is_string() {
                    return Some(format!(
                        "argument `{arg}` of `{tool}` must be text, which the policy's alias rules read"
                    ));
                }
                continue;
            }
            let undisguised = canonical(key);
            if let Some(arg) = read_by_rules().find(|arg| **arg == undisguised) {
                return Some(format!(
                    "argument `{}` of `{tool}` is a disguised spelling of `{arg}`",
                    key.escape_debug()
                ));
            }
        }
        None
    }

    /// The alias rule that applies to `tool` called with `args`, if any. Argument
    /// values are compared in [`canonical`] form, so `Send`, `send ` or a full-width
    /// `ｓｅｎｄ` is the send act as much as `send` is.
    ///
    /// Both fallbacks fail closed. A call that none of its tool's rules matches
    /// (`send_reply` with no `mode`, or `mode: now`) might perform the act its rules
    /// mark, and is read as the first rule that marks one. A tool with no rules of its
    /// own that some rule gates an act as (`send_message`, called directly) performs
    /// that act. Either way the act is withheld unless the verdict is AUTO_RESOLVE.
    pub fn resolve_alias<'a>(
        &'a self,
        tool: &str,
        args: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<AliasResolution<'a>> {
        let rule = match self.aliases.get(tool) {
            Some(rules) => rules
                .iter()
                .find(|rule| rule.applies(args))
                .or_else(|| rules.iter().find(|rule| rule.act.is_some()))?,
            None => self.act_targets.get(tool)?,
        };
        Some(AliasResolution {
            names: &rule.as_tools,
            act: rule.act,
            withhold: rule.withhold.as_ref(),
        })
    }

    /// Whether `tool` moves money (a refund or a credit).
    ///
    /// Besides the policy's lists, any tool with `refund` among the words of its name
    /// counts (fail closed: `refund_partial` gets the cap and policy checks even if the
    /// policy forgot to list it). Credits must be listed: `credit` also names read-only
    /// tools (`credit_check`).
    pub fn is_money_tool(&self, tool: &str) -> bool {
        self.credit_tools.contains(tool) || self.is_refund_tool(tool)
    }

    /// Whether `tool` refunds a transaction (listed, or `refund` in its name).
    pub fn is_refund_tool(&self, tool: &str) -> bool {
        self.refund_tools.contains(tool) || has_word(tool, "refund")
    }

    /// Every alias rule that performs `act`: the agent's tool name and the contract
    /// names it is gated as.
    pub fn act_aliases(&self, act: Act) -> impl Iterator<Item = (&str, &[String])> + '_ {
        self.aliases.iter().flat_map(move |(tool, rules)| {
            rules
                .iter()
                .filter(move |rule| rule.act == Some(act))
                .map(move |rule| (tool.as_str(), rule.as_tools.as_slice()))
        })
    }
}

/// Whether `word` is one of the words of a tool name (split at non-alphanumerics and
/// camelCase humps), ignoring ASCII case.
fn has_word(name: &str, word: &str) -> bool {
    let mut word_start: Option<usize> = None;
    let mut previous_lower = false;
    for (index, ch) in name.char_indices() {
        let boundary = !ch.is_alphanumeric() || (previous_lower && ch.is_uppercase());
        if boundary {
            if let Some(start) = word_start.take() {
                if name
                    .get(start..index)
                    .is_some_and(|w| w.eq_ignore_ascii_case(word))
                {
                    return true;
                }
            }
        }
        if ch.is_alphanumeric() && word_start.is_none() {
            word_start = Some(index);
        }
        previous_lower = ch.is_lowercase();
    }
    word_start
        .and_then(|start| name.get(start..))
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

fn compile_alias(rule: &AliasRule) -> CompiledAlias {
    let when = rule
        .when
        .iter()
        .map(|(arg, condition)| {
            let accepted = match condition {
                ArgCondition::One(value) => vec![canonical(value)],
                ArgCondition::Any(values) => values.iter().map(|value| canonical(value)).collect(),
            };
            (arg.clone(), accepted)
        })
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    CompiledAlias {
        when,
        only_args: rule
            .only_args
            .as_ref()
            .map(|args| args.iter().cloned().collect()),
        as_tools: rule.as_tools.clone(),
        act: rule.act,
        withhold: rule.withhold.clone(),
    }
}

impl CompiledAlias {
    fn applies(&self, args: &serde_json::Map<String, serde_json::Value>) -> bool {
        let conditions_hold = self.when.iter().all(|(arg, accepted)| {
            args.get(arg)
                .and_then(serde_json::Value::as_str)
                .is_some_and(|value| accepted.contains(&canonical(value)))
        });
        let args_allowed = self
            .only_args
            .as_ref()
            .is_none_or(|allowed| args.keys().all(|key| allowed.contains(key)));
        conditions_hold && args_allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::EMBEDDED_POLICY_YAML;
    use serde_json::json;

    #[test]
    fn has_word_splits_snake_kebab_and_camel_case() {
        assert!(has_word("refund_issue", "refund"));
        assert!(has_word("issueRefund", "refund"));
        assert!(has_word("billing-REFUND", "refund"));
        assert!(has_word("refund", "refund"));
        assert!(!has_word("refunded_charge", "refund"));
        assert!(!has_word("nonrefundable", "refund"));
        assert!(!has_word("", "refund"));
    }

    fn compiled() -> CompiledPolicy {
        let policy = Policy::embedded().unwrap();
        CompiledPolicy::compile(&policy, Some(EMBEDDED_POLICY_YAML)).unwrap()
    }

    fn args(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn aliases_pick_the_first_rule_that_applies() {
        let policy = compiled();
        let send = policy
            .resolve_alias("send_reply", &args(json!({"mode": "send"})))
            .unwrap();
        assert_eq!(send.names, ["send_message"]);
        assert_eq!(send.act, Some(Act::Send));
        let draft = policy
            .resolve_alias("send_reply", &args(json!({"mode": "draft"})))
            .unwrap();
        assert_eq!(draft.names, ["draft_reply"]);
        assert_eq!(draft.act, None);
        // A call no rule matches might send: it is read as the send rule.
        for unmatched in [
            json!({"mode": "broadcast"}),
            json!({}),
            json!({"body": "hi"}),
        ] {
            let fallback = policy
                .resolve_alias("send_reply", &args(unmatched))
                .unwrap();
            assert_eq!(fallback.names, ["send_message"]);
            assert_eq!(fallback.act, Some(Act::Send));
        }
        let close = policy
            .resolve_alias(
                "ticket_update",
                &args(json!({"status": "solved", "tags": []})),
            )
            .unwrap();
        assert_eq!(close.act, Some(Act::Close));
        let tag = policy
            .resolve_alias(
                "ticket_update",
                &args(json!({"tags": [], "priority": "urgent"})),
            )
            .unwrap();
        assert_eq!(tag.names, ["classify", "prioritize", "route"]);
        let unmatched = policy
            .resolve_alias("ticket_update", &args(json!({"tags": [], "email": "x"})))
            .unwrap();
        assert_eq!(unmatched.names, ["close_ticket"]);
        assert_eq!(unmatched.act, Some(Act::Close));
    }

    #[test]
    fn an_act_target_called_directly_performs_the_act() {
        let policy = compiled();
        let send = policy
            .resolve_alias("send_message", &args(json!({"body": "hi"})))
            .unwrap();
        assert_eq!(
            (send.names, send.act),
            (&["send_message".to_string()][..], Some(Act::Send))
        );
        assert!(send.withhold.is_none());
        let close = policy
            .resolve_alias("close_ticket", &args(json!({})))
            .unwrap();
        assert_eq!(close.act, Some(Act::Close));
        // Targets of rules without an act, and other tools, have no alias.
        for tool in ["draft_reply", "route", "classify", "refund_issue"] {
            assert!(
                policy.resolve_alias(tool, &args(json!({}))).is_none(),
                "{tool}"
            );
        }
    }

    #[test]
    fn money_tools_are_listed_or_named_so() {
        let policy = compiled();
        assert!(policy.is_money_tool("refund_issue"));
        assert!(policy.is_money_tool("refund_partial"));
        assert!(policy.is_money_tool("issueRefund"));
        assert!(policy.is_money_tool("apply_standard_credit"));
        assert!(!policy.is_money_tool("refunded_orders_lookup"));
        assert!(!policy.is_money_tool("credit_check_lookup"));
        assert!(policy.is_refund_tool("refund_partial"));
        assert!(!policy.is_refund_tool("store_credit"));
    }

    #[test]
    fn out_of_range_threshold_names_field_and_line() {
        let text = EMBEDDED_POLICY_YAML.replace("draft: 0.60", "draft: 0.95");
        let error = Policy::from_yaml(&text).unwrap_err();
        assert_eq!(error.code(), Code::PolicyInvalid);
        assert_eq!(error.field(), Some("thresholds.draft"));
        assert_eq!(
            error.message(),
            "the draft threshold `0.95` is above the auto_resolve threshold `0.85`"
        );
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("draft: 0.95"))
            .unwrap()
            + 1;
        assert_eq!(error.location().map(|l| l.line), Some(line));
    }

    #[test]
    fn bad_pattern_fails_at_load_with_its_position() {
        let text = EMBEDDED_POLICY_YAML.replace(
            "legal team, solicitor]\n      patterns: []",
            "legal team, solicitor]\n      patterns: ['ok', '(unclosed']",
        );
        let error = Policy::from_yaml(&text).unwrap_err();
        assert_eq!(error.code(), Code::PolicyPatternInvalid);
        assert_eq!(
            error.field(),
            Some("escalation.phrases.legal_language.patterns")
        );
        assert_eq!(
            error.message(),
            "invalid pattern `(unclosed`: unclosed group"
        );
        let line = text
            .lines()
            .position(|l| l.contains("'(unclosed'"))
            .unwrap()
            + 1;
        let column = text
            .lines()
            .nth(line - 1)
            .unwrap()
            .find("(unclosed")
            .unwrap()
            + 1;
        assert_eq!(
            error.location(),
            Some(crate::error::Location { line, column })
        );
    }

    #[test]
    fn unknown_key_is_an_error() {
        let text = EMBEDDED_POLICY_YAML.replace("  retrieval_min: 0.5", "  retrieval_minimum: 0.5");
        let error = Policy::from_yaml(&text).unwrap_err();
        assert_eq!(error.code(), Code::PolicyInvalid);
        assert_eq!(error.field(), Some("thresholds"));
        assert!(
            error
                .message()
                .starts_with("unknown field `retrieval_minimum`"),
            "{}",
            error.message()
        );
    }
}
