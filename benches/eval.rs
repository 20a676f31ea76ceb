//! Shadow-mode evaluation throughput, per core: how many labeled request lines one
//! thread parses, checks and accumulates per second (`deskguard eval` runs one such
//! loop per core and merges the accumulators). Measured separately: the accumulator
//! alone, merging, and ticket screening.
//!
//! Run: `cargo bench --bench eval`. Criterion reports elements/s: requests per second
//! per core.
#![expect(
    clippy::panic,
    reason = "a benchmark that cannot set up has nothing to measure"
)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use deskguard::eval::{EvalAccumulator, LabeledRequest};
use deskguard::{Engine, Ticket};
use std::hint::black_box;

const FIXTURE: &str = include_str!("../tests/fixtures/eval-small.jsonl");
const LINES: usize = 1_000;

/// 1000 labeled lines cycling through the fixture's valid requests, with distinct
/// ticket ids and days so that no cache or table shortcut helps.
fn lines() -> Vec<String> {
    let valid: Vec<serde_json::Value> = FIXTURE
        .lines()
        .filter(|line| LabeledRequest::from_json(line).is_ok())
        .map(|line| serde_json::from_str(line).unwrap_or_default())
        .collect();
    (0..LINES)
        .filter_map(|i| {
            let mut value = valid.get(i % valid.len())?.clone();
            if let Some(ticket) = value.get_mut("ticket").and_then(|t| t.as_object_mut()) {
                ticket.insert("id".into(), format!("T-{i}").into());
            }
            if let Some(object) = value.as_object_mut() {
                object.insert(
                    "now".into(),
                    format!("2026-06-{:02}T10:00:00Z", 1 + i % 28).into(),
                );
            }
            serde_json::to_string(&value).ok()
        })
        .collect()
}

fn replay(c: &mut Criterion) {
    let engine = Engine::with_defaults().unwrap_or_else(|e| panic!("{e}"));
    let lines = lines();
    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(lines.len() as u64));

    group.bench_function("replay_per_core (parse + check + add)", |b| {
        b.iter(|| {
            let mut acc = EvalAccumulator::new();
            for line in &lines {
                if let Ok(labeled) = LabeledRequest::from_json(line) {
                    let verdict = engine.check(&labeled.request);
                    acc.add(&labeled, &verdict);
                }
            }
            black_box(acc.requests())
        })
    });

    let parsed: Vec<LabeledRequest> = lines
        .iter()
        .filter_map(|line| LabeledRequest::from_json(line).ok())
        .collect();
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|line| LabeledRequest::from_json(line).is_ok())
                .count()
        })
    });
    let verdicts: Vec<_> = parsed.iter().map(|l| engine.check(&l.request)).collect();
    group.bench_function("accumulate_only", |b| {
        b.iter(|| {
            let mut acc = EvalAccumulator::new();
            for (labeled, verdict) in parsed.iter().zip(&verdicts) {
                acc.add(labeled, verdict);
            }
            black_box(acc.requests())
        })
    });
    group.finish();

    let mut part = EvalAccumulator::new();
    for (labeled, verdict) in parsed.iter().zip(&verdicts) {
        part.add(labeled, verdict);
    }
    c.bench_function("eval/merge_two_accumulators", |b| {
        b.iter_batched(
            || (part.clone(), part.clone()),
            |(mut a, other)| {
                a.merge(other);
                black_box(a.requests())
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("eval/report", |b| b.iter(|| black_box(part.report())));

    let ticket = Ticket {
        subject: "Task stuck since this morning".into(),
        body: "The agent stopped halfway through the import and the task is perpetually in_progress. We need this fixed."
            .into(),
        ..Ticket::default()
    };
    let now: jiff::Timestamp = "2026-06-05T16:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("screen_ticket", |b| {
        b.iter(|| black_box(engine.screen_ticket(&ticket, now)))
    });
}

criterion_group!(benches, replay);
criterion_main!(benches);
