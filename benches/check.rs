//! Criterion benchmarks: building an engine, and checking the blueprint's three
//! examples.
//!
//! Group and bench names are stable: tooling reads
//! `target/criterion/<group>/<bench>/new/estimates.json`.
//!
//! - `build/embedded`: the embedded policy and contract (parse, validate, compile);
//! - `build/yaml`: the same policy from YAML text, with the A3 contract from JSON text;
//! - `check/<example>_<contract>`: [`Engine::check`] on a pre-parsed [`Request`];
//! - `check_json/<example>_<contract>`: [`Engine::check_json`], parse included.
//!
//! `a2` is the embedded blueprint contract in suggest mode (the defaults), `a3` the
//! resolution-agent contract in auto mode. Goals: check ≤ 20 µs median, build ≤ 5 ms.
#![expect(
    clippy::panic,
    reason = "a benchmark that cannot set up has nothing to measure"
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use deskguard::{Engine, Mode, Request, EMBEDDED_POLICY_YAML};

const A3_CONTRACT: &str = include_str!("../policies/resolution-agent.agentaz.json");

const EXAMPLES: [(&str, &str); 3] = [
    (
        "how_to_2fa",
        include_str!("../policies/examples/01-how-to-2fa.json"),
    ),
    (
        "duplicate_charge",
        include_str!("../policies/examples/02-duplicate-charge-refund.json"),
    ),
    (
        "enterprise_churn",
        include_str!("../policies/examples/03-enterprise-churn-data-loss.json"),
    ),
];

fn engines() -> [(&'static str, Engine); 2] {
    let a2 = Engine::with_defaults().unwrap_or_else(|e| panic!("embedded engine: {e}"));
    let a3 = Engine::builder()
        .contract_json(A3_CONTRACT)
        .mode(Mode::Auto)
        .build()
        .unwrap_or_else(|e| panic!("A3 engine: {e}"));
    [("a2", a2), ("a3", a3)]
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.bench_function("embedded", |b| {
        b.iter(|| Engine::with_defaults().map(black_box).is_ok())
    });
    group.bench_function("yaml", |b| {
        b.iter(|| {
            Engine::builder()
                .policy_yaml(black_box(EMBEDDED_POLICY_YAML))
                .contract_json(black_box(A3_CONTRACT))
                .mode(Mode::Auto)
                .build()
                .map(black_box)
                .is_ok()
        })
    });
    group.finish();
}

fn check(c: &mut Criterion) {
    let engines = engines();
    let mut group = c.benchmark_group("check");
    for (example, json) in EXAMPLES {
        let request = Request::from_json(json).unwrap_or_else(|e| panic!("example {example}: {e}"));
        for (contract, engine) in &engines {
            group.bench_function(format!("{example}_{contract}"), |b| {
                b.iter(|| engine.check(black_box(&request)))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("check_json");
    for (example, json) in EXAMPLES {
        for (contract, engine) in &engines {
            group.bench_function(format!("{example}_{contract}"), |b| {
                b.iter(|| engine.check_json(black_box(json)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, build, check);
criterion_main!(benches);
