//! Policy loading: any text either loads (and then builds an engine that checks a
//! request) or fails with an error; it never panics, hangs or exhausts memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

const REQUEST: &str = include_str!("../../policies/examples/02-duplicate-charge-refund.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let report = deskguard::lint::lint(text, deskguard::lint::DocumentKind::Policy);
    match deskguard::Policy::from_yaml(text) {
        Ok(policy) => {
            assert!(report.ok, "lint rejects a policy that loads");
            let Ok(engine) = deskguard::Engine::builder().policy(policy).build() else {
                return;
            };
            let verdict = engine.check_json(REQUEST);
            assert!(
                !verdict.has_violation(deskguard::Code::InternalError),
                "a check panicked: {:?}",
                verdict.violations
            );
        }
        Err(error) => {
            assert!(!report.ok, "lint accepts a policy that does not load");
            let _ = error.to_string();
        }
    }
});
