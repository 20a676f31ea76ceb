//! The built-in validator against jsonschema: the same failures, in the same order, with
//! the same pointers, keywords and messages, on the registry, every decision in the
//! fixtures, and many mutated documents.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::{builtin, external, Failure};

const CONTRACT: &str = include_str!("../../policies/agentaz.schema.json");
const DECISION: &str = include_str!("../../policies/decision.schema.json");

struct Pair {
    jsonschema: jsonschema::Validator,
    builtin: builtin::Schema,
}

impl Pair {
    fn new(text: &str) -> Pair {
        let schema: Value = serde_json::from_str(text).unwrap();
        Pair {
            jsonschema: external::compile(&schema).unwrap(),
            builtin: builtin::Schema::compile(&schema).unwrap(),
        }
    }

    /// Asserts both backends agree on `value`; returns how many failures there were.
    fn agree(&self, value: &Value, what: &str) -> usize {
        let expected = external::failures(&self.jsonschema, value);
        let actual = self.builtin.failures(value);
        assert_eq!(render(&actual), render(&expected), "{what}: {value}");
        assert_eq!(actual, expected, "{what}: {value}");
        expected.len()
    }
}

/// What callers read from a failure: pointer, keyword, both messages.
fn render(failures: &[Failure<'_>]) -> Vec<(String, String, String, String)> {
    failures
        .iter()
        .map(|failure| {
            (
                failure.instance_path.clone(),
                failure.keyword().to_owned(),
                failure.message(),
                failure.masked_with("`value`"),
            )
        })
        .collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if !path.ends_with("node_modules") {
                json_files(&path, out);
            }
        } else if path
            .extension()
            .is_some_and(|extension| extension == "json" || extension == "jsonl")
        {
            out.push(path);
        }
    }
}

/// Every JSON document under `dirs` (a `.jsonl` file gives one per line).
fn documents(dirs: &[&str]) -> Vec<(String, Value)> {
    let mut files = Vec::new();
    for dir in dirs {
        json_files(&root().join(dir), &mut files);
    }
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        if file
            .extension()
            .is_some_and(|extension| extension == "jsonl")
        {
            for line in text.lines() {
                if let Ok(value) = serde_json::from_str(line) {
                    out.push((name.clone(), value));
                }
            }
        } else if let Ok(value) = serde_json::from_str(&text) {
            out.push((name, value));
        }
    }
    out
}

/// The values of every `decision` member, at any depth; JSON text decisions parsed.
fn decisions_in(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                if key == "decision" {
                    match member {
                        Value::Object(_) => out.push(member.clone()),
                        Value::String(text) => {
                            if let Ok(parsed @ Value::Object(_)) = serde_json::from_str(text) {
                                out.push(parsed);
                            }
                        }
                        _ => {}
                    }
                }
                decisions_in(member, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| decisions_in(item, out)),
        _ => {}
    }
}

fn registry() -> Vec<(String, Value)> {
    let dir = root().join("../shared/agentaz-registry");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (
                path.display().to_string(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

/// Values that break the shipped schemas in every way they can be broken.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1),
        json!(1.0),
        json!(1.5),
        json!(-0.5),
        json!(2),
        json!(18_446_744_073_709_551_615_u64),
        json!(-9_223_372_036_854_775_808_i64),
        json!(1e300),
        json!(""),
        json!("x"),
        json!("A9"),
        json!("A2"),
        json!("DRAFT"),
        json!("high"),
        json!("Escalation"),
        json!("2024-02-29"),
        json!("2023-02-29"),
        json!("2024-13-01"),
        json!("2024-1-1"),
        json!("é".repeat(200)),
        json!("é".repeat(201)),
        json!("x".repeat(300)),
        json!([]),
        json!(["a", 1]),
        json!([{"tool": "t"}, {"args": {}}, {"tool": "", "extra": 1, "other": 2}]),
        Value::Array(vec![json!({"tool": "t"}); 101]),
        json!({}),
        json!({"a": 1}),
        json!({"tool": 5, "args": []}),
    ]
}

/// Every JSON Pointer in `value`.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    out.push(at.to_owned());
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let token = key.replace('~', "~0").replace('/', "~1");
                pointers(member, &format!("{at}/{token}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                pointers(item, &format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// Single mutations of `base`: each node replaced by each replacement, each member
/// removed, an unknown member added to each object.
fn mutations(base: &Value) -> Vec<Value> {
    let mut paths = Vec::new();
    pointers(base, "", &mut paths);
    let mut out = Vec::new();
    for path in &paths {
        for replacement in replacements() {
            let mut copy = base.clone();
            *copy.pointer_mut(path).unwrap() = replacement;
            out.push(copy);
        }
        if let Some((parent, key)) = path.rsplit_once('/') {
            let mut copy = base.clone();
            match copy.pointer_mut(parent).unwrap() {
                Value::Object(members) => {
                    members.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
                Value::Array(items) => {
                    items.remove(key.parse::<usize>().unwrap());
                }
                _ => unreachable!(),
            }
            out.push(copy);
        }
        if base.pointer(path).unwrap().is_object() {
            let mut copy = base.clone();
            if let Value::Object(members) = copy.pointer_mut(path).unwrap() {
                members.insert("zz_unknown".into(), json!(1));
                members.insert("a~/b".into(), json!(null));
            }
            out.push(copy);
        }
    }
    out
}

#[test]
fn both_backends_agree_on_the_registry_and_its_mutations() {
    let pair = Pair::new(CONTRACT);
    let registry = registry();
    assert_eq!(registry.len(), 62);
    let mut checked = 0;
    let mut failing = 0;
    for (name, document) in &registry {
        assert_eq!(pair.agree(document, name), 0, "{name} is valid");
        for mutated in mutations(document) {
            checked += 1;
            if pair.agree(&mutated, name) > 0 {
                failing += 1;
            }
        }
    }
    eprintln!("{checked} mutations, {failing} failing");
    assert!(checked > 50_000, "{checked}");
    assert!(failing > 20_000, "{failing}");
}

#[test]
fn both_backends_agree_on_every_decision_and_its_mutations() {
    let pair = Pair::new(DECISION);
    let mut decisions = Vec::new();
    for (_, document) in documents(&["policies", "tests"]) {
        decisions_in(&document, &mut decisions);
    }
    // Nine examples (the tenth is the text form) and eight lines of the eval fixture, at
    // least: more fixtures only widen the corpus.
    assert!(decisions.len() >= 17, "{}", decisions.len());
    let mut checked = 0;
    let mut failing = 0;
    for decision in &decisions {
        pair.agree(decision, "fixture");
        for mutated in mutations(decision) {
            checked += 1;
            if pair.agree(&mutated, "mutated fixture") > 0 {
                failing += 1;
            }
        }
    }
    eprintln!(
        "{} decisions, {checked} mutations, {failing} failing",
        decisions.len()
    );
    assert!(checked > 10_000, "{checked}");
    assert!(failing > 5_000, "{failing}");
}

#[test]
fn both_backends_agree_on_whole_wrong_documents() {
    for text in [CONTRACT, DECISION] {
        let pair = Pair::new(text);
        for value in replacements() {
            pair.agree(&value, "document");
        }
    }
}

/// JSON values built from the shipped schemas' own member names and enum values, so
/// that random documents reach deep into both schemas.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "agent_id",
        "version",
        "trust_level",
        "dna_pattern",
        "worst_case_action",
        "authority_boundary",
        "last_reviewed",
        "tags",
        "tool_boundary",
        "allowed_tools",
        "auto_executable_tools",
        "approval_required_tools",
        "execution_tools_absent",
        "output_boundary",
        "format",
        "never_emits",
        "cost_boundary",
        "max_usd_per_trace_loop",
        "alert_threshold_usd",
        "loop_boundary",
        "max_reasoning_turns",
        "human_handoff",
        "triggers",
        "destination",
        "audit",
        "append_only",
        "logs",
        "$schema",
        "intent",
        "sentiment",
        "urgency",
        "confidence",
        "grounded",
        "decision",
        "reason",
        "actions",
        "tool",
        "args",
        "customer_reply",
        "internal_note",
        "escalation",
        "needed",
        "queue",
        "priority",
        "trigger",
        "other",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-3.0..3.0_f64).prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "",
            "A2",
            "A7",
            "DRAFT",
            "low",
            "critical",
            "Research",
            "2024-02-29",
            "2023-02-29",
            "x",
            "é",
        ])
        .prop_map(|text| json!(text)),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..8).prop_map(|members| {
                Value::Object(
                    members
                        .into_iter()
                        .map(|(name, value)| (name.to_owned(), value))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn both_backends_agree_on_random_documents(value in arbitrary_json()) {
        Pair::new(CONTRACT).agree(&value, "random contract");
        Pair::new(DECISION).agree(&value, "random decision");
    }
}
