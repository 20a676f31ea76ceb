//! Request parsing and checking: any text gives a parse error or a verdict, and a
//! check never panics (the engine turns a panic into INTERNAL_ERROR, which this
//! target treats as a crash).
#![no_main]

use std::sync::LazyLock;

use deskguard::{Code, Engine, Request};
use libfuzzer_sys::fuzz_target;

static ENGINE: LazyLock<Option<Engine>> = LazyLock::new(|| Engine::with_defaults().ok());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(engine) = ENGINE.as_ref() else {
        return;
    };
    let parsed = Request::from_json(text);
    let verdict = engine.check_json(text);
    assert!(
        !verdict.has_violation(Code::InternalError),
        "a check panicked: {:?}",
        verdict.violations
    );
    if let Ok(request) = parsed {
        assert_eq!(engine.check(&request), verdict);
        // The verdict always serializes.
        let _ = serde_json::to_string(&verdict).map_err(|e| e.to_string());
    }
});
