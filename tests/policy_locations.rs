//! Where a policy type error points, against serde_yaml's own positions.
//!
//! A policy is parsed into a tree that keeps no positions (src/source/tree.rs), and
//! the line:column of a type error comes from walking the YAML text along the failing
//! field's path (src/source/yaml_path.rs). This test breaks the shipped policy, one
//! scalar at a time, with a value of the wrong kind, and checks that the walker names
//! the same field and points at the same line:column as serde_yaml's typed parse,
//! which sees the positions as it reads.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use deskguard::{Code, Policy};

const POLICY: &str = include_str!("../policies/support-agent.yaml");

/// The policy with the inline value of line `index` (a `key: value` line whose value
/// is a plain scalar) replaced by `replacement`.
fn broken_at(index: usize, replacement: &str) -> Option<String> {
    let line = POLICY.lines().nth(index)?;
    let trimmed = line.trim_start().trim_start_matches("- ");
    if trimmed.starts_with('#') {
        return None;
    }
    let (key, value) = trimmed.split_once(": ")?;
    let value = value.trim();
    let plain = !value.is_empty()
        && !key.contains(['\'', '"', ' '])
        && !value.starts_with(['[', '{', '|', '>', '&', '*', '#', '\'', '"']);
    if !plain {
        return None;
    }
    let broken_line = line.replacen(
        &format!("{key}: {value}"),
        &format!("{key}: {replacement}"),
        1,
    );
    let mut lines: Vec<&str> = POLICY.lines().collect();
    lines[index] = &broken_line;
    Some(lines.join("\n") + "\n")
}

#[test]
fn type_errors_point_where_serde_yaml_points() {
    let mut compared = 0;
    for index in 0..POLICY.lines().count() {
        for replacement in ["{nested: 1}", "[1, 2]"] {
            let Some(text) = broken_at(index, replacement) else {
                continue;
            };
            // Some fields take any value (`other` maps); only failures are compared.
            let Err(expected) = serde_yaml::from_str::<Policy>(&text) else {
                continue;
            };
            let error = Policy::from_yaml(&text).unwrap_err();
            assert_eq!(
                error.code(),
                Code::PolicyInvalid,
                "line {}: {error}",
                index + 1
            );
            let mark = expected.location().unwrap();
            let location = error
                .location()
                .unwrap_or_else(|| panic!("line {}: {error}", index + 1));
            assert_eq!(
                (location.line, location.column),
                (mark.line(), mark.column()),
                "line {} broken with {replacement}: {error} / serde_yaml: {expected}",
                index + 1
            );
            // serde_yaml's message starts with the dotted field path.
            let field = error.field().unwrap_or_default();
            assert!(
                expected.to_string().starts_with(&format!("{field}: ")),
                "line {}: field {field:?} / serde_yaml: {expected}",
                index + 1
            );
            compared += 1;
        }
    }
    // Not vacuous: the shipped policy has well over a hundred plain scalars.
    assert!(compared > 100, "only {compared} breakages compared");
}

/// The shipped policy with `line` inserted after the line that reads `after`.
fn with_line_after(after: &str, line: &str) -> (String, usize) {
    let mut lines: Vec<&str> = POLICY.lines().collect();
    let index = lines.iter().position(|l| *l == after).unwrap() + 1;
    lines.insert(index, line);
    (lines.join("\n") + "\n", index + 1)
}

#[test]
fn errors_about_a_key_point_at_that_key() {
    // A misspelled setting: at the key, not at its value or its mapping.
    let (text, line) = with_line_after("thresholds:", "  drafty: 0.5");
    let error = Policy::from_yaml(&text).unwrap_err();
    assert_eq!(error.code(), Code::PolicyInvalid);
    assert_eq!(error.field(), Some("thresholds"));
    assert!(
        error.message().starts_with("unknown field `drafty`"),
        "{error}"
    );
    let location = error.location().unwrap();
    assert_eq!((location.line, location.column), (line, 3));

    // A repeated setting: at its second occurrence, the one to delete.
    let (text, line) = with_line_after(
        "  retrieval_min: 0.5   # a KB document below this similarity does not ground anything",
        "  \"draft\": 0.7",
    );
    let error = Policy::from_yaml(&text).unwrap_err();
    assert_eq!(error.field(), Some("thresholds"));
    assert_eq!(error.message(), "duplicate field `draft`");
    let location = error.location().unwrap();
    assert_eq!((location.line, location.column), (line, 3));
}
