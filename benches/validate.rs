//! Response validator benchmarks.
//!
//! - `validate/draft_1k`: a realistic 1 KB draft against the blueprint's billing
//!   context (goal: ≤ 10 µs median natively), the context prepared on every call;
//! - `validate/draft_1k_prepared`: the same draft against the context prepared once
//!   ([`deskguard::PreparedReplyContext`]), as a sidebar validates each keystroke pause;
//! - `validate/adversarial_1m`: a 1 MB reply made to be slow — repeated phrases, long
//!   digit runs, nested look-alikes of cards, SSNs, IBANs, phone numbers, dates,
//!   emails and keys, invisible characters (goal: ≤ 20 ms; linear time);
//! - `validate/linear_*`: the same adversarial mix at 256 KB and 1 MB, so the ratio
//!   shows linearity;
//! - `redact/1m`: redaction alone over the adversarial megabyte.
//!
//! Building the engine is measured apart (`build`): validating compiles nothing.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use deskguard::validator::ReplyContext;
use deskguard::Engine;

fn billing() -> ReplyContext {
    ReplyContext::from_json(include_str!(
        "../policies/examples/02-duplicate-charge-refund.json"
    ))
    .unwrap_or_default()
}

/// About 1 KB: the blueprint's billing reply, padded with ordinary support prose.
pub fn draft_1k() -> String {
    let mut text = String::from(
        "Hi Lee \u{2014} you're right, I can see two identical $29 charges on June 3rd. That's a duplicate, and I've queued a refund for the extra charge (you'll see it back on your original payment method in 5\u{2013}10 business days). Sorry for the scare \u{2014} your billing is otherwise correct and you won't be charged again until your normal renewal. ",
    );
    let filler = "If anything else looks off on your invoice, reply to this message and we'll take a look together. You can also review past payments under Settings > Billing > History. ";
    while text.len() < 1000 {
        text.push_str(filler);
    }
    text.truncate(
        text.char_indices()
            .take_while(|(i, _)| *i < 1024)
            .last()
            .map_or(0, |(i, c)| i + c.len_utf8()),
    );
    text
}

/// `size` bytes of text made to be slow.
pub fn adversarial(size: usize) -> String {
    let pieces = [
        "4242 4242 4242 4242 4242 4242 ",
        "1234567890123456789012345678901234567890 ",
        "424242424242424\u{200B}2 ",
        "\u{FF14}\u{FF12}\u{FF14}\u{FF12}-4242-4242-424 ",
        "123-45-6789-123-45-678 ",
        "de89 3704 0044 0532 0130 0 de89 3704 ",
        "+1 (415) 555-0132-555-0132 ",
        "2026-06-03-2026-06-0 June 3rd June June 3 ",
        "$29$29$29.00.00 usd usd 29 ",
        "5-10-15-20 business business days ",
        "a@b@c@d.e@f.g ",
        "sk_live_sk_live_sk_live_ eyJ.eyJ.eyJ ",
        "password: password: password is ",
        "Unfortunately, I c\u{200B}annot Unfortunately, I ",
        "will call you will never happen again guaranteed ",
        "https://www.https://www. KB-KB-204 kb204kb ",
        "\u{00AD}\u{200D}\u{FEFF}c\u{0336}a\u{0336} ",
    ];
    let mut text = String::with_capacity(size + 64);
    for piece in pieces.iter().cycle() {
        if text.len() >= size {
            break;
        }
        text.push_str(piece);
    }
    text
}

fn benches(c: &mut Criterion) {
    c.bench_function("build", |b| {
        b.iter(|| Engine::with_defaults().map(|e| black_box(e.mode())))
    });
    let Ok(engine) = Engine::with_defaults() else {
        return;
    };
    let context = billing();
    let draft = draft_1k();
    c.bench_function("validate/draft_1k", |b| {
        b.iter(|| black_box(engine.validate_reply(black_box(&draft), &context)))
    });
    let prepared = engine.prepare_reply_context(context.clone());
    c.bench_function("validate/draft_1k_prepared", |b| {
        b.iter(|| black_box(prepared.validate_reply(black_box(&draft))))
    });
    let empty = ReplyContext::default();
    c.bench_function("validate/draft_1k_no_context", |b| {
        b.iter(|| black_box(engine.validate_reply(black_box(&draft), &empty)))
    });
    let mut group = c.benchmark_group("validate");
    group.sample_size(10);
    for (name, size) in [("linear_256k", 256 * 1024), ("adversarial_1m", 1024 * 1024)] {
        let text = adversarial(size);
        group.bench_function(name, |b| {
            b.iter(|| black_box(engine.validate_reply(black_box(&text), &context)))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("redact");
    group.sample_size(10);
    let text = adversarial(1024 * 1024);
    group.bench_function("1m", |b| {
        b.iter(|| black_box(engine.redact(black_box(&text))))
    });
    group.finish();
}

criterion_group!(validate, benches);
criterion_main!(validate);
