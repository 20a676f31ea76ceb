//! Redaction: mask personal data to its last four characters, keep everything else.
//!
//! `4242 4242 4242 4242` becomes `•••• •••• •••• 4242`: every letter or digit of the
//! span but the last four becomes `•`, separators stay, and every byte outside the
//! spans is copied unchanged. A short secret (under 12 letters and digits, such as a
//! password or a PIN) is masked whole: its last four characters would be most of it.
//!
//! A span that runs into more digits (directly, or across one separator) takes them
//! in: masking only its part of a longer number would leave the rest a number of its
//! own, and `AKIA…14111 1111 1111 1111` (an API key run into a card number that the
//! key's end glues to a word) would come out as `••••4111 1111 1111 1111`, a card
//! number in the clear. Redacting the output again finds nothing.

use crate::text::Span;

/// The mask character.
pub const MASK: char = '•';

/// Below this many letters and digits a span is masked whole.
const KEEP_LAST4_FROM: usize = 12;

/// Masks each span of `text` (spans may be unsorted and may overlap).
pub(crate) fn redact(text: &str, spans: &[(Span, bool)]) -> String {
    let mut sorted: Vec<(Span, bool)> = spans
        .iter()
        .filter(|(span, _)| span.start < span.end && span.end <= text.len())
        .map(|&(span, whole)| (with_adjoining_digits(text, span), whole))
        .collect();
    sorted.sort_by_key(|(span, _)| (span.start, span.end));
    let mut merged: Vec<(Span, bool)> = Vec::with_capacity(sorted.len());
    for (span, whole) in sorted {
        match merged.last_mut() {
            Some((last, last_whole)) if span.start < last.end => {
                last.end = last.end.max(span.end);
                *last_whole |= whole;
            }
            _ => merged.push((span, whole)),
        }
    }
    // A masked byte grows to at most the mask's three: one allocation, no regrowth
    // (which would copy a long text again and again).
    let growth: usize = merged
        .iter()
        .map(|(span, _)| 2 * (span.end - span.start))
        .sum();
    let mut out = String::with_capacity(text.len() + growth);
    let mut copied = 0usize;
    for (span, whole) in merged {
        let (Some(before), Some(inside)) =
            (text.get(copied..span.start), text.get(span.start..span.end))
        else {
            continue;
        };
        out.push_str(before);
        mask_into(&mut out, inside, whole);
        copied = span.end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// `span` grown over the digits it runs into on either side, directly or across one
/// separator at a time (`4242 4242 4242 42` before a card found in `424242-…`).
fn with_adjoining_digits(text: &str, span: Span) -> Span {
    // How many bytes of `chars` (read away from the span) are digits, or separators
    // with a digit beyond them.
    fn adjoining(chars: impl Iterator<Item = char>) -> usize {
        let mut chars = chars.peekable();
        let mut bytes = 0;
        while let Some(c) = chars.next() {
            let separator = matches!(c, ' ' | '-' | '.' | '/');
            if !(c.is_numeric() || separator && chars.peek().is_some_and(|d| d.is_numeric())) {
                break;
            }
            bytes += c.len_utf8();
        }
        bytes
    }
    let before = adjoining(text.get(..span.start).unwrap_or_default().chars().rev());
    let after = adjoining(text.get(span.end..).unwrap_or_default().chars());
    Span::new(span.start - before, span.end + after)
}

fn mask_into(out: &mut String, inside: &str, whole: bool) {
    if inside.is_ascii() {
        mask_ascii_into(out, inside, whole);
    } else {
        mask_chars_into(out, inside, whole);
    }
}

fn mask_chars_into(out: &mut String, inside: &str, whole: bool) {
    let alnum = inside.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = if whole || alnum < KEEP_LAST4_FROM {
        0
    } else {
        4
    };
    let mut seen = 0usize;
    for c in inside.chars() {
        if c.is_alphanumeric() {
            seen += 1;
            if seen + keep > alnum {
                out.push(c);
            } else {
                out.push(MASK);
            }
        } else if crate::text::normalize::is_ignorable(c) {
            // Invisible characters inside a masked value are dropped.
        } else {
            out.push(c);
        }
    }
}

/// [`mask_into`] for the common ASCII value (cards, SSNs, IBANs, keys, emails),
/// byte by byte: no ASCII character is ignorable, and ASCII letters and digits are
/// exactly its alphanumeric characters.
fn mask_ascii_into(out: &mut String, inside: &str, whole: bool) {
    let alnum = inside.bytes().filter(u8::is_ascii_alphanumeric).count();
    let keep = if whole || alnum < KEEP_LAST4_FROM {
        0
    } else {
        4
    };
    let mut seen = 0usize;
    let mut mask = [0u8; 4];
    let mask = MASK.encode_utf8(&mut mask);
    for byte in inside.bytes() {
        if byte.is_ascii_alphanumeric() {
            seen += 1;
            if seen + keep <= alnum {
                out.push_str(mask);
                continue;
            }
        }
        out.push(char::from(byte));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ASCII fast path masks exactly as the path for any text.
        #[test]
        fn ascii_values_mask_the_same_either_way(value in "[ -~]{0,40}", whole: bool) {
            let (mut fast, mut general) = (String::new(), String::new());
            mask_ascii_into(&mut fast, &value, whole);
            mask_chars_into(&mut general, &value, whole);
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn masks_to_the_last_four_and_keeps_the_rest() {
        let text = "card 4242 4242 4242 4242, thanks";
        assert_eq!(
            redact(text, &[(Span::new(5, 24), false)]),
            "card •••• •••• •••• 4242, thanks"
        );
        assert_eq!(
            redact("pw hunter22!", &[(Span::new(3, 11), false)]),
            "pw ••••••••!"
        );
        assert_eq!(redact("abc", &[]), "abc");
        let full = "x ４２４２４２４２４２４２４２４２ y";
        let end = full.len() - 2;
        assert_eq!(
            redact(full, &[(Span::new(2, end), false)]),
            "x ••••••••••••４２４２ y"
        );
    }
}
