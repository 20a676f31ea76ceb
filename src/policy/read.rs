//! How the policy's structs are read from a document tree (see [`crate::source::read`]
//! for why not by serde's derive). Each line mirrors the field's serde attributes: a
//! field with `#[serde(default)]`, and every `Option`, is `default`; one with
//! `#[serde(default = "f")]` is `default(f)`; any other is `required`. A struct with
//! `#[serde(deny_unknown_fields)]` is `Deny`, one with a `#[serde(flatten)]` map is
//! `Collect(that_map)`, any other `Ignore`. The test below reads thousands of broken
//! policies both ways and compares every result.

use super::{
    AliasRule, ArgCondition, AutoResolve, CommitmentPolicy, CommitmentRule, ContentGuardrails,
    Disclosure, DisputeRule, Enterprise, Escalation, Financial, GroundingPolicy, Identity,
    IntentRoute, Limits, PhraseSet, PiiPolicy, Policy, RepeatedContact, Routing, SentimentRule,
    StalenessPolicy, Thresholds, ToneGuidelines, TriggerRoute, UrgencyRule, ValidatorPolicy,
    Withhold,
};
use crate::source::read::{read_struct, FromTree};
use crate::source::tree::{Node, TreeError};

read_struct!(
    Policy,
    Deny {
        version: default(super::one),
        mode: default,
        auto_resolve: default,
        thresholds: required,
        limits: required,
        financial: required,
        identity: default,
        escalation: required,
        routing: required,
        tool_aliases: default,
        mutating_verbs: default,
        content_guardrails: default,
        tone_guidelines: default,
        validator: default,
        runbook: default,
    }
);

read_struct!(
    AutoResolve,
    Deny {
        promoted_intents: default
    }
);

read_struct!(
    Thresholds,
    Deny {
        auto_resolve: required,
        draft: required,
        retrieval_min: required,
        kb_required_intents: default,
    }
);

read_struct!(
    Limits,
    Deny {
        max_tool_calls_per_ticket: required,
        max_conversation_turns: required,
    }
);

read_struct!(
    Financial,
    Deny {
        auto_refund_cap_usd: required,
        payment_dispute_threshold_usd: required,
        refund_policy_kb_tag: required,
        refund_tools: default,
        credit_tools: default,
        amount_arg: default(super::default_amount_arg),
        txn_arg: default(super::default_txn_arg),
        auto_approve_intents: default,
        dispute: default,
    }
);

read_struct!(
    DisputeRule,
    Deny {
        intents: default,
        phrases: default,
        patterns: default,
    }
);

read_struct!(
    Identity,
    Deny {
        gated_tools: default,
        gated_intents: default,
        account_data_tools: default,
    }
);

read_struct!(
    Escalation,
    Deny {
        immediate_intents: default,
        enterprise: required,
        repeated_contact: required,
        sentiment: required,
        urgency: default,
        phrases: default,
    }
);

read_struct!(
    Enterprise,
    Deny {
        tiers: default,
        min_arr_usd: required,
    }
);

read_struct!(
    RepeatedContact,
    Deny {
        min_prior_contacts: required
    }
);

read_struct!(
    SentimentRule,
    Deny {
        escalate_on: default,
        negative_from_turn: default,
    }
);

read_struct!(
    UrgencyRule,
    Deny {
        escalate_on: default,
    }
);

read_struct!(
    PhraseSet,
    Deny {
        phrases: default,
        patterns: default,
    }
);

read_struct!(
    Routing,
    Deny {
        default_queue: required,
        queues: default,
        triggers: default,
        intents: default,
    }
);

read_struct!(
    TriggerRoute,
    Deny {
        trigger: required,
        queue: default,
        priority: required,
    }
);

read_struct!(
    IntentRoute,
    Deny {
        intent: required,
        queue: required,
    }
);

read_struct!(AliasRule, Deny {
    when: default,
    only_args: default,
    as_tools = "as": required,
    act: default,
    withhold: default,
});

read_struct!(
    Withhold,
    Deny {
        set: default,
        remove: default,
    }
);

read_struct!(ContentGuardrails, Collect(other) {
    prohibited_topics: default,
    required_disclosures: default,
    sensitive_topic_handlers: default,
});

read_struct!(
    Disclosure,
    Ignore {
        trigger: required,
        text: required,
    }
);

read_struct!(ToneGuidelines, Collect(other) {
    voice: default,
    prohibited_phrases: default,
    preferred_patterns: default,
});

read_struct!(
    ValidatorPolicy,
    Deny {
        max_reply_chars: default,
        grounding: default,
        staleness: default,
        pii: default,
        commitments: default,
        topics: default,
    }
);

read_struct!(GroundingPolicy, Deny { kinds: required });

read_struct!(
    StalenessPolicy,
    Deny {
        max_age_days: required,
        volatile_tags: required,
    }
);

read_struct!(
    PiiPolicy,
    Deny {
        allowed_email_domains: default,
        secret_keywords: required,
        government_id_keywords: default(super::default_government_id_keywords),
        secret_prefixes: required,
    }
);

read_struct!(
    CommitmentPolicy,
    Deny {
        policy_tags: required,
        rules: required,
    }
);

read_struct!(
    CommitmentRule,
    Deny {
        phrases: default,
        patterns: default,
        grounded_by: default,
    }
);

impl FromTree for ArgCondition {
    /// `#[serde(untagged)]`: text, else a list of texts. serde tries each variant on
    /// the value as parsed, so a number is neither (no plain scalar is read as text
    /// here), and the message is serde's.
    fn from_tree(node: &Node) -> Result<Self, TreeError> {
        match node {
            Node::Text(value) => Ok(ArgCondition::One(value.clone())),
            Node::List(items) => items
                .iter()
                .map(|item| match item {
                    Node::Text(value) => Some(value.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
                .map(ArgCondition::Any)
                .ok_or_else(no_variant),
            _ => Err(no_variant()),
        }
    }
}

#[cold]
fn no_variant() -> TreeError {
    serde::de::Error::custom("data did not match any variant of untagged enum ArgCondition")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::tree::{from_node, Node};

    fn embedded_tree() -> Node {
        serde_json::from_str(super::super::EMBEDDED_POLICY_JSON).unwrap()
    }

    /// What each reader makes of `node`: the policy (its `Debug`, which shows every
    /// field) or the error (message, path and key to point at).
    fn both_ways(node: &Node) -> (Result<String, TreeError>, Result<String, TreeError>) {
        let by_serde = from_node::<Policy>(node).map(|policy| format!("{policy:?}"));
        let by_reader = Policy::from_tree(node).map(|policy| format!("{policy:?}"));
        (by_serde, by_reader)
    }

    /// Paths to the nodes worth breaking: every node, except that of a list only the
    /// first two items and the last are visited (the policy's long phrase lists would
    /// otherwise repeat the same case hundreds of times).
    fn paths(node: &Node, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(path.clone());
        let children: Vec<(usize, &Node)> = match node {
            Node::List(items) => items
                .iter()
                .enumerate()
                .filter(|(index, _)| *index < 2 || *index + 1 == items.len())
                .collect(),
            Node::Mapping(entries) => entries.iter().map(|(_, value)| value).enumerate().collect(),
            _ => Vec::new(),
        };
        for (index, child) in children {
            path.push(index);
            paths(child, path, out);
            path.pop();
        }
    }

    fn at<'n>(node: &'n mut Node, path: &[usize]) -> &'n mut Node {
        match path.split_first() {
            None => node,
            Some((&index, rest)) => match node {
                Node::List(items) => at(&mut items[index], rest),
                Node::Mapping(entries) => at(&mut entries[index].1, rest),
                _ => unreachable!("a path leads through lists and mappings"),
            },
        }
    }

    fn text(value: &str) -> Node {
        Node::Text(value.to_string())
    }

    /// Values to put where another was: every kind of node, and names some enums and
    /// the SLA accept.
    fn replacements() -> Vec<Node> {
        vec![
            Node::Null,
            Node::Bool(true),
            Node::Unsigned(7),
            Node::Unsigned(5_000_000_000),
            Node::Signed(-3),
            Node::Float(1.5),
            text("x"),
            text("send"),
            text("tier_1"),
            text("mon"),
            text("refund_dispute"),
            Node::List(Vec::new()),
            Node::List(vec![text("a")]),
            Node::List(vec![Node::Unsigned(1)]),
            Node::List(vec![Node::Mapping(Vec::new())]),
            Node::Mapping(Vec::new()),
            Node::Mapping(vec![("x".into(), text("y"))]),
            Node::Mapping(vec![("business_hours".into(), Node::Unsigned(4))]),
            Node::Mapping(vec![
                ("business_hours".into(), Node::Unsigned(4)),
                ("business_days".into(), Node::Unsigned(1)),
            ]),
        ]
    }

    /// Every way of breaking one node: replaced by each of [`replacements`]; as a
    /// mapping entry, removed, repeated and renamed; as a mapping, given an unknown
    /// key; as a list, given an item of the wrong kind.
    fn mutations(tree: &Node, path: &[usize]) -> Vec<(String, Node)> {
        let mut out = Vec::new();
        for replacement in replacements() {
            let mut broken = tree.clone();
            let what = format!("{path:?} replaced by {replacement:?}");
            *at(&mut broken, path) = replacement;
            out.push((what, broken));
        }
        if let Some((&index, parent_path)) = path.split_last() {
            let mut parent = tree.clone();
            if let Node::Mapping(entries) = at(&mut parent, parent_path) {
                let entry = entries[index].clone();
                let mut removed = entries.clone();
                removed.remove(index);
                let mut repeated = entries.clone();
                repeated.insert(index + 1, entry);
                let mut renamed = entries.clone();
                renamed[index].0 = "unknown_key".into();
                for (how, variant) in [
                    ("removed", removed),
                    ("repeated", repeated),
                    ("renamed", renamed),
                ] {
                    let mut broken = tree.clone();
                    *at(&mut broken, parent_path) = Node::Mapping(variant);
                    out.push((format!("{path:?} {how}"), broken));
                }
            }
        }
        let mut extended = tree.clone();
        match at(&mut extended, path) {
            Node::Mapping(entries) => {
                entries.push(("unknown_key".into(), Node::Null));
                out.push((format!("{path:?} given an unknown key"), extended));
            }
            Node::List(items) => {
                items.push(Node::Bool(false));
                out.push((format!("{path:?} given a `false` item"), extended));
            }
            _ => {}
        }
        out
    }

    #[test]
    fn reads_every_broken_policy_as_serde_reads_it() {
        let tree = embedded_tree();
        let (by_serde, by_reader) = both_ways(&tree);
        assert!(by_serde.is_ok(), "{by_serde:?}");
        assert_eq!(by_serde, by_reader);

        let mut all_paths = Vec::new();
        paths(&tree, &mut Vec::new(), &mut all_paths);
        let (mut compared, mut refused) = (0, 0);
        let mut messages = std::collections::BTreeSet::new();
        for path in &all_paths {
            for (what, broken) in mutations(&tree, path) {
                let (by_serde, by_reader) = both_ways(&broken);
                assert_eq!(by_serde, by_reader, "{what}");
                compared += 1;
                if let Err(error) = by_serde {
                    refused += 1;
                    let kind: String = error.message().split([' ', ':']).take(2).collect();
                    messages.insert(kind);
                }
            }
        }
        // Not vacuous: most broken policies are refused, for every kind of reason.
        // (Paths are indices: a mapping's entries, then a list's items.)
        assert!(compared > 7_000, "{compared}");
        assert!(refused > compared / 2, "{refused} of {compared}");
        for kind in [
            "missingfield",
            "unknownfield",
            "duplicatefield",
            "invalidtype",
            "invalidvalue",
            "unknownvariant",
            "datadid",
            "anSLA",
        ] {
            assert!(messages.contains(kind), "no `{kind}` among {messages:?}");
        }
    }

    #[test]
    fn an_argument_condition_is_text_or_a_list_of_texts() {
        let read = |node: Node| ArgCondition::from_tree(&node).map(|c| format!("{c:?}"));
        assert_eq!(read(text("send")), Ok("One(\"send\")".to_string()));
        assert_eq!(
            read(Node::List(vec![text("solved"), text("closed")])),
            Ok("Any([\"solved\", \"closed\"])".to_string())
        );
        let error = read(Node::List(vec![text("solved"), Node::Unsigned(4)])).unwrap_err();
        assert_eq!(
            error.message(),
            "data did not match any variant of untagged enum ArgCondition"
        );
        assert_eq!(read(Node::Unsigned(4)).unwrap_err(), error);
    }
}
