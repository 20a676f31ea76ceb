//! README.md is the crate's documentation: it must list every code with its registry
//! description, so that the public list of codes cannot drift from the code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failure should stop the test"
)]

use deskguard::{Code, Trigger};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_code_is_documented_with_its_description() {
    let readme = readme();
    for code in Code::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.description());
        assert!(readme.contains(&row), "README.md lacks the row: {row}");
    }
    for trigger in Trigger::ALL {
        let row = format!("| `{}` | {} |", trigger.as_str(), trigger.description());
        assert!(readme.contains(&row), "README.md lacks the row: {row}");
    }
}

#[test]
fn readme_names_the_two_commands() {
    let readme = readme();
    assert!(readme.contains("make demo"));
    assert!(readme.contains("make test"));
}
