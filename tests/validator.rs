#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The response validator through the public API: exact codes, kinds and spans, the
//! evasion cases of the issue, redaction, citations, staleness, policy errors, and the
//! regression cases found by fuzzing.

use deskguard::validator::{Redaction, ReplyContext, Report, MASK};
use deskguard::{Code, Engine, Policy, Severity, Span, EMBEDDED_POLICY_YAML};

fn engine() -> Engine {
    Engine::with_defaults().unwrap()
}

fn billing() -> ReplyContext {
    let request = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/examples/02-duplicate-charge-refund.json"
    ))
    .unwrap();
    ReplyContext::from_json(&request).unwrap()
}

/// (code, covered text) of every violation on the reply.
fn found<'a>(report: &Report, text: &'a str) -> Vec<(Code, &'a str)> {
    report
        .violations
        .iter()
        .filter(|v| v.field.as_deref() == Some("customer_reply"))
        .map(|v| {
            let span = v.span.unwrap_or(Span::new(0, 0));
            (v.code, &text[span.start..span.end])
        })
        .collect()
}

/// What a redaction masked, as (code, start, end).
fn spans_of(redaction: &Redaction) -> Vec<(Code, usize, usize)> {
    redaction
        .spans
        .iter()
        .map(|s| (s.code, s.span.start, s.span.end))
        .collect()
}

/// `n` redaction masks.
fn masks(n: usize) -> String {
    MASK.to_string().repeat(n)
}

/// Redacting `redacted` again finds nothing and changes nothing.
fn assert_redacts_to_itself(redacted: &str) {
    let twice = engine().redact(redacted);
    assert!(twice.spans.is_empty(), "{redacted}: {:?}", twice.spans);
    assert_eq!(twice.redacted, redacted);
}

#[test]
fn zero_width_space_inside_a_prohibited_phrase_is_still_the_phrase() {
    let text = "Unfortunately, I c\u{200B}annot change that.";
    let report = engine().validate_reply(text, &ReplyContext::default());
    assert_eq!(report.violations.len(), 1);
    let violation = &report.violations[0];
    assert_eq!(violation.code, Code::ProhibitedPhrase);
    assert_eq!(violation.severity, Severity::Block);
    assert_eq!(violation.span, Some(Span::new(0, 26)));
    assert_eq!(&text[0..26], "Unfortunately, I c\u{200B}annot");
    assert_eq!(
        violation.message,
        "the reply uses the prohibited phrase `Unfortunately, I cannot`"
    );
}

#[test]
fn soft_hyphens_do_not_hide_a_phrase() {
    let text = "I\u{2019}m just an A\u{00AD}I, sorry.";
    let report = engine().validate_reply(text, &ReplyContext::default());
    assert_eq!(
        found(&report, text),
        [(Code::ProhibitedPhrase, "I\u{2019}m just an A\u{00AD}I")]
    );
}

#[test]
fn full_width_card_digits_are_a_card_and_are_masked_to_the_last_four() {
    let text = "Your card \u{FF14}\u{FF12}\u{FF14}\u{FF12} \u{FF14}\u{FF12}\u{FF14}\u{FF12} \u{FF14}\u{FF12}\u{FF14}\u{FF12} \u{FF14}\u{FF12}\u{FF14}\u{FF12} was charged.";
    let report = engine().validate_reply(text, &ReplyContext::default());
    assert_eq!(report.violations.len(), 1);
    let violation = &report.violations[0];
    assert_eq!(violation.code, Code::PiiCard);
    let span = violation.span.unwrap();
    assert_eq!(span, Span::new(10, 10 + 16 * 3 + 3));
    // The message never repeats the number.
    assert!(!violation.message.contains('4') && !violation.message.contains('\u{FF14}'));
    let m = MASK;
    assert_eq!(
        report.redacted,
        format!("Your card {m}{m}{m}{m} {m}{m}{m}{m} {m}{m}{m}{m} \u{FF14}\u{FF12}\u{FF14}\u{FF12} was charged.")
    );
}

#[test]
fn redaction_keeps_every_other_byte() {
    let text = "Hi!  Card 4242-4242-4242-4242, SSN 536-22-5432, IBAN DE89 3704 0044 0532 0130 00.\n\u{1F600} bye";
    let redaction = engine().redact(text);
    assert_eq!(
        redaction.redacted,
        "Hi!  Card ••••-••••-••••-4242, SSN •••-••-••••, IBAN ••••\u{20}•••• •••• •••• ••30 00.\n\u{1F600} bye"
    );
    let codes: Vec<Code> = redaction.spans.iter().map(|s| s.code).collect();
    assert_eq!(codes, [Code::PiiCard, Code::PiiSsn, Code::PiiIban]);
}

/// Regression (found by differential fuzzing): one piece of personal data hid another
/// (a card number starting an address, a key running into a card), and redaction's own
/// output read as a secret again. Whatever `redact` returns redacts to itself.
#[test]
fn personal_data_cannot_hide_personal_data() {
    let m = MASK;
    let card_and_email = "Your card 4111111111111111.bob@example.com is on file.";
    let redaction = engine().redact(card_and_email);
    let spans = spans_of(&redaction);
    assert_eq!(
        spans,
        [
            (Code::PiiCard, 10, 26),
            (Code::PiiOtherCustomerEmail, 10, 42)
        ]
    );
    assert_eq!(
        redaction.redacted,
        format!(
            "Your card {}.{m}{m}{m}@{}e.com is on file.",
            masks(16),
            masks(6)
        )
    );
    // The key's last four would have joined the card's other groups: the mask takes
    // in the digits the key runs into.
    let key_and_card = "Key AKIAIOSFODNN7EXAMPLE14111 1111 1111 1111 noted.";
    let redaction = engine().redact(key_and_card);
    assert_eq!(
        redaction.redacted,
        format!("Key {} {m}{m}{m}{m} {m}{m}{m}{m} 1111 noted.", masks(25))
    );
    let password = "Your password: hunter2hunter2";
    let redaction = engine().redact(password);
    assert_eq!(
        redaction.redacted,
        format!("Your password: {}ter2", masks(10))
    );
    for text in [
        card_and_email,
        key_and_card,
        password,
        "Card 4242-4242-4242-4242-bob@example.com",
    ] {
        assert_redacts_to_itself(&engine().redact(text).redacted);
    }
}

/// Masking can unglue what the first scan read as one word: the digits glued to `com`
/// made `bob@example.com` no address, until masking the address after them (which
/// takes in the digits it runs into) left a mask there. What masking uncovers is
/// found, reported at its place in the reply, and masked whole (here together with the
/// address it runs into, digits and all).
#[test]
fn what_masking_uncovers_is_masked_too() {
    let text = "Ask bob@example.com536 22 5432bob@example.com today.";
    let redaction = engine().redact(text);
    let spans = spans_of(&redaction);
    assert_eq!(
        spans,
        [
            (Code::PiiOtherCustomerEmail, 4, 19),
            (Code::PiiOtherCustomerEmail, 26, 45)
        ]
    );
    assert_eq!(
        redaction.redacted,
        format!(
            "Ask {}@{}.{} {} {}@{}.{} today.",
            masks(3),
            masks(7),
            masks(6),
            masks(2),
            masks(7),
            masks(7),
            masks(3)
        )
    );
    let report = engine().validate_reply(text, &ReplyContext::default());
    assert_eq!(
        found(&report, text),
        [
            (Code::PiiOtherCustomerEmail, "bob@example.com"),
            (Code::PiiOtherCustomerEmail, "5432bob@example.com"),
        ]
    );
    assert_eq!(report.redacted, redaction.redacted);
    assert_redacts_to_itself(&redaction.redacted);
}

/// `№` is written `no` in the normalized view; the card after it is still a card, and
/// redaction masks the digits only.
#[test]
fn a_card_after_the_numero_sign_is_redacted() {
    let text = "\u{41a}\u{430}\u{440}\u{442}\u{430} \u{2116}4111 1111 1111 1111.";
    let redaction = engine().redact(text);
    assert_eq!(
        redaction.redacted,
        "\u{41a}\u{430}\u{440}\u{442}\u{430} \u{2116}\u{2022}\u{2022}\u{2022}\u{2022} \u{2022}\u{2022}\u{2022}\u{2022} \u{2022}\u{2022}\u{2022}\u{2022} 1111."
    );
    let spans = spans_of(&redaction);
    assert_eq!(spans, [(Code::PiiCard, 14, 33)]);
}

#[test]
fn the_blueprint_reply_is_grounded_in_its_context() {
    let context = billing();
    let text = "Hi Lee \u{2014} you're right, I can see two identical $29 charges on June 3rd. That's a duplicate, and I've queued a refund for the extra charge (you'll see it back on your original payment method in 5\u{2013}10 business days). Sorry for the scare \u{2014} your billing is otherwise correct and you won't be charged again until your normal renewal.";
    let report = engine().validate_reply(text, &context);
    // Turn 1: only the AI disclosure is due.
    let codes: Vec<Code> = report.violations.iter().map(|v| v.code).collect();
    assert_eq!(codes, [Code::MissingDisclosure]);
    assert_eq!(report.missing_disclosures, ["ai_disclosure"]);
    assert_eq!(report.redacted, text);
    // A turn of 0 is no turn, and may be the first; a later one owes nothing.
    let mut context = billing();
    context.turn = Some(0);
    let report = engine().validate_reply(text, &context);
    assert_eq!(report.missing_disclosures, ["ai_disclosure"]);
    context.turn = Some(2);
    assert!(engine()
        .validate_reply(text, &context)
        .violations
        .is_empty());
}

#[test]
fn ungrounded_specifics_name_their_kind_and_span() {
    let mut context = billing();
    context.turn = Some(2);
    let text = "Your $39 refund lands on June 4th, within 3-5 business days; call +1 (415) 555-0132 or see KB-999.";
    let report = engine().validate_reply(text, &context);
    let kinds: Vec<(&str, &str)> = report
        .violations
        .iter()
        .map(|v| {
            let s = v.span.unwrap();
            (v.kind.as_deref().unwrap(), &text[s.start..s.end])
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("money", "$39"),
            ("date", "June 4th"),
            ("duration", "3-5 business days"),
            ("phone", "+1 (415) 555-0132"),
            ("kb_id", "KB-999"),
        ]
    );
    assert!(report
        .violations
        .iter()
        .all(|v| v.code == Code::UngroundedClaim));
}

#[test]
fn equal_forms_of_a_specific_are_grounded() {
    let mut context = billing();
    context.turn = Some(2);
    for text in [
        "Two charges of 29.00 USD.",
        "Two charges of USD 29.",
        "Charged on 3 June 2026.",
        "Charged on 2026-06-03.",
        "Refunds take 5-10 business days.",
    ] {
        let report = engine().validate_reply(text, &context);
        assert!(
            report.violations.is_empty(),
            "{text}: {:?}",
            report.violations
        );
    }
}

#[test]
fn citations_must_exist_and_be_present_when_grounded() {
    let mut context = billing();
    context.turn = Some(2);
    context.internal_note = Some("See KB-777 and txn_0001.".into());
    let report = engine().validate_reply("Thanks!", &context);
    let notes: Vec<(Code, Option<&str>, Option<Span>)> = report
        .violations
        .iter()
        .map(|v| (v.code, v.field.as_deref(), v.span))
        .collect();
    assert_eq!(
        notes,
        [
            (
                Code::CitationUnknown,
                Some("internal_note"),
                Some(Span::new(4, 10))
            ),
            (
                Code::CitationUnknown,
                Some("internal_note"),
                Some(Span::new(15, 23))
            ),
            (Code::CitationMissing, Some("internal_note"), None),
        ]
    );
    context.internal_note = Some("Policy KB-204; txn_8842.".into());
    assert!(engine()
        .validate_reply("Thanks!", &context)
        .violations
        .is_empty());
    context.internal_note = Some("From crm.price_usd_per_month.".into());
    assert!(engine()
        .validate_reply("Thanks!", &context)
        .violations
        .is_empty());
}

#[test]
fn pii_in_the_internal_note_is_reported_and_masked() {
    let mut context = billing();
    context.turn = Some(2);
    context.internal_note = Some("KB-204. Card 4242 4242 4242 4242.".into());
    let report = engine().validate_reply("Thanks!", &context);
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].code, Code::PiiCard);
    assert_eq!(report.violations[0].field.as_deref(), Some("internal_note"));
    assert_eq!(report.violations[0].span, Some(Span::new(13, 32)));
    assert_eq!(
        report.redacted_internal_note.as_deref(),
        Some("KB-204. Card •••• •••• •••• 4242.")
    );
}

#[test]
fn a_stale_volatile_source_is_flagged_where_it_is_relied_on() {
    let mut context = billing();
    context.turn = Some(2);
    context.now = Some("2026-12-01T00:00:00Z".into());
    let text = "Refunds take 5-10 business days.";
    let report = engine().validate_reply(text, &context);
    let codes: Vec<(Code, Option<&str>, Option<Span>)> = report
        .violations
        .iter()
        .map(|v| (v.code, v.field.as_deref(), v.span))
        .collect();
    // Where the reply relies on it, and where the note cites it (`KB-204`).
    assert_eq!(
        codes,
        [
            (
                Code::StaleSource,
                Some("customer_reply"),
                Some(Span::new(13, 31))
            ),
            (
                Code::StaleSource,
                Some("internal_note"),
                Some(Span::new(82, 88))
            ),
        ]
    );
    // The playbook's own example is a return policy; tags in the plural count too.
    for tags in [["returns"], ["policies"], ["warranty_terms"]] {
        context.context.kb[0].tags = tags.iter().map(|tag| tag.to_string()).collect();
        let report = engine().validate_reply(text, &context);
        assert_eq!(report.violations[0].code, Code::StaleSource, "{tags:?}");
        assert_eq!(
            report.violations[0].span,
            Some(Span::new(13, 31)),
            "{tags:?}"
        );
    }
    // A KB document on a topic that does not change is never stale.
    context.context.kb[0].tags = vec!["how_to".into()];
    assert!(engine()
        .validate_reply(text, &context)
        .violations
        .is_empty());
}

/// Regression (found by fuzzing the npm package): without `now`, or with an
/// `updated_at` that does not read as a date, staleness was not checked at all, so a
/// reply relying on a volatile document could auto-resolve. Its age cannot be told:
/// it fails closed.
#[test]
fn a_volatile_source_of_unknown_age_is_flagged() {
    let text = "Refunds take 5-10 business days.";
    let age_unknown = "relies on KB document `kb-204` on a topic that changes, and its age \
         cannot be told (the request has no `now`, or the document no valid `updated_at`); \
         verify it before sending";
    let mut context = billing();
    context.turn = Some(2);
    let mut cases = Vec::new();
    context.now = None;
    cases.push(context.clone());
    for updated_at in [
        None,
        Some("garbage"),
        Some("2026-13-45"),
        Some("２０２６-11-01"),
    ] {
        let mut dated = context.clone();
        dated.now = Some("2026-12-01T00:00:00Z".into());
        dated.context.kb[0].updated_at = updated_at.map(str::to_string);
        cases.push(dated);
    }
    for case in cases {
        let report = engine().validate_reply(text, &case);
        let found: Vec<(Code, Option<Span>, &str)> = report
            .violations
            .iter()
            .filter(|v| v.field.as_deref() == Some("customer_reply"))
            .map(|v| (v.code, v.span, v.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [(Code::StaleSource, Some(Span::new(13, 31)), age_unknown)],
            "now {:?}, updated_at {:?}",
            case.now,
            case.context.kb[0].updated_at
        );
    }
    // A recent date with `now` is fresh.
    context.now = Some("2026-12-01T00:00:00Z".into());
    context.context.kb[0].updated_at = Some("2026-11-20".into());
    assert!(engine()
        .validate_reply(text, &context)
        .violations
        .is_empty());
}

/// Regression (found by fuzzing the npm package): the policy says a KB document below
/// `retrieval_min` grounds nothing, but the reply validator grounded specifics in it.
#[test]
fn a_document_below_the_retrieval_minimum_grounds_nothing() {
    let text = "Refunds take 5-10 business days.";
    let mut context = billing();
    context.turn = Some(2);
    context.now = Some("2026-06-24T09:00:00Z".into());
    let report = engine().validate_reply(text, &context);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    context.context.kb[0].score = Some(0.1);
    let report = engine().validate_reply(text, &context);
    let reply: Vec<(Code, &str)> = found(&report, text);
    assert_eq!(reply, [(Code::UngroundedClaim, "5-10 business days")]);
}

#[test]
fn a_prepared_context_validates_each_draft_as_validate_reply_does() {
    let engine = engine();
    let mut context = billing();
    context.turn = Some(1);
    context.now = Some("2026-12-01T00:00:00Z".into());
    context.internal_note = Some("KB-204 and KB-999. Card 4242 4242 4242 4242.".into());
    let prepared = engine.prepare_reply_context(context.clone());
    let drafts = [
        "",
        "Thanks!",
        "Refunds take 5-10 business days.",
        "You were charged $29 on June 3rd; we refund $45 within 3 days. Card 4111 1111 1111 1111.",
        "We will credit your account, guaranteed. Unfortunately, I cannot help.",
        // The same kinds of promise again, grounded and not: the documents that may
        // ground a kind are found once per prepared context and reused.
        "We will refund your $29 within 5-10 business days.",
        "We will refund your $45 within 5-10 business days. We will credit you.",
    ];
    for draft in drafts {
        let once = prepared.validate_reply(draft);
        assert_eq!(once, engine.validate_reply(draft, &context), "{draft:?}");
        // The note's findings come with every draft.
        let note: Vec<(Code, Option<Span>)> = once
            .violations
            .iter()
            .filter(|v| v.field.as_deref() == Some("internal_note"))
            .map(|v| (v.code, v.span))
            .collect();
        assert_eq!(
            note,
            [
                (Code::StaleSource, Some(Span::new(0, 6))),
                (Code::CitationUnknown, Some(Span::new(11, 17))),
                (Code::PiiCard, Some(Span::new(24, 43))),
            ],
            "{draft:?}"
        );
    }
    assert_eq!(prepared.context().internal_note, context.internal_note);
}

#[test]
fn commitments_need_a_policy_that_grounds_them() {
    let context = ReplyContext {
        turn: Some(2),
        ..ReplyContext::default()
    };
    let text = "An engineer will call you within the hour, and this will never happen again.";
    let report = engine().validate_reply(text, &context);
    let kinds: Vec<(&str, &str)> = report
        .violations
        .iter()
        .map(|v| {
            let s = v.span.unwrap();
            (v.kind.as_deref().unwrap(), &text[s.start..s.end])
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("callback", "will call you"),
            ("timeline", "within the hour"),
            ("outcome", "never happen again"),
        ]
    );
}

#[test]
fn the_default_patterns_match_across_any_whitespace_and_contractions() {
    let context = ReplyContext {
        turn: Some(2),
        ..ReplyContext::default()
    };
    // The default patterns write one space for any whitespace run (the view collapses
    // them), and "we'll" has no space before its "'ll".
    let text = "We'll fix\u{00A0}this.\nOur team  will\tresolve the issue. I\u{2019}ll patch it.";
    let report = engine().validate_reply(text, &context);
    let kinds: Vec<(&str, &str)> = report
        .violations
        .iter()
        .map(|v| {
            let s = v.span.unwrap();
            (v.kind.as_deref().unwrap(), &text[s.start..s.end])
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("fix", "We'll fix\u{00A0}this"),
            ("fix", "Our team  will\tresolve the issue"),
            ("fix", "I\u{2019}ll patch it"),
        ]
    );
}

#[test]
fn missing_disclosure_on_the_first_message_and_long_replies() {
    let context = ReplyContext {
        turn: Some(1),
        ..ReplyContext::default()
    };
    let long = "Thanks. ".repeat(200);
    let report = engine().validate_reply(&long, &context);
    let codes: Vec<(Code, Severity)> = report
        .violations
        .iter()
        .map(|v| (v.code, v.severity))
        .collect();
    assert_eq!(
        codes,
        [
            (Code::MissingDisclosure, Severity::Block),
            (Code::ReplyTooLong, Severity::Warn)
        ]
    );
    let with =
        "I'm an AI assistant. For complex issues, I can connect you with a specialist. Thanks.";
    assert!(engine()
        .validate_reply(with, &context)
        .violations
        .is_empty());
}

#[test]
fn report_serializes_as_violations_and_redacted() {
    let report = engine().validate_reply("pw: hunter22", &ReplyContext::default());
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert_eq!(json["redacted"], "pw: hunter22");
    let report = engine().validate_reply("password: hunter22", &ReplyContext::default());
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert_eq!(json["violations"][0]["code"], "PII_SECRET");
    assert_eq!(json["violations"][0]["span"]["start"], 10);
    assert_eq!(json["redacted"], "password: ••••••••");
}

#[test]
fn reply_context_rejects_unknown_keys_and_reads_three_shapes() {
    assert!(ReplyContext::from_json(r#"{"custmer_email": "x@y.z"}"#).is_err());
    let bare = ReplyContext::from_json(r#"{"kb": [{"id": "KB-1"}]}"#).unwrap();
    assert_eq!(bare.context.kb[0].id, "KB-1");
    let own = ReplyContext::from_json(r#"{"turn": 2, "customer_email": "a@b.co"}"#).unwrap();
    assert_eq!(own.turn, Some(2));
    assert_eq!(billing().turn, Some(1));
    // Regression: a reply context's own `ticket` (text) was read as a request's
    // (an object) and refused.
    let own = ReplyContext::from_json(
        r#"{"ticket": "cc sam@startup.dev", "customer_email": "lee@startup.dev"}"#,
    )
    .unwrap();
    assert_eq!(own.ticket, "cc sam@startup.dev");
    let report = engine().validate_reply("We wrote to sam@startup.dev.", &own);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    // A request's ticket is an object; a wrong one is named.
    let error =
        ReplyContext::from_json(r#"{"ticket": {"subject": 7}, "decision": {}}"#).unwrap_err();
    assert_eq!(error.field(), Some("ticket.subject"));
}

#[test]
fn a_bad_validator_pattern_fails_at_load_with_its_position() {
    let text = EMBEDDED_POLICY_YAML.replace(
        r"'\bwithin the (?:hour|day)\b'",
        r"'\bwithin the (?:hour|day'",
    );
    let error = Policy::from_yaml(&text).unwrap_err();
    assert_eq!(error.code(), Code::PolicyPatternInvalid);
    assert_eq!(
        error.field(),
        Some("validator.commitments.rules.timeline.patterns")
    );
    let line = text
        .lines()
        .position(|l| l.contains(r"(?:hour|day'"))
        .unwrap()
        + 1;
    assert_eq!(error.location().map(|l| l.line), Some(line));
    let text =
        EMBEDDED_POLICY_YAML.replace("kinds: [money, percentage,", "kinds: [money, percent,");
    let error = Policy::from_yaml(&text).unwrap_err();
    assert_eq!(error.code(), Code::PolicyInvalid);
    assert_eq!(error.field(), Some("validator.grounding.kinds"));
}

#[test]
fn a_policy_without_a_validator_section_uses_the_defaults() {
    let start = EMBEDDED_POLICY_YAML.find("\nvalidator:").unwrap();
    let rest = &EMBEDDED_POLICY_YAML[start + 1..];
    let end = rest.find("\n\n").map_or(rest.len(), |e| e + 1);
    let text = format!("{}{}", &EMBEDDED_POLICY_YAML[..start + 1], &rest[end..]);
    assert!(!text.contains("\nvalidator:"));
    let engine = Engine::builder().policy_yaml(text).build().unwrap();
    let report = engine.validate_reply("Unfortunately, I cannot.", &ReplyContext::default());
    assert_eq!(report.violations[0].code, Code::ProhibitedPhrase);
}

#[test]
fn a_huge_reply_is_not_validated_and_blocks() {
    let text = "a".repeat(deskguard::validator::MAX_REPLY_BYTES + 1);
    let report = engine().validate_reply(&text, &ReplyContext::default());
    assert_eq!(report.violations.len(), 1);
    assert_eq!(report.violations[0].code, Code::ReplyTooLong);
    assert_eq!(report.violations[0].severity, Severity::Block);
    assert_eq!(report.redacted, "");
}

#[test]
fn cli_validate_reply_and_redact() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let binary = env!("CARGO_BIN_EXE_deskguard");
    let request = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/examples/02-duplicate-charge-refund.json"
    );
    let run = |args: &[&str], input: &str| {
        let mut child = Command::new(binary)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (code, stdout, _) = run(
        &[
            "validate-reply",
            "--context",
            request,
            "--turn",
            "2",
            "--compact",
            "-",
        ],
        "Two $29 charges; a $39 credit and card 4242 4242 4242 4242.",
    );
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let codes: Vec<&str> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["UNGROUNDED_CLAIM", "PII_CARD"]);
    assert_eq!(
        report["redacted"],
        "Two $29 charges; a $39 credit and card •••• •••• •••• 4242."
    );
    let (code, stdout, _) = run(&["redact", "-"], "SSN 536-22-5432\n");
    assert_eq!(code, Some(0));
    assert_eq!(stdout, "SSN •••-••-••••\n");
    let (code, _, stderr) = run(
        &["validate-reply", "--context", "/nonexistent.json", "-"],
        "",
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("deskguard: error: /nonexistent.json: cannot read"),
        "{stderr}"
    );
}

#[test]
fn an_inline_prohibited_topic_is_enforced_and_a_malformed_one_refused() {
    let inline = "    - legal_advice\n    - name: beta_program\n      phrases: [beta program]\n";
    let text = EMBEDDED_POLICY_YAML.replacen("    - legal_advice\n", inline, 1);
    assert_ne!(text, EMBEDDED_POLICY_YAML);
    let engine = Engine::builder().policy_yaml(text).build().unwrap();
    let reply = "You could join our beta program today.";
    let report = engine.validate_reply(reply, &ReplyContext::default());
    let topic: Vec<(Code, Span)> = report
        .violations
        .iter()
        .filter(|v| v.code == Code::ProhibitedTopic)
        .map(|v| (v.code, v.span.unwrap()))
        .collect();
    let start = reply.find("beta program").unwrap();
    assert_eq!(
        topic,
        vec![(
            Code::ProhibitedTopic,
            Span::new(start, start + "beta program".len())
        )]
    );

    let malformed = "    - legal_advice\n    - phrases: [beta program]\n";
    let text = EMBEDDED_POLICY_YAML.replacen("    - legal_advice\n", malformed, 1);
    let error = Policy::from_yaml(&text).unwrap_err();
    assert_eq!(error.code(), Code::PolicyInvalid);
    assert_eq!(error.field(), Some("content_guardrails.prohibited_topics"));
    // The error points at the list's key.
    let line = 1 + text
        .lines()
        .position(|line| line == "  prohibited_topics:")
        .unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "{line}:3: field `content_guardrails.prohibited_topics`: a topic must be a name \
             or a mapping with `name`, `phrases` and `patterns`: missing field `name`"
        )
    );
}

#[test]
fn a_government_id_named_as_one_is_reported_and_masked() {
    let text = "We have your passport no. C01X00T47 on file, and your driving licence number is S123-456-78-910-0.";
    let report = engine().validate_reply(text, &ReplyContext::default());
    assert_eq!(
        found(&report, text),
        [
            (Code::PiiGovernmentId, "C01X00T47"),
            (Code::PiiGovernmentId, "S123-456-78-910-0"),
        ]
    );
    assert_eq!(report.violations[0].severity, Severity::Block);
    assert_eq!(
        report.violations[0].message,
        "the reply contains a government ID number (masked in `redacted`)"
    );
    // Under 12 letters and digits, masked whole; the licence to its last four.
    assert_eq!(
        report.redacted,
        format!(
            "We have your passport no. {} on file, and your driving licence number is {}-{}-{}-910-0.",
            masks(9),
            masks(4),
            masks(3),
            masks(2),
        )
    );
    assert_redacts_to_itself(&report.redacted);
    // Without its keyword, a number of that shape is an order number like any other.
    let plain = engine().validate_reply("Your reference is C01X00T47.", &ReplyContext::default());
    assert!(plain.violations.is_empty(), "{:?}", plain.violations);
}

#[test]
fn government_id_keywords_default_when_absent_and_turn_off_when_empty() {
    let listed = EMBEDDED_POLICY_YAML
        .lines()
        .find(|line| line.trim_start().starts_with("government_id_keywords:"))
        .unwrap();
    let reply = "Your passport 123456789 is verified.";
    let codes = |yaml: String| -> Vec<Code> {
        let engine = Engine::builder().policy_yaml(yaml).build().unwrap();
        let report = engine.validate_reply(reply, &ReplyContext::default());
        report.violations.iter().map(|v| v.code).collect()
    };
    let absent = EMBEDDED_POLICY_YAML.replace(&format!("{listed}\n"), "");
    assert_ne!(absent, EMBEDDED_POLICY_YAML);
    assert_eq!(codes(absent), [Code::PiiGovernmentId]);
    let empty = EMBEDDED_POLICY_YAML.replace(listed, "    government_id_keywords: []");
    assert_eq!(codes(empty), Vec::<Code>::new());
}

/// A check request as the reply context: when its decision proposes a tool that reads
/// account data, the data-collection notice is due in `validate_reply` as in `check`.
#[test]
fn a_request_context_owes_the_data_collection_notice_when_its_decision_reads_account_data() {
    let request: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/policies/examples/02-duplicate-charge-refund.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let with_tools = |tools: &[&str], turn: u32| {
        let mut request = request.clone();
        request["ticket"]["turn"] = turn.into();
        request["decision"]["actions"] = tools
            .iter()
            .map(|tool| serde_json::json!({ "tool": tool, "args": {} }))
            .collect();
        ReplyContext::from_json(&request.to_string()).unwrap()
    };
    let reply = "I have refunded the duplicate charge.";
    let missing = |context: &ReplyContext| -> Vec<Option<String>> {
        engine()
            .validate_reply(reply, context)
            .violations
            .iter()
            .filter(|v| v.code == Code::MissingDisclosure)
            .map(|v| v.kind.clone())
            .collect()
    };
    let looked_up = with_tools(&["order_lookup", "send_reply"], 2);
    assert_eq!(looked_up.proposed_tools, ["order_lookup", "send_reply"]);
    assert_eq!(
        missing(&looked_up),
        [Some("data_collection_notice".to_string())]
    );
    // The same through a context prepared once.
    let prepared = engine().prepare_reply_context(looked_up);
    let kinds: Vec<Option<String>> = prepared
        .validate_reply(reply)
        .violations
        .into_iter()
        .filter(|v| v.code == Code::MissingDisclosure)
        .map(|v| v.kind)
        .collect();
    assert_eq!(kinds, [Some("data_collection_notice".to_string())]);
    // A tool that reads no account data owes no notice.
    assert_eq!(
        missing(&with_tools(&["kb_search"], 2)),
        Vec::<Option<String>>::new()
    );
}
