//! validate_reply and redact: any text (and any context) gives a report whose spans
//! are in bounds and on character boundaries, and whose redaction leaves the text
//! outside the spans unchanged; nothing panics.
#![no_main]

use std::sync::LazyLock;

use deskguard::validator::ReplyContext;
use deskguard::Engine;
use libfuzzer_sys::fuzz_target;

static ENGINE: LazyLock<Option<Engine>> = LazyLock::new(|| Engine::with_defaults().ok());
static CONTEXT: LazyLock<ReplyContext> = LazyLock::new(|| {
    ReplyContext::from_json(include_str!(
        "../../policies/examples/02-duplicate-charge-refund.json"
    ))
    .unwrap_or_default()
});

fuzz_target!(|data: &[u8]| {
    let Some(engine) = ENGINE.as_ref() else {
        return;
    };
    // The first byte picks a mode: the reply alone, with the billing context, or the
    // input split into a context (JSON) and a reply at the first NUL.
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (reply, context) = match mode % 3 {
        0 => (text, ReplyContext::default()),
        1 => (text, CONTEXT.clone()),
        _ => match text.split_once('\0') {
            Some((json, reply)) => (reply, ReplyContext::from_json(json).unwrap_or_default()),
            None => (text, ReplyContext::default()),
        },
    };
    let mut context = context;
    context.turn = Some(u32::from(mode % 4));
    if context.internal_note.is_none() && mode & 0x10 != 0 {
        context.internal_note = Some(reply.to_string());
        context.grounded = Some(true);
    }
    let report = engine.validate_reply(reply, &context);
    for violation in &report.violations {
        if let Some(span) = violation.span {
            let field_text = match violation.field.as_deref() {
                Some("internal_note") => context.internal_note.as_deref().unwrap_or(""),
                _ => reply,
            };
            assert!(
                span.start <= span.end && span.end <= field_text.len(),
                "{span:?}"
            );
            assert!(
                field_text.is_char_boundary(span.start) && field_text.is_char_boundary(span.end)
            );
        }
    }
    let redaction = engine.redact(reply);
    // Spans are in order, in bounds, on character boundaries; the text before the
    // first and after the last is kept byte for byte.
    let mut copied = 0;
    for masked in &redaction.spans {
        let span = masked.span;
        assert!(span.start >= copied && span.start < span.end && span.end <= reply.len());
        assert!(reply.is_char_boundary(span.start) && reply.is_char_boundary(span.end));
        copied = span.end;
    }
    match (redaction.spans.first(), redaction.spans.last()) {
        (Some(first), Some(last)) => {
            assert!(redaction.redacted.starts_with(&reply[..first.span.start]));
            assert!(redaction.redacted.ends_with(&reply[last.span.end..]));
        }
        _ => assert_eq!(redaction.redacted, reply),
    }
    let _ = serde_json::to_string(&report);
});
