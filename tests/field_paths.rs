//! The field a parse error names, against serde_path_to_error.
//!
//! deskguard finds the field of a JSON type error by reading the text at serde_json's
//! error position (src/source/json_path.rs) instead of wrapping every parse in
//! serde_path_to_error. This test breaks every field of the example requests (and of a
//! monitor configuration) in every way a caller can, and checks that both name the same
//! field.
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail by panicking")]

use std::fs;
use std::path::Path;

use deskguard::incident::MonitorConfig;
use deskguard::{Code, Request};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// Every JSON Pointer in `value`, the document's own (`""`) first.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let token = key.replace('~', "~0").replace('/', "~1");
                pointers(member, format!("{at}/{token}"), out);
            }
        }
        Value::Array(elements) => {
            for (index, element) in elements.iter().enumerate() {
                pointers(element, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// The documents made by breaking `original` at every place: each value replaced by
/// one of every other JSON kind, an unknown member added to each object, and each
/// member removed.
fn broken_documents(original: &Value) -> Vec<Value> {
    let replacements = [
        json!("text"),
        json!(-1),
        json!(2.5),
        json!(5_000_000_000_u64),
        json!(true),
        json!(null),
        json!([]),
        json!([1, "x"]),
        json!({}),
        json!({"unexpected": 1}),
    ];
    let mut all = Vec::new();
    pointers(original, String::new(), &mut all);
    let mut out = Vec::new();
    for pointer in &all {
        for replacement in &replacements {
            let mut broken = original.clone();
            if let Some(slot) = broken.pointer_mut(pointer) {
                if slot != replacement {
                    *slot = replacement.clone();
                    out.push(broken);
                }
            }
        }
        let Some(Value::Object(members)) = original.pointer(pointer) else {
            continue;
        };
        let mut with_unknown = original.clone();
        if let Some(Value::Object(target)) = with_unknown.pointer_mut(pointer) {
            target.insert("zz_not_a_field".into(), json!(1));
        }
        out.push(with_unknown);
        for key in members.keys() {
            let mut without = original.clone();
            if let Some(Value::Object(target)) = without.pointer_mut(pointer) {
                target.remove(key);
            }
            out.push(without);
        }
    }
    out
}

/// serde_path_to_error's field for a typed parse of `text`, when it fails on the data
/// (not the syntax): `Some("")` for the document itself.
fn reference_field<T: DeserializeOwned>(text: &str) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let error = serde_path_to_error::deserialize::<_, T>(&mut deserializer).err()?;
    let path = error.path().to_string();
    Some(if path == "." { String::new() } else { path })
}

/// Breaks `original` every way and compares the fields; returns how many documents
/// failed to parse (so that a test can insist the comparison is not vacuous).
fn compare<T: DeserializeOwned>(
    name: &str,
    original: &Value,
    parse: impl Fn(&str) -> deskguard::Result<T>,
    invalid: Code,
) -> usize {
    let mut compared = 0;
    for broken in broken_documents(original) {
        // A document that is not an object at all is refused before any typed parse.
        if !broken.is_object() {
            continue;
        }
        for text in [
            serde_json::to_string(&broken).unwrap(),
            serde_json::to_string_pretty(&broken).unwrap(),
        ] {
            let Some(expected) = reference_field::<T>(&text) else {
                continue;
            };
            let error = match parse(&text) {
                Ok(_) => panic!("{name}: deskguard accepted what serde rejects:\n{text}"),
                Err(error) => error,
            };
            assert_eq!(error.code(), invalid, "{name}: {error}\n{text}");
            assert_eq!(
                error.field().unwrap_or(""),
                expected,
                "{name}: {error}\n{text}"
            );
            assert!(error.location().is_some(), "{name}: {error}");
            compared += 1;
        }
    }
    compared
}

#[test]
fn requests_name_the_same_field_as_serde_path_to_error() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/examples");
    let mut compared = 0;
    let mut files: Vec<_> = fs::read_dir(&examples)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in &files {
        let original: Value = serde_json::from_str(&fs::read_to_string(file).unwrap()).unwrap();
        compared += compare::<Request>(
            &file.display().to_string(),
            &original,
            Request::from_json,
            Code::RequestInvalid,
        );
    }
    // Ten requests, each with dozens of fields, each broken a dozen ways.
    assert!(compared > 5_000, "only {compared} failing parses compared");
}

#[test]
fn requests_given_as_values_name_the_same_field_without_a_location() {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/examples/02-duplicate-charge-refund.json"),
    )
    .unwrap();
    let original: Value = serde_json::from_str(&text).unwrap();
    let mut compared = 0;
    for broken in broken_documents(&original) {
        if !broken.is_object() {
            continue;
        }
        let Some(expected) = reference_field::<Request>(&broken.to_string()) else {
            continue;
        };
        let error = Request::from_value(broken.clone()).unwrap_err();
        assert_eq!(error.code(), Code::RequestInvalid, "{error}\n{broken}");
        assert_eq!(error.field().unwrap_or(""), expected, "{error}\n{broken}");
        assert_eq!(error.location(), None, "{error}");
        compared += 1;
    }
    assert!(compared > 300, "only {compared} failing parses compared");
}

#[test]
fn monitor_configurations_name_the_same_field_as_serde_path_to_error() {
    let original = json!({
        "category_window_minutes": 1440,
        "completion_drop_ratio": 0.2,
        "completion_baseline": 0.9,
        "total_users": 1000,
        "max_keys": 256,
    });
    let compared = compare::<MonitorConfig>(
        "monitor config",
        &original,
        MonitorConfig::from_json,
        Code::OptionInvalid,
    );
    assert!(compared > 50, "only {compared} failing parses compared");
}
